// Assembly YAML parsing (yaml-cpp) and small rigid-transform helpers.
#include "assembly.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "rivet/content/pack.hpp"

namespace rivet::import {
namespace {

constexpr double kPi = 3.14159265358979323846;

struct Failure {
  core::Error error;
};

[[noreturn]] void failAt(const std::string& file, const YAML::Node& n, const std::string& msg, const std::string& hint) {
  throw Failure{core::makeError(msg, file + ":" + std::to_string(n.Mark().line + 1), hint)};
}

std::array<double, 3> vec3(const YAML::Node& n, const std::string& file, const std::string& what) {
  if (!n.IsSequence() || n.size() != 3) failAt(file, n, what + " must be a list of 3 numbers", "");
  std::array<double, 3> v{};
  for (std::size_t i = 0; i < 3; ++i) {
    try {
      v[i] = n[i].as<double>();
    } catch (const YAML::Exception&) {
      failAt(file, n[i], what + " must hold numbers", "");
    }
    if (!std::isfinite(v[i])) failAt(file, n[i], what + " must hold finite numbers", "");
  }
  return v;
}

}  // namespace

Transform identityTransform() { return {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}; }

Transform multiply(const Transform& a, const Transform& b) {
  Transform r{};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      double s = 0;
      for (int k = 0; k < 4; ++k) s += a[static_cast<std::size_t>(i * 4 + k)] * b[static_cast<std::size_t>(k * 4 + j)];
      r[static_cast<std::size_t>(i * 4 + j)] = s;
    }
  return r;
}

