// Marker and marker-map pose: IPPE_SQUARE with flip resolution, robust multi-marker PnP, covariance-based quality.
#include "rivet/tracking/pose_solver.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <opencv2/calib3d.hpp>

#include "cv_convert.hpp"

namespace rivet::tracking {
namespace {

using core::Pose;
using core::Vec2d;
using core::Vec3d;

struct Correspondences {
  std::vector<cv::Point3d> object;
  std::vector<cv::Point2d> image;
};

struct Candidate {
  Pose pose;
  double rms = 0;
};

// Both IPPE_SQUARE solutions for one marker (T_camera_marker), sorted by reprojection error.
std::vector<Candidate> ippeSolutions(const Detection& det, double size_m, const core::CameraModel& cam) {
  const auto corners = markerCorners(size_m);
  std::vector<cv::Point3d> obj;
  std::vector<cv::Point2d> img;
  for (size_t k = 0; k < 4; ++k) {
    obj.emplace_back(corners[k].x, corners[k].y, corners[k].z);
    img.emplace_back(det.corners_px[k].x, det.corners_px[k].y);
  }
  std::vector<cv::Mat> rvecs, tvecs;
  cv::Mat errs;
  std::vector<Candidate> out;
  try {
    cv::solvePnPGeneric(obj, img, detail::cameraMatrix(cam), detail::distCoeffs(cam), rvecs, tvecs, false,
                        cv::SOLVEPNP_IPPE_SQUARE, cv::noArray(), cv::noArray(), errs);
  } catch (const cv::Exception&) {
    return out;
  }
  for (size_t i = 0; i < rvecs.size(); ++i) {
    const cv::Vec3d r(rvecs[i].ptr<double>()), t(tvecs[i].ptr<double>());
    Candidate c{detail::poseFromRvecTvec(r, t), errs.empty() ? 0.0 : errs.at<double>(static_cast<int>(i))};
    if (!std::isfinite(c.rms) || c.pose.t.z <= 0) continue;
    out.push_back(c);
  }
  std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) { return a.rms < b.rms; });
  return out;
}

double rms(const core::CameraModel& cam, const Pose& T, const std::vector<cv::Point3d>& obj,
           const std::vector<cv::Point2d>& img, size_t begin, size_t end) {
  double s = 0;
  for (size_t i = begin; i < end; ++i) {
    const Vec3d pc = T * Vec3d{obj[i].x, obj[i].y, obj[i].z};
    if (pc.z <= 1e-9) return 1e9;
    const Vec2d p = projectPoint(cam, pc);
    s += (p.x - img[i].x) * (p.x - img[i].x) + (p.y - img[i].y) * (p.y - img[i].y);
  }
  return end > begin ? std::sqrt(s / static_cast<double>(end - begin)) : 0.0;
}

// Robust score of a candidate: mean of per-point squared errors truncated at 10 px.
double robustScore(const core::CameraModel& cam, const Pose& T, const Correspondences& c) {
  double s = 0;
  for (size_t i = 0; i < c.object.size(); ++i) {
    const Vec3d pc = T * Vec3d{c.object[i].x, c.object[i].y, c.object[i].z};
    if (pc.z <= 1e-9) {
      s += 100;
      continue;
    }
    const Vec2d p = projectPoint(cam, pc);
    s += std::min(100.0, (p.x - c.image[i].x) * (p.x - c.image[i].x) + (p.y - c.image[i].y) * (p.y - c.image[i].y));
  }
  return s / static_cast<double>(std::max<size_t>(1, c.object.size()));
}

Pose refine(const core::CameraModel& cam, const Correspondences& c, const Pose& seed) {
  cv::Vec3d r, t;
  detail::poseToRvecTvec(seed, r, t);
  cv::Mat rv(r), tv(t);
  try {
    cv::solvePnP(c.object, c.image, detail::cameraMatrix(cam), detail::distCoeffs(cam), rv, tv, true,
                 cv::SOLVEPNP_ITERATIVE);
  } catch (const cv::Exception&) {
    return seed;
  }
  const Pose p = detail::poseFromRvecTvec(cv::Vec3d(rv.ptr<double>()), cv::Vec3d(tv.ptr<double>()));
  return p.t.z > 0 && std::isfinite(p.t.z) ? p : seed;
}

