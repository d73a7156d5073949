// Helpers for procedure tests: load the sample procedures and build events tersely.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "rivet/procedure/engine.hpp"

namespace rivet::procedure::test {

inline std::string samplePath(const std::string& name) {
  return std::string(RIVET_SOURCE_DIR) + "/content/samples/robot-cell/procedures/" + name + ".yaml";
}

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline Procedure loadSample(const std::string& name) {
  auto p = parseProcedure(readFile(samplePath(name)), samplePath(name));
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().describe());
  return p.ok() ? p.value() : Procedure{};
}

// The main sample with its LOTO sub-procedure expanded.
inline Procedure resolvedSample(const std::string& name = "robot-cell3-gripper-fingers") {
  auto r = resolveCalls(loadSample(name), {loadSample("robot-cell3-loto")});
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
  return r.ok() ? r.value() : Procedure{};
}

constexpr std::int64_t kSecond = 1'000'000'000;

inline Event confirm(std::int64_t t, std::string target = {}) {
  Event e;
  e.type = EventType::Confirm;
  e.time_ns = t;
  e.target = std::move(target);
  return e;
}
inline Event check(std::int64_t t, bool passed) {
  Event e = confirm(t);
  e.passed = passed;
  return e;
}
inline Event value(std::int64_t t, double v) {
  Event e;
  e.type = EventType::Value;
  e.time_ns = t;
  e.value = v;
  return e;
}
inline Event tag(std::int64_t t, std::string id, double v, Quality q = Quality::Good, std::int64_t source = -1) {
  Event e;
  e.type = EventType::Tag;
  e.time_ns = t;
  e.tag = TagSample{std::move(id), v, q, source < 0 ? t : source};
  return e;
}
inline Event simple(EventType type, std::int64_t t, std::string reason = {}) {
  Event e;
  e.type = type;
  e.time_ns = t;
  e.reason = std::move(reason);
  return e;
}
inline Event choose(std::int64_t t, std::string id) {
  Event e = simple(EventType::Choose, t);
  e.target = std::move(id);
  return e;
}
inline Event signOff(std::int64_t t, std::string user, Role role) {
  Event e = simple(EventType::SignOff, t);
  e.user = std::move(user);
  e.role = role;
  return e;
}
inline Event answer(std::int64_t t, int index) {
  Event e = simple(EventType::Answer, t);
  e.answer = index;
  return e;
}

// Feeds live values proving zero energy at time t.
inline void zeroEnergy(Engine& engine, std::int64_t t) {
  engine.apply(tag(t, "robot.axis_speed", 0.0));
  engine.apply(tag(t, "cell.main_contactor", 0.0));
  engine.apply(tag(t, "cell.air_pressure", 0.02));
}

}  // namespace rivet::procedure::test
