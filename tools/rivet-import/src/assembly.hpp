// Assembly files: which CAD files make up a model, with part ids, names, parents and placements (URDF-like).
#pragma once

#include <array>
#include <string>
#include <vector>

#include "rivet/core/result.hpp"

namespace rivet::import {

// Row-major 4x4 rigid transform in metres.
using Transform = std::array<double, 16>;
Transform identityTransform();
Transform multiply(const Transform& a, const Transform& b);
// origin (xyz metres, rpy radians as in URDF: R = Rz(yaw) Ry(pitch) Rx(roll)) then a rotation about local z.
Transform fromOrigin(const std::array<double, 3>& xyz, const std::array<double, 3>& rpy, double joint_rad);

struct AssemblyEntry {
  std::string id;        // full part id, e.g. "robot/link4"
  std::string name;      // human name
  int parent = -1;       // index of an earlier entry
  std::string file;      // resolved path; empty for a pure group
  Transform T_parent_entry = identityTransform();
  bool flatten = true;   // merge all the file's geometry into this one part
  std::string unit;      // per-file unit override
  char up = 0;           // per-file up override
  bool has_color = false;
  std::array<float, 4> color{};
  int line = 0;          // line in the assembly file (for messages)
};

struct Assembly {
  std::string path;
  char frame_up = 'y';   // axes of the transforms in the file
  std::vector<AssemblyEntry> entries;  // parents first
};

// Parses an assembly YAML; relative file paths are resolved against data_root (or the file's folder when empty).
// Errors name file:line.
core::Result<Assembly> loadAssembly(const std::string& path, const std::string& data_root);

}  // namespace rivet::import
