// Measured surface deviation between a mesh and its simplified version (uniform grid, point-to-triangle distance).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "rivet/content/model.hpp"

namespace rivet::import {

// Largest distance, in metres, between the two surfaces, sampled both ways at vertices, triangle centroids and
// edge midpoints (on at most 60k evenly spaced triangles per surface). Returns a value
// above `limit_m` as soon as one sample is farther than `limit_m` (the search stops there).
// Keeps the original surface's grid and samples for measuring several simplified versions of it.
class DeviationMeter {
 public:
  DeviationMeter(const std::vector<content::Vertex>& vertices, const std::vector<std::uint32_t>& original);
  ~DeviationMeter();
  DeviationMeter(const DeviationMeter&) = delete;
  DeviationMeter& operator=(const DeviationMeter&) = delete;
  [[nodiscard]] double measure(const std::vector<std::uint32_t>& simplified, double limit_m) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The same measure over every sample of both surfaces (no subsampling, no early stop), for checking stored LODs:
// the largest distance found within `limit_m`, how many samples were taken and how many lie farther than `limit_m`.
struct DeviationReport {
  double max_m = 0;
  std::size_t samples = 0;
  std::size_t beyond = 0;
};
DeviationReport measureEverySample(const std::vector<content::Vertex>& vertices,
                                   const std::vector<std::uint32_t>& original,
                                   const std::vector<std::uint32_t>& simplified, double limit_m);

double measuredDeviation(const std::vector<content::Vertex>& vertices, const std::vector<std::uint32_t>& original,
                         const std::vector<std::uint32_t>& simplified, double limit_m);

}  // namespace rivet::import
