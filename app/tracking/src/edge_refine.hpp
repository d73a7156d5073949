// Private: sub-pixel refinement of a marker quad from its four black-border edges (line fits, corner intersections).
#pragma once

#include <array>
#include <opencv2/core.hpp>

namespace rivet::tracking::detail {

// Refines `corners` (pixel centres at integers, clockwise or counter-clockwise) of a dark square on a light
// surround in the 8-bit gray image `gray`. `black_square_modules` = cells across the square (sets how far into the
// border the edge profile may look). Returns false and leaves the corners unchanged when the edges are not clean or
// a corner would move more than `max_move_px` (<= 0: max(2 px, 8 % of the side)). `iterations` re-centres the
// edge profiles on the previous fit (more for predicted corners, which start further away).
bool refineQuadEdges(const cv::Mat& gray, std::array<cv::Point2d, 4>& corners, int black_square_modules,
                     double max_move_px = 0, int iterations = 2);

}  // namespace rivet::tracking::detail