struct Uncertainty {
  double registration_mm = 0;
  double translation_sigma_m = 0;
  double rotation_sigma_rad = 0;
};

// 1-sigma 3D error (mm) at the worst of `points` (object frame) for pose T fitted to `c` with pixel noise `sigma`,
// and the per-axis sigmas of the pose itself.
Uncertainty registrationError(const core::CameraModel& cam, const Pose& T, const Correspondences& c, double sigma,
                              const std::vector<Vec3d>& points) {
  Uncertainty u;
  cv::Vec3d r, t;
  detail::poseToRvecTvec(T, r, t);
  std::vector<cv::Point2d> proj;
  cv::Mat jac;
  cv::projectPoints(c.object, r, t, detail::cameraMatrix(cam), detail::distCoeffs(cam), proj, jac);
  const cv::Mat j6 = jac.colRange(0, 6);
  const cv::Mat jtj = j6.t() * j6;
  cv::Mat cov;
  if (cv::invert(jtj, cov, cv::DECOMP_SVD) <= 0) {
    u.registration_mm = 1e6;
    u.translation_sigma_m = u.rotation_sigma_rad = 1.0;
    return u;
  }
  cov *= sigma * sigma;
  u.rotation_sigma_rad = std::sqrt(std::max(0.0, cv::trace(cov(cv::Rect(0, 0, 3, 3)))[0] / 3));
  u.translation_sigma_m = std::sqrt(std::max(0.0, cv::trace(cov(cv::Rect(3, 3, 3, 3)))[0] / 3));
  double worst = 0;
  const double eps = 1e-6;
  for (const Vec3d& x : points) {
    // Numeric Jacobian of R(r) x + t with respect to (r, t).
    cv::Matx<double, 3, 6> jp = cv::Matx<double, 3, 6>::zeros();
    const Vec3d base = T * x;
    for (int k = 0; k < 3; ++k) {
      cv::Vec3d rp = r;
      rp[k] += eps;
      const Pose tp = detail::poseFromRvecTvec(rp, t);
      const Vec3d q = tp * x;
      jp(0, k) = (q.x - base.x) / eps;
      jp(1, k) = (q.y - base.y) / eps;
      jp(2, k) = (q.z - base.z) / eps;
      jp(k, 3 + k) = 1;
    }
    const cv::Mat jpm(jp);
    const cv::Mat cp = jpm * cov * jpm.t();
    const double e = std::sqrt(std::max(0.0, cv::trace(cp)[0]));
    worst = std::max(worst, e);
  }
  u.registration_mm = worst * 1000.0;
  return u;
}

}  // namespace

std::array<Vec3d, 4> markerCorners(double s) {
  const double h = s / 2;
  return {Vec3d{-h, h, 0}, Vec3d{h, h, 0}, Vec3d{h, -h, 0}, Vec3d{-h, -h, 0}};
}

Vec2d projectPoint(const core::CameraModel& c, const Vec3d& p) {
  const double x = p.x / p.z, y = p.y / p.z;
  const double k1 = c.distortion[0], k2 = c.distortion[1], p1 = c.distortion[2], p2 = c.distortion[3],
               k3 = c.distortion[4];
  const double r2 = x * x + y * y;
  const double radial = 1 + r2 * (k1 + r2 * (k2 + r2 * k3));
  const double xd = x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x);
  const double yd = y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y;
  return {c.fx * xd + c.cx, c.fy * yd + c.cy};
}

double reprojectionRmsPx(const core::CameraModel& camera, const Pose& T, const std::vector<Vec3d>& object_points,
                         const std::vector<Vec2d>& pixels) {
  std::vector<cv::Point3d> obj;
  std::vector<cv::Point2d> img;
  for (size_t i = 0; i < std::min(object_points.size(), pixels.size()); ++i) {
    obj.emplace_back(object_points[i].x, object_points[i].y, object_points[i].z);
    img.emplace_back(pixels[i].x, pixels[i].y);
  }
  return rms(camera, T, obj, img, 0, obj.size());
}

