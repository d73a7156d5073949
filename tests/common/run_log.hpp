// Test helpers for rivet's run logs: JSON-lines files, row-major poses in them, and silhouette mask overlap.
#pragma once

#include <array>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rivet/core/image.hpp"
#include "rivet/core/pose.hpp"

namespace rivet::test {

// One JSON value per non-empty line (run.jsonl, xr.jsonl, ground_truth.jsonl).
inline std::vector<nlohmann::json> readJsonLines(const std::filesystem::path& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

// A pose written as 16 numbers, row-major (the run logs' convention).
inline core::Pose poseFrom(const nlohmann::json& j) {
  std::array<double, 16> m{};
  for (size_t i = 0; i < 16; ++i) m[i] = j.at(i).get<double>();
  return core::Pose::fromRowMajor(m);
}

// Intersection over union of two Gray8 masks of the same size (> 127 = inside); 1 when both are empty.
inline double maskIou(const core::Image& a, const core::Image& b) {
  size_t inter = 0, uni = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    const bool x = a.pixels[i] > 127, y = b.pixels[i] > 127;
    inter += (x && y) ? 1 : 0;
    uni += (x || y) ? 1 : 0;
  }
  return uni == 0 ? 1.0 : static_cast<double>(inter) / static_cast<double>(uni);
}

}  // namespace rivet::test
