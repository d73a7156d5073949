// Registration verdict: consensus of the seen markers, per-marker diagnosis (turn, size, place, offset), limits.
#include "rivet/tracking/registration.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace rivet::tracking {
namespace {

using core::Pose;
using core::Vec3d;

struct Seen {
  const Detection* det;
  const core::MapMarker* marker;
};

std::string num(double v, const char* f = "%.0f") {
  char buf[32];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

Pose turnAboutNormal(int quarter_turns) {
  Pose p;
  p.R = core::Mat3d::fromAxisAngle({0, 0, 1}, quarter_turns * M_PI / 2);
  return p;
}

// RMS (px) of a detection's corners against a marker of `size_m` at T_camera_marker; huge when behind the camera.
double cornerRms(const core::CameraModel& cam, const Pose& T_camera_marker, double size_m, const Detection& d) {
  const auto c = markerCorners(size_m);
  double sum = 0;
  for (size_t k = 0; k < 4; ++k) {
    const Vec3d p = T_camera_marker * c[k];
    if (p.z < 1e-3) return 1e9;
    const core::Vec2d q = projectPoint(cam, p);
    const double dx = q.x - d.corners_px[k].x, dy = q.y - d.corners_px[k].y;
    sum += dx * dx + dy * dy;
  }
  const double r = std::sqrt(sum / 4);
  return std::isfinite(r) ? r : 1e9;
}

double markerRms(const core::CameraModel& cam, const Pose& T_camera_machine, const Seen& s) {
  return cornerRms(cam, T_camera_machine * s.marker->T_machine_marker, s.marker->size_m, *s.det);
}

struct Fit {
  Pose T;
  std::vector<size_t> inliers;  // indices into seen
  double rms = 1e9;             // over the inliers
  bool ok = false;
};

// Map pose from a subset, without the solver's own outlier dropping (the subset is chosen here).
std::optional<Pose> solveSubset(const std::vector<Seen>& seen, const std::vector<size_t>& idx, const core::MarkerMap& map,
                                const core::CameraModel& cam, const MapSolveOptions& solve, const Pose& seed) {
  std::vector<Detection> dets;
  for (size_t i : idx) dets.push_back(*seen[i].det);
  MapSolveOptions o = solve;
  o.outlier_rms_px = 1e9;
  o.marker_outlier_px = 1e9;
  auto r = solveMapPose(dets, map, cam, o, seed);
  if (!r) return std::nullopt;
  return r->T_camera_machine;
}

Fit consensus(const std::vector<Seen>& seen, const core::MarkerMap& map, const core::CameraModel& cam,
              const std::optional<MapPose>& solved, const RegistrationLimits& limits, const MapSolveOptions& solve) {
  std::vector<Pose> seeds;
  if (solved) seeds.push_back(solved->T_camera_machine);
  for (const auto& s : seen) {
    if (auto mp = solveMarkerPose(*s.det, s.marker->size_m, cam)) {
      seeds.push_back(mp->T_camera_marker * s.marker->T_machine_marker.inverse());
    }
    if (solved) {
      const Pose prior = solved->T_camera_machine * s.marker->T_machine_marker;
      if (auto mp = solveMarkerPose(*s.det, s.marker->size_m, cam, prior)) {
        seeds.push_back(mp->T_camera_marker * s.marker->T_machine_marker.inverse());
      }
    }
  }
  Fit best;
  for (const Pose& seed : seeds) {
    // Loose first gate (single-marker seeds are noisy in rotation), then refine and gate tightly, twice.
    std::vector<size_t> in;
    for (size_t i = 0; i < seen.size(); ++i) {
      if (markerRms(cam, seed, seen[i]) <= std::max(6 * limits.marker_inlier_px, 15.0)) in.push_back(i);
    }
    if (in.size() < 2) continue;
    Pose T = seed;
    for (int round = 0; round < 2 && in.size() >= 2; ++round) {
      auto refined = solveSubset(seen, in, map, cam, solve, T);
      if (!refined) break;
      T = *refined;
      std::vector<size_t> next;
      for (size_t i = 0; i < seen.size(); ++i) {
        if (markerRms(cam, T, seen[i]) <= limits.marker_inlier_px) next.push_back(i);
      }
      if (next == in) break;
      in = std::move(next);
    }
    if (in.size() < 2) continue;
    double sum = 0;
    for (size_t i : in) sum += std::pow(markerRms(cam, T, seen[i]), 2);
    const double rms = std::sqrt(sum / static_cast<double>(in.size()));
    if (!best.ok || in.size() > best.inliers.size() || (in.size() == best.inliers.size() && rms < best.rms)) {
      best = {T, in, rms, true};
    }
  }
  return best;
}

// Best turn and size factor explaining a detection at T_camera_marker (size scan, then a local refinement).
struct TurnSize {
  int quarter = 0;
  double factor = 1;
  double rms = 1e9;
};

TurnSize bestTurnSize(const core::CameraModel& cam, const Pose& T_camera_marker, double size_m, const Detection& d) {
  TurnSize best;
  for (int q = 0; q < 4; ++q) {
    const Pose P = T_camera_marker * turnAboutNormal(q);
    double f_best = 1, r_best = cornerRms(cam, P, size_m, d);
    for (int i = 0; i <= 160; ++i) {
      const double f = 0.2 * std::pow(25.0, i / 160.0);  // 0.2 .. 5
      const double r = cornerRms(cam, P, size_m * f, d);
      if (r < r_best) {
        r_best = r;
        f_best = f;
      }
    }
    double step = f_best * 0.02;
    for (int it = 0; it < 30; ++it) {
      bool moved = false;
      for (double f : {f_best - step, f_best + step}) {
        const double r = f > 0 ? cornerRms(cam, P, size_m * f, d) : 1e9;
        if (r < r_best) {
          r_best = r;
          f_best = f;
          moved = true;
        }
      }
      if (!moved) step /= 2;
    }
    if (r_best < best.rms) best = {q, f_best, r_best};
  }
  return best;
}

// Where a detection fits a map marker's place (any quarter turn) under T: that marker, else null.
const core::MapMarker* placeOf(const core::CameraModel& cam, const Pose& T_camera_machine, const core::MarkerMap& map,
                               const Detection& d, double max_px, const std::vector<int>& exclude) {
  const core::MapMarker* best = nullptr;
  double best_r = max_px;
  for (const auto& m : map.markers) {
    if (std::find(exclude.begin(), exclude.end(), m.id) != exclude.end()) continue;
    for (int q = 0; q < 4; ++q) {
      const double r = cornerRms(cam, T_camera_machine * m.T_machine_marker * turnAboutNormal(q), m.size_m, d);
      if (r <= best_r) {
        best_r = r;
        best = &m;
      }
    }
  }
  return best;
}

std::string turnText(int quarter) {
  switch (quarter) {
    case 1: return "rotated 90° counter-clockwise";
    case 2: return "rotated 180°";
    case 3: return "rotated 90° clockwise";
    default: return "";
  }
}

MarkerFinding diagnose(const Seen& s, const Pose& T, const core::MarkerMap& map, const core::CameraModel& cam,
                       const RegistrationLimits& limits) {
  MarkerFinding f;
  f.id = s.det->id;
  const std::string who = "marker " + std::to_string(f.id);
  const Pose P = T * s.marker->T_machine_marker;
  f.residual_px = cornerRms(cam, P, s.marker->size_m, *s.det);
  // Another map marker's place?
  if (const auto* other = placeOf(cam, T, map, *s.det, limits.marker_inlier_px, {f.id})) {
    f.issue = MarkerIssue::SwappedId;
    f.other_id = other->id;
    f.text = who + " sits where the map puts marker " + std::to_string(other->id) + " (ids swapped?)";
    return f;
  }
  // Turned and/or printed at another size, in its own place?
  const TurnSize ts = bestTurnSize(cam, P, s.marker->size_m, *s.det);
  const bool resized = std::abs(ts.factor - 1) > 0.04;
  if (ts.rms <= limits.marker_inlier_px && (ts.quarter != 0 || resized)) {
    f.map_size_mm = s.marker->size_m * 1000;
    const std::string size_text = who + "'s size looks like " + num(ts.factor * f.map_size_mm) + " mm, not " +
                                  num(f.map_size_mm) + " mm";
    if (ts.quarter != 0) {
      f.issue = MarkerIssue::Rotated;
      f.rotation_deg = ts.quarter * 90;
      f.text = who + " seems " + turnText(ts.quarter) + " on the machine";
      if (resized) {
        f.apparent_size_mm = ts.factor * f.map_size_mm;
        f.text += "; " + size_text;
      }
    } else {
      f.issue = MarkerIssue::WrongSize;
      f.apparent_size_mm = ts.factor * f.map_size_mm;
      f.text = size_text;
    }
    return f;
  }
  // Otherwise: where it really is, from its own pose (the IPPE flip nearest the map's prediction).
  f.issue = MarkerIssue::Moved;
  if (auto mp = solveMarkerPose(*s.det, s.marker->size_m, cam, P)) {
    const Pose T_machine_seen = T.inverse() * mp->T_camera_marker;
    f.offset_mm = (T_machine_seen.t - s.marker->T_machine_marker.t).norm() * 1000;
    const double tilt = core::rotationDifferenceDeg(T_machine_seen, s.marker->T_machine_marker);
    f.text = who + " seems " + num(f.offset_mm) + " mm away from where the map puts it";
    if (tilt > 5) f.text += " and turned " + num(tilt) + "°";
  } else {
    f.text = who + " does not fit the map (" + num(f.residual_px, "%.1f") + " px)";
  }
  return f;
}

MarkerFinding wrongIdFinding(const Detection& d, const core::MapMarker& m) {
  MarkerFinding f;
  f.id = d.id;
  f.issue = MarkerIssue::WrongId;
  f.other_id = m.id;
  f.text = "id " + std::to_string(d.id) + " is not in the map; it sits where the map puts marker " +
           std::to_string(m.id) + " (wrong id printed or in markers.yaml?)";
  return f;
}

struct Explanation {
  Pose T;
  std::vector<MarkerFinding> findings;
};

// When no two markers agree: the marker whose own pose explains every other seen marker (a turn, a size, another
// marker's place; not a mere offset) and unknown ids in map places. Needs at least one explained other marker.
std::optional<Explanation> explainFromOne(const std::vector<Seen>& seen, const std::vector<const Detection*>& unknown,
                                          const core::MarkerMap& map, const core::CameraModel& cam,
                                          const RegistrationLimits& limits) {
  std::optional<Explanation> best;
  size_t best_explained = 0;
  bool tie = false;
  for (size_t r = 0; r < seen.size(); ++r) {
    auto mp = solveMarkerPose(*seen[r].det, seen[r].marker->size_m, cam);
    if (!mp || mp->ambiguous) continue;
    const Pose T = mp->T_camera_marker * seen[r].marker->T_machine_marker.inverse();
    Explanation ex{T, {}};
    bool all = true;
    for (size_t i = 0; i < seen.size() && all; ++i) {
      if (i == r) continue;
      MarkerFinding f = diagnose(seen[i], T, map, cam, limits);
      all = f.issue != MarkerIssue::Moved && f.issue != MarkerIssue::Inconsistent;
      ex.findings.push_back(std::move(f));
    }
    if (!all) continue;
    std::vector<int> seen_ids;
    for (const auto& s : seen) seen_ids.push_back(s.det->id);
    for (const Detection* d : unknown) {
      if (const auto* m = placeOf(cam, T, map, *d, limits.marker_inlier_px, seen_ids)) {
        ex.findings.push_back(wrongIdFinding(*d, *m));
      }
    }
    if (ex.findings.size() > best_explained) {
      best_explained = ex.findings.size();
      best = std::move(ex);
      tie = false;
    } else if (ex.findings.size() == best_explained) {
      tie = true;
    }
  }
  // Two markers that explain each other equally: say that the other one may be the faulty one.
  if (best && tie && seen.size() == 2) {
    for (auto& f : best->findings) {
      if (f.issue == MarkerIssue::WrongId) continue;
      const int other = seen[0].det->id == f.id ? seen[1].det->id : seen[0].det->id;
      f.text += " (only two markers seen: or marker " + std::to_string(other) + " is the one)";
    }
  }
  return best;
}

std::string joinIds(const std::vector<int>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) {
    s += (i == 0 ? "" : i + 1 == ids.size() ? " and " : ", ") + std::to_string(ids[i]);
  }
  return s;
}

}  // namespace

