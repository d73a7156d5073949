// Private: sub-pixel refinement of a marker quad from its four black-border edges (line fits, corner intersections).
#pragma once

#include <array>
#include <opencv2/core.hpp>

namespace rivet::tracking::detail {

// Refines `corners` (pixel centres at integers, clockwise or counter-clockwise) of a dark square on a light
// surround in the 8-bit gray image `gray`. `black_square_modules` = cells across the square (sets how far into the
// border the edge profile may look). Returns false and leaves the corners unchanged when the edges are not clean.
bool refineQuadEdges(const cv::Mat& gray, std::array<cv::Point2d, 4>& corners, int black_square_modules);

}  // namespace rivet::tracking::detail