core::Result<MarkerPose> solveMarkerPose(const Detection& detection, double size_m, const core::CameraModel& camera,
                                         const std::optional<Pose>& prior, const SingleMarkerOptions& options) {
  if (!(size_m > 0)) return core::makeError("marker size must be > 0", "solveMarkerPose");
  if (!camera.valid()) return core::makeError("camera model is invalid", "solveMarkerPose");
  const auto sols = ippeSolutions(detection, size_m, camera);
  if (sols.empty()) {
    return core::makeError("no pose for marker " + std::to_string(detection.id) + " (degenerate corners)",
                           "solveMarkerPose");
  }
  MarkerPose out;
  size_t pick = 0;
  if (sols.size() == 2 && prior) {
    const double d0 = core::rotationDifferenceDeg(sols[0].pose, *prior);
    const double d1 = core::rotationDifferenceDeg(sols[1].pose, *prior);
    const bool clearly_worse = sols[1].rms > options.prior_override_ratio * sols[0].rms &&
                               sols[1].rms - sols[0].rms > options.prior_override_px;
    if (d1 < d0 && !clearly_worse) {
      pick = 1;
    }
    out.chose_by_prior = (d1 < d0) == (pick == 1);
  }
  out.T_camera_marker = sols[pick].pose;
  out.reprojection_rms_px = sols[pick].rms;
  if (sols.size() == 2) {
    const double alt_rms = sols[1 - pick].rms;
    out.ambiguity_ratio = (sols[pick].rms + 1e-6) / (alt_rms + 1e-6);
    out.ambiguous = !out.chose_by_prior && !prior &&
                    core::rotationDifferenceDeg(sols[0].pose, sols[1].pose) > options.ambiguity_min_deg &&
                    (out.ambiguity_ratio > options.ambiguity_max_ratio || alt_rms < options.ambiguity_min_alt_rms_px);
  }
  return out;
}

