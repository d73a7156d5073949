// Measured surface deviation between a mesh and its simplified version (uniform grid, point-to-triangle distance).
#pragma once

#include <cstdint>
#include <vector>

#include "rivet/content/model.hpp"

namespace rivet::import {

// Largest distance, in metres, between the two surfaces, sampled at the original's vertices (to the simplified
// surface) and at the simplified triangles' centroids and edge midpoints (to the original surface). Returns a value
// above `limit_m` as soon as one sample is farther than `limit_m` (the search stops there).
double measuredDeviation(const std::vector<content::Vertex>& vertices, const std::vector<std::uint32_t>& original,
                         const std::vector<std::uint32_t>& simplified, double limit_m);

}  // namespace rivet::import
