// Registration verdict: whether a map pose may be shown as tracked, which markers disagree with the map and why.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rivet/core/camera.hpp"
#include "rivet/core/marker_map.hpp"
#include "rivet/core/pose.hpp"
#include "rivet/tracking/detector.hpp"
#include "rivet/tracking/pose_solver.hpp"

namespace rivet::tracking {

// Limits of the verdict (per pack: the `registration:` block of markers.yaml; see docs/FORMATS.md).
struct RegistrationLimits {
  double good_rms_px = 2.0;      // Tracked: reprojection RMS at most this ...
  double good_error_mm = 10.0;   // ... and registration error at the model's extent at most this
  double max_rms_px = 4.0;       // Degraded up to these (overlay ghosted); above: NotTracked
  double max_error_mm = 30.0;
  // A marker whose corners miss their map prediction (under the pose of the other markers) by more than this RMS is
  // inconsistent with the map; an explanation (rotation, size, another marker's place) must fit within it too.
  double marker_inlier_px = 3.0;
};

enum class RegistrationState { Tracked, Degraded, NotTracked };
const char* toString(RegistrationState state);  // "tracked", "degraded", "not_tracked"

enum class MarkerIssue {
  Rotated,      // printed marker turned by rotation_deg about its face normal relative to markers.yaml
  WrongSize,    // printed black square of apparent_size_mm, not the map's size
  SwappedId,    // it sits where the map puts marker other_id
  WrongId,      // id not in the map, sitting where the map puts marker other_id (which is not seen)
  Moved,        // offset_mm from where the map puts it (or tilted: no simple explanation)
  Inconsistent, // disagrees with the others, too few markers to tell which is wrong
};
const char* toString(MarkerIssue issue);  // "rotated", "wrong_size", "swapped_id", "wrong_id", "moved", "inconsistent"

struct MarkerFinding {
  int id = -1;
  MarkerIssue issue = MarkerIssue::Inconsistent;
  int rotation_deg = 0;           // Rotated: 90 (counter-clockwise facing it), 180 or 270
  double apparent_size_mm = 0;    // WrongSize
  double map_size_mm = 0;         // WrongSize
  int other_id = -1;              // SwappedId / WrongId
  double offset_mm = 0;           // Moved
  double residual_px = 0;         // RMS of its corners against the map prediction
  std::string text;               // e.g. "marker 11 seems rotated 180° on the machine"
};

struct RegistrationVerdict {
  RegistrationState state = RegistrationState::NotTracked;
  double reprojection_rms_px = 0;
  double registration_error_mm = 0;
  std::vector<int> outlier_ids;         // map markers seen but not consistent with the map (sorted)
  std::vector<int> unknown_ids;         // seen ids that are not in the map (sorted)
  std::vector<MarkerFinding> findings;  // one per outlier (and per unknown id in a map marker's place)
  std::string reason;                   // one line for the banner / logs; empty when Tracked and nothing found

  [[nodiscard]] bool good() const { return state == RegistrationState::Tracked; }
  [[nodiscard]] bool usable() const { return state != RegistrationState::NotTracked; }
};

// Judges one frame: `solved` is the frame's map pose (nullopt when the solve failed). Every seen map marker is
// checked against the pose of the others (consensus of the per-marker poses, refined on the markers that agree);
// those that disagree are diagnosed by testing 90/180/270° turns about the face normal, a different printed size,
// another map marker's place, and otherwise their offset. Any disagreeing marker (or an unknown id in the place of
// a map marker) caps the verdict at Degraded. Pure: no state, no I/O.
RegistrationVerdict judgeRegistration(const std::vector<Detection>& detections, const core::MarkerMap& map,
                                      const core::CameraModel& camera, const std::optional<MapPose>& solved,
                                      const RegistrationLimits& limits = {}, const MapSolveOptions& solve = {});

// `base` with the pack's overrides from markers.yaml (map.registration; 0 keeps base's value).
RegistrationLimits registrationLimitsFor(const core::MarkerMap& map, RegistrationLimits base = {});

// The state from the figures alone (limits above; outliers cap it at Degraded).
RegistrationState classifyRegistration(double rms_px, double error_mm, bool has_outliers,
                                       const RegistrationLimits& limits);

}  // namespace rivet::tracking