Transform fromOrigin(const std::array<double, 3>& xyz, const std::array<double, 3>& rpy, double joint_rad) {
  const double cr = std::cos(rpy[0]), sr = std::sin(rpy[0]);
  const double cp = std::cos(rpy[1]), sp = std::sin(rpy[1]);
  const double cy = std::cos(rpy[2]), sy = std::sin(rpy[2]);
  // R = Rz(y) * Ry(p) * Rx(r)
  const Transform origin = {cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr, xyz[0],
                            sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr, xyz[1],
                            -sp,     cp * sr,                cp * cr,                xyz[2],
                            0,       0,                      0,                      1};
  const double cj = std::cos(joint_rad), sj = std::sin(joint_rad);
  const Transform joint = {cj, -sj, 0, 0, sj, cj, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  return multiply(origin, joint);
}

core::Result<Assembly> loadAssembly(const std::string& path, const std::string& data_root) {
  namespace fs = std::filesystem;
  auto text = content::readTextFile(path);
  if (!text) return text.error();
  try {
    YAML::Node root;
    try {
      root = YAML::Load(*text);
    } catch (const YAML::ParserException& e) {
      return core::makeError("YAML syntax error: " + e.msg, path + ":" + std::to_string(e.mark.line + 1),
                             "fix the indentation/quoting at that line");
    }
    if (!root.IsMap()) return core::makeError("an assembly file must be a mapping with a 'parts' list", path, "");
    Assembly a;
    a.path = path;
    const std::set<std::string> top_keys = {"frame_up", "unit", "parts", "description"};
    for (const auto& kv : root)
      if (!top_keys.count(kv.first.as<std::string>()))
        failAt(path, kv.first, "unknown key '" + kv.first.as<std::string>() + "'",
               "allowed: frame_up, unit, parts, description");
    if (root["frame_up"]) {
      const std::string up = root["frame_up"].as<std::string>();
      if (up != "y" && up != "z") failAt(path, root["frame_up"], "frame_up must be y or z", "");
      a.frame_up = up[0];
    }
    double unit = 1.0;
    if (root["unit"]) {
      static const std::map<std::string, double> kUnits = {{"m", 1.0}, {"mm", 0.001}, {"cm", 0.01}, {"in", 0.0254}};
      const auto it = kUnits.find(root["unit"].as<std::string>());
      if (it == kUnits.end()) failAt(path, root["unit"], "unit must be m, mm, cm or in", "");
      unit = it->second;
    }
    const YAML::Node parts = root["parts"];
    if (!parts || !parts.IsSequence() || parts.size() == 0)
      failAt(path, root, "missing or empty 'parts' list", "list the parts, each with id, name and file");
    const fs::path base = data_root.empty() ? fs::path(path).parent_path() : fs::path(data_root);
    std::map<std::string, int> by_id;
    const std::set<std::string> keys = {"id", "name", "parent", "file", "origin", "joint_deg", "flatten", "unit",
                                        "up", "color", "note"};
    for (const auto& p : parts) {
      if (!p.IsMap()) failAt(path, p, "each part must be a mapping", "");
      for (const auto& kv : p)
        if (!keys.count(kv.first.as<std::string>()))
          failAt(path, kv.first, "unknown key '" + kv.first.as<std::string>() + "'",
                 "allowed: id, name, parent, file, origin {xyz, rpy}, joint_deg, flatten, unit, up, color, note");
      AssemblyEntry e;
      e.line = p.Mark().line + 1;
      if (!p["id"] || !p["name"]) failAt(path, p, "each part needs an id and a name", "");
      e.id = p["id"].as<std::string>();
      e.name = p["name"].as<std::string>();
      if (e.id.empty() || e.id.front() == '/' || e.id.back() == '/') failAt(path, p["id"], "bad part id '" + e.id + "'", "");
      if (by_id.count(e.id)) failAt(path, p["id"], "part id '" + e.id + "' is used twice", "ids must be unique");
      if (p["parent"]) {
        const auto it = by_id.find(p["parent"].as<std::string>());
        if (it == by_id.end())
          failAt(path, p["parent"], "parent '" + p["parent"].as<std::string>() + "' is not an earlier part",
                 "list parents before their children");
        e.parent = it->second;
      }
      if (p["file"]) {
        const fs::path f(p["file"].as<std::string>());
        e.file = (f.is_absolute() ? f : base / f).lexically_normal().string();
        if (!fs::is_regular_file(e.file))
          failAt(path, p["file"], "file not found: " + e.file,
                 "paths are relative to --data-root (or to the assembly's folder)");
      }
      std::array<double, 3> xyz{0, 0, 0}, rpy{0, 0, 0};
      if (const YAML::Node o = p["origin"]; o) {
        if (o["xyz"]) xyz = vec3(o["xyz"], path, "origin.xyz");
        if (o["rpy"]) rpy = vec3(o["rpy"], path, "origin.rpy");
        if (o["rpy_deg"]) {
          rpy = vec3(o["rpy_deg"], path, "origin.rpy_deg");
          for (auto& v : rpy) v *= kPi / 180.0;
        }
      }
      for (auto& v : xyz) v *= unit;
      const double joint = p["joint_deg"] ? p["joint_deg"].as<double>() * kPi / 180.0 : 0.0;
      e.T_parent_entry = fromOrigin(xyz, rpy, joint);
      if (p["flatten"]) e.flatten = p["flatten"].as<bool>();
      if (p["unit"]) e.unit = p["unit"].as<std::string>();
      if (p["up"]) {
        const std::string up = p["up"].as<std::string>();
        if (up != "y" && up != "z") failAt(path, p["up"], "up must be y or z", "");
        e.up = up[0];
      }
      if (p["color"]) {
        const auto c = vec3(p["color"], path, "color");
        e.color = {static_cast<float>(c[0]), static_cast<float>(c[1]), static_cast<float>(c[2]), 1.0f};
        e.has_color = true;
      }
      by_id[e.id] = static_cast<int>(a.entries.size());
      a.entries.push_back(std::move(e));
    }
    return a;
  } catch (const Failure& f) {
    return f.error;
  } catch (const YAML::Exception& e) {
    return core::makeError(std::string("unexpected content: ") + e.what(),
                           path + ":" + std::to_string(e.mark.line + 1), "check the assembly file's layout");
  }
}

}  // namespace rivet::import