const char* toString(RegistrationState state) {
  switch (state) {
    case RegistrationState::Tracked: return "tracked";
    case RegistrationState::Degraded: return "degraded";
    case RegistrationState::NotTracked: return "not_tracked";
  }
  return "not_tracked";
}

const char* toString(MarkerIssue issue) {
  switch (issue) {
    case MarkerIssue::Rotated: return "rotated";
    case MarkerIssue::WrongSize: return "wrong_size";
    case MarkerIssue::SwappedId: return "swapped_id";
    case MarkerIssue::WrongId: return "wrong_id";
    case MarkerIssue::Moved: return "moved";
    case MarkerIssue::Inconsistent: return "inconsistent";
  }
  return "inconsistent";
}

RegistrationLimits registrationLimitsFor(const core::MarkerMap& map, RegistrationLimits base) {
  const auto& o = map.registration;
  if (o.good_rms_px > 0) base.good_rms_px = o.good_rms_px;
  if (o.good_error_mm > 0) base.good_error_mm = o.good_error_mm;
  if (o.max_rms_px > 0) base.max_rms_px = o.max_rms_px;
  if (o.max_error_mm > 0) base.max_error_mm = o.max_error_mm;
  base.max_rms_px = std::max(base.max_rms_px, base.good_rms_px);
  base.max_error_mm = std::max(base.max_error_mm, base.good_error_mm);
  return base;
}

