// Pack diff internals: what a change means (safety flag) and how it reads in French and English.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "rivet/packtool/diff.hpp"

namespace rivet::packtool {

// The subject's nodes on both sides (a step, a tag, a marker...; undefined where it does not exist) and measured
// figures, for the safety rules and the wording.
struct SubjectContext {
  YAML::Node old_node, new_node;
  double moved_mm = 0, turned_deg = 0;  // marker pose changes
};

// Whether the change touches safety: torque value/tolerance/unit, gate conditions and thresholds, registration
// requirements, isolation points, lockout/gate steps added/removed/moved/retyped, alarm limits and what feeds a gate
// (tag unit, scale, offset, source, max age), markers (dictionary, size, pose, added/removed, registration limits).
bool isSafety(const DiffEntry& entry, const SubjectContext& ctx);

// The entry's one-line text in both languages (without its procedure and the safety mark).
core::Text phrase(const DiffEntry& entry, const SubjectContext& ctx);

core::Text versionNotChanged(const std::string& procedure, const std::string& version);
core::Text packVersionNotChanged(const std::string& version);

// Torque units (N·m, Nm, kN·m, lbf·ft, in·lbf, kgf·m, ...), in any spelling of the product sign.
bool isTorqueUnit(const std::string& unit);

}  // namespace rivet::packtool
