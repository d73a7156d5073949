// Marker-map (markers.yaml) template: the printed markers with placeholder poses for the author to measure.
#pragma once

#include <string>
#include <vector>

#include "sheet.hpp"

namespace rivet::markers {

// markers.yaml text for `dictionary` and `markers` (id and size_mm from each; a note when given): valid as written
// against content/schemas/markers.schema.json and content::parseMarkerMap, every pose a placeholder (centre at the
// model origin, facing +z, top edge +y) marked by comments saying what to measure. `source` names where the ids
// came from (header comment).
std::string markerMapTemplate(const std::string& dictionary, const std::vector<SheetMarker>& markers,
                              const std::string& source);

}  // namespace rivet::markers