RegistrationState classifyRegistration(double rms_px, double error_mm, bool has_outliers,
                                       const RegistrationLimits& limits) {
  if (!std::isfinite(rms_px) || !std::isfinite(error_mm)) return RegistrationState::NotTracked;
  if (rms_px > limits.max_rms_px || error_mm > limits.max_error_mm) return RegistrationState::NotTracked;
  if (has_outliers || rms_px > limits.good_rms_px || error_mm > limits.good_error_mm) return RegistrationState::Degraded;
  return RegistrationState::Tracked;
}

RegistrationVerdict judgeRegistration(const std::vector<Detection>& detections, const core::MarkerMap& map,
                                      const core::CameraModel& camera, const std::optional<MapPose>& solved,
                                      const RegistrationLimits& limits, const MapSolveOptions& solve) {
  RegistrationVerdict v;
  std::map<int, int> count;
  for (const auto& d : detections) ++count[d.id];
  std::vector<Seen> seen;
  std::vector<const Detection*> unknown;
  for (const auto& d : detections) {
    if (count[d.id] != 1) continue;
    const core::MapMarker* m = map.find(d.id);
    if (m == nullptr) {
      unknown.push_back(&d);
      v.unknown_ids.push_back(d.id);
    } else if (m->size_m > 0) {
      seen.push_back({&d, m});
    }
  }
  std::sort(v.unknown_ids.begin(), v.unknown_ids.end());
  std::sort(seen.begin(), seen.end(), [](const Seen& a, const Seen& b) { return a.det->id < b.det->id; });
  if (solved) {
    v.reprojection_rms_px = solved->reprojection_rms_px;
    v.registration_error_mm = solved->registration_error_mm;
  }

  // Is every seen map marker consistent with the frame's pose? (The usual case: nothing more to do.)
  std::optional<Pose> reference;
  bool explained_unknown = false;
  bool all_consistent = solved.has_value() && solved->rejected_ids.empty();
  if (solved) {
    for (const auto& s : seen) all_consistent = all_consistent && markerRms(camera, solved->T_camera_machine, s) <= limits.marker_inlier_px;
    if (all_consistent) reference = solved->T_camera_machine;
  }
  if (!all_consistent && seen.size() >= 2) {
    const Fit fit = consensus(seen, map, camera, solved, limits, solve);
    if (fit.ok) {
      reference = fit.T;
      for (size_t i = 0; i < seen.size(); ++i) {
        if (std::find(fit.inliers.begin(), fit.inliers.end(), i) != fit.inliers.end()) continue;
        v.outlier_ids.push_back(seen[i].det->id);
        v.findings.push_back(diagnose(seen[i], fit.T, map, camera, limits));
      }
    } else if (auto ex = explainFromOne(seen, unknown, map, camera, limits)) {
      // No two markers agree, but one marker's own pose explains every other one (turn, size, place).
      reference = ex->T;
      for (auto& f : ex->findings) {
        if (f.issue != MarkerIssue::WrongId) v.outlier_ids.push_back(f.id);
        v.findings.push_back(std::move(f));
      }
      explained_unknown = true;
    } else {
      MarkerFinding f;
      f.issue = MarkerIssue::Inconsistent;
      for (const auto& s : seen) v.outlier_ids.push_back(s.det->id);
      f.id = v.outlier_ids.front();
      f.text = "markers " + joinIds(v.outlier_ids) + " disagree with each other: check their places in markers.yaml";
      v.findings.push_back(f);
    }
  }
  // Unknown ids printed in the place of a map marker that is not seen.
  if (reference && !explained_unknown) {
    std::vector<int> seen_ids;
    for (const auto& s : seen) seen_ids.push_back(s.det->id);
    for (const Detection* d : unknown) {
      if (const auto* m = placeOf(camera, *reference, map, *d, limits.marker_inlier_px, seen_ids)) {
        v.findings.push_back(wrongIdFinding(*d, *m));
      }
    }
  }

  if (!solved) {
    v.state = RegistrationState::NotTracked;
    v.reason = seen.empty() ? "no marker of the map in view" : "no pose from the markers in view";
  } else {
    v.state = classifyRegistration(v.reprojection_rms_px, v.registration_error_mm, !v.findings.empty(), limits);
    if (solved->ambiguous) v.state = RegistrationState::NotTracked;
  }
  std::string text;
  for (const auto& f : v.findings) text += (text.empty() ? "" : "; ") + f.text;
  if (solved && v.state != RegistrationState::Tracked) {
    const bool over = v.reprojection_rms_px > limits.good_rms_px || v.registration_error_mm > limits.good_error_mm;
    std::string figures = "registration error " + num(v.registration_error_mm) + " mm, RMS " +
                          num(v.reprojection_rms_px, "%.1f") + " px";
    if (over) {
      const bool bad = v.state == RegistrationState::NotTracked;
      figures += " (limits " + num(bad ? limits.max_error_mm : limits.good_error_mm) + " mm, " +
                 num(bad ? limits.max_rms_px : limits.good_rms_px, "%.1f") + " px)";
    }
    if (solved->ambiguous) figures = "one marker seen and its orientation is ambiguous";
    // Degraded by an outlier alone: the figures (of the markers kept) are fine and say nothing more.
    if (over || v.state == RegistrationState::NotTracked || text.empty()) {
      text = text.empty() ? figures : text + "; " + figures;
    }
  }
  if (v.state != RegistrationState::Tracked && !v.unknown_ids.empty()) {
    bool listed = false;
    for (const auto& f : v.findings) listed = listed || f.issue == MarkerIssue::WrongId;
    if (!listed) text += (text.empty() ? "" : "; ") + std::string("id ") + joinIds(v.unknown_ids) + " not in the map";
  }
  if (v.reason.empty()) v.reason = text;
  else if (!text.empty()) v.reason += "; " + text;
  std::sort(v.outlier_ids.begin(), v.outlier_ids.end());
  return v;
}

}  // namespace rivet::tracking
