// Marker map: fiducials rigidly fixed on a machine, with their size and pose in model coordinates (from the pack).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rivet/core/pose.hpp"

namespace rivet::core {

struct MapMarker {
  int id = -1;
  double size_m = 0;          // black-square side length, metres
  Pose T_machine_marker{};    // marker frame: origin at the centre, x right, y up, z out of the printed face
};

// The pack's own registration limits (markers.yaml `registration:`); 0 = the app's default
// (tracking::RegistrationLimits, documented in docs/FORMATS.md).
struct RegistrationLimitOverrides {
  double good_rms_px = 0;
  double good_error_mm = 0;
  double max_rms_px = 0;
  double max_error_mm = 0;
};

struct MarkerMap {
  std::string dictionary;     // e.g. "DICT_6X6_250", "tag36h11"
  std::vector<MapMarker> markers;
  RegistrationLimitOverrides registration{};

  [[nodiscard]] const MapMarker* find(int id) const {
    for (const auto& m : markers) {
      if (m.id == id) return &m;
    }
    return nullptr;
  }
};

}  // namespace rivet::core
