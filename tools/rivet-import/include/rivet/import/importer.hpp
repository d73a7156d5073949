// rivet-import as a library: CAD/mesh files (or an assembly YAML) -> optimised runtime Model + summary.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "rivet/content/model.hpp"
#include "rivet/core/result.hpp"

namespace rivet::import {

struct ImportOptions {
  std::vector<std::string> inputs;  // CAD/mesh files and/or assembly files (.yaml/.yml)
  std::string unit;                 // "", "m", "mm", "cm", "in": overrides the unit for inputs that do not state one
  bool force_unit = false;          // apply `unit` even where the file states its unit
  char up = 0;                      // 0 = from the file/format, 'y' or 'z' to override
  std::string name_prefix;          // prepended to every part id ("cell" -> "cell/...")
  double tolerance_mm = 0;          // STEP/IGES chordal tolerance; 0 = 0.1% of the bounding-box diagonal
  double angular_deg = 20;          // STEP/IGES angular tolerance
  std::vector<double> lod_errors_mm = {0.5, 2.0, 8.0};  // one LOD per bound (kept when it saves >= 10%)
  bool optimize = true;             // vertex cache / overdraw / fetch ordering
  std::string data_root;            // base folder for relative 'file:' paths in assembly files (default: its folder)
  std::size_t max_memory_mb = 4096; // per reader child process
  double timeout_s = 300;           // per reader child process
  std::function<void(double fraction, const std::string& what)> progress;  // overall 0..1; may be empty
};

struct InputSummary {
  std::string path;
  std::string format;
  double metres_per_unit = 0;  // scale applied
  std::string unit_source;     // "file: ...", "--unit", "assumed (...)"
  char up = 'y';               // axis the file was read as
  std::size_t nodes = 0, triangles = 0, instances = 0;
  double seconds = 0;
};

struct LodSummary {
  double bound_mm = 0;         // requested error bound
  double max_error_mm = 0;     // largest deviation from LOD0 over all parts at this level (measured + 2 x quantisation)
  std::size_t triangles = 0;   // total triangles at this level (parts without this level count their finest LOD)
};

struct ImportSummary {
  std::vector<InputSummary> inputs;
  std::size_t parts = 0, vertices = 0, triangles = 0;
  double quantization_error_mm = 0;  // largest move of a vertex by the 16-bit position quantisation (half a step)
  std::vector<LodSummary> lods;
  content::Bounds bounds;
  std::vector<std::string> warnings;
  std::vector<std::string> notes;
  double seconds = 0;
};

struct ImportResult {
  content::Model model;
  ImportSummary summary;
};

// Reads every input in a sandboxed child process (memory/time limits), normalises units to metres and axes to
// Y-up, keeps the part tree with stable ids and names, welds, orders and simplifies, and returns the Model.
core::Result<ImportResult> importModel(const ImportOptions& options);

// Human-readable multi-line summary and the --json form.
std::string summaryText(const ImportSummary& s);
std::string summaryJson(const ImportSummary& s, const content::Model& m);

// Metres per unit for "m", "mm", "cm", "in", "ft"; 0 when unknown.
double metresPerUnit(const std::string& unit);

}  // namespace rivet::import
