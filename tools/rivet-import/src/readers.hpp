// Format readers (run inside the sandboxed child): Assimp for mesh formats, Open CASCADE XCAF for STEP/IGES.
#pragma once

#include <functional>
#include <string>

#include "scene.hpp"

namespace rivet::import {

struct ReadOptions {
  double tolerance_mm = 0;      // STEP/IGES chordal deflection; 0 = 0.1% of the model's bounding-box diagonal
  double angular_deg = 20;      // STEP/IGES angular deflection
  std::function<void(double fraction, const std::string& what)> progress;  // may be empty
};

enum class SourceKind { Assimp, Step, Iges, Unknown };

// By extension (case-insensitive); Unknown when neither reader claims it.
SourceKind sourceKindOf(const std::string& path);
// Human name of the format from the extension ("glTF binary", "STEP", ...).
std::string formatNameOf(const std::string& path);

// Metres per unit from a 3MF file's <model unit="..."> (0 when unreadable); unit_name gets the attribute's value.
double threeMfMetresPerUnit(const std::string& path, std::string& unit_name);

core::Result<ImportedScene> readWithAssimp(const std::string& path, const ReadOptions& options);
core::Result<ImportedScene> readWithOcct(const std::string& path, const ReadOptions& options, bool iges);

}  // namespace rivet::import