core::Result<MapPose> solveMapPose(const std::vector<Detection>& detections, const core::MarkerMap& map,
                                   const core::CameraModel& camera, const MapSolveOptions& options,
                                   const std::optional<Pose>& prior) {
  if (!camera.valid()) return core::makeError("camera model is invalid", "solveMapPose");
  std::map<int, int> count;
  for (const auto& d : detections) ++count[d.id];
  struct Seen {
    const Detection* det;
    const core::MapMarker* marker;
  };
  std::vector<Seen> seen;
  for (const auto& d : detections) {
    const core::MapMarker* m = map.find(d.id);
    if (m != nullptr && count[d.id] == 1 && m->size_m > 0) seen.push_back({&d, m});
  }
  if (seen.empty()) return core::makeError("no marker of the map is visible", "solveMapPose");
  std::sort(seen.begin(), seen.end(), [](const Seen& a, const Seen& b) { return a.det->id < b.det->id; });

  std::vector<Vec3d> extent = options.extent_points;
  if (extent.empty()) {
    for (const auto& m : map.markers) {
      for (const auto& c : markerCorners(m.size_m)) extent.push_back(m.T_machine_marker * c);
    }
  }
  auto build = [&](const std::vector<Seen>& use) {
    Correspondences c;
    for (const auto& s : use) {
      const auto corners = markerCorners(s.marker->size_m);
      for (size_t k = 0; k < 4; ++k) {
        const Vec3d p = s.marker->T_machine_marker * corners[k];
        c.object.emplace_back(p.x, p.y, p.z);
        c.image.emplace_back(s.det->corners_px[k].x, s.det->corners_px[k].y);
      }
    }
    return c;
  };
  auto sigmaFor = [&](double r, size_t n_points) {
    const double dof = 2.0 * static_cast<double>(n_points) - 6.0;
    const double s = dof > 0 ? r * std::sqrt(2.0 * static_cast<double>(n_points) / dof) : r;
    return std::max(s, options.min_pixel_sigma_px);
  };

  MapPose out;
  if (seen.size() == 1) {
    const Seen& s = seen[0];
    std::optional<Pose> prior_marker;
    if (prior) prior_marker = *prior * s.marker->T_machine_marker;
    auto mp = solveMarkerPose(*s.det, s.marker->size_m, camera, prior_marker);
    if (!mp) return mp.error();
    out.T_camera_machine = mp->T_camera_marker * s.marker->T_machine_marker.inverse();
    out.reprojection_rms_px = mp->reprojection_rms_px;
    out.ambiguity_ratio = mp->ambiguity_ratio;
    out.ambiguous = mp->ambiguous;
    out.used_ids = {s.det->id};
    const Correspondences c = build(seen);
    const Uncertainty u =
        registrationError(camera, out.T_camera_machine, c, sigmaFor(out.reprojection_rms_px, 4), extent);
    out.registration_error_mm = u.registration_mm;
    out.translation_sigma_m = u.translation_sigma_m;
    out.rotation_sigma_rad = u.rotation_sigma_rad;
    return out;
  }

  // Seeds: both IPPE solutions of every marker, and the prior; the robust score over all corners picks one.
  std::vector<Seen> use = seen;
  Correspondences all = build(use);
  Pose best;
  double best_score = 1e18;
  auto consider = [&](const Pose& T) {
    const double sc = robustScore(camera, T, all);
    if (sc < best_score) {
      best_score = sc;
      best = T;
    }
  };
  if (prior) consider(*prior);
  // A prior that already explains every corner within ~3 px is a good enough seed (tracking): skip the IPPE seeds.
  if (!prior || best_score > 9.0) {
    for (const auto& s : use) {
      for (const auto& sol : ippeSolutions(*s.det, s.marker->size_m, camera)) {
        consider(sol.pose * s.marker->T_machine_marker.inverse());
      }
    }
  }
  if (best_score >= 1e18) return core::makeError("no pose candidate from the visible markers", "solveMapPose");
  Pose T = refine(camera, all, best);

  // Drop one outlier marker at a time while there are at least 3 and the fit is bad.
  while (use.size() >= 3) {
    const double total = rms(camera, T, all.object, all.image, 0, all.object.size());
    std::vector<double> per(use.size());
    for (size_t i = 0; i < use.size(); ++i) per[i] = rms(camera, T, all.object, all.image, 4 * i, 4 * i + 4);
    const size_t worst = static_cast<size_t>(std::max_element(per.begin(), per.end()) - per.begin());
    std::vector<double> others;
    for (size_t i = 0; i < per.size(); ++i) {
      if (i != worst) others.push_back(per[i]);
    }
    std::sort(others.begin(), others.end());
    const double med = others[others.size() / 2];
    const bool bad = total > options.outlier_rms_px ||
                     (per[worst] > options.marker_outlier_px && per[worst] > 3.0 * med);
    if (!bad) break;
    out.rejected_ids.push_back(use[worst].det->id);
    use.erase(use.begin() + static_cast<long>(worst));
    all = build(use);
    // Re-seed without the outlier (its influence may have pulled the previous solution).
    best_score = 1e18;
    consider(T);
    for (const auto& s : use) {
      for (const auto& sol : ippeSolutions(*s.det, s.marker->size_m, camera)) {
        consider(sol.pose * s.marker->T_machine_marker.inverse());
      }
    }
    T = refine(camera, all, best);
  }
  out.T_camera_machine = T;
  out.reprojection_rms_px = rms(camera, T, all.object, all.image, 0, all.object.size());
  for (const auto& s : use) out.used_ids.push_back(s.det->id);
  std::sort(out.rejected_ids.begin(), out.rejected_ids.end());
  const Uncertainty u = registrationError(camera, T, all, sigmaFor(out.reprojection_rms_px, all.object.size()), extent);
  out.registration_error_mm = u.registration_mm;
  out.translation_sigma_m = u.translation_sigma_m;
  out.rotation_sigma_rad = u.rotation_sigma_rad;
  return out;
}

}  // namespace rivet::tracking
