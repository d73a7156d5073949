// Marker id lists as typed on the command line ("0-5,9"): parsing with one clear error per mistake.
#pragma once

#include <string_view>
#include <vector>

#include "rivet/core/result.hpp"

namespace rivet::markers {

// Most ids one list may expand to (the largest supported dictionary has 2115 codes).
constexpr int kMaxIdsPerList = 5000;

// "0-5,9" -> 0 1 2 3 4 5 9, in the order written. Items are separated by commas, each a whole number >= 0 or a range
// A-B with A <= B; spaces around items are allowed. Errors: empty list or item, not a number, reversed range, an id
// listed twice, more than kMaxIdsPerList ids. Ids are not checked against a dictionary here.
core::Result<std::vector<int>> parseIdList(std::string_view text);

}  // namespace rivet::markers
