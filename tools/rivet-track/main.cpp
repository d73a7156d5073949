// rivet-track: runs Rivet's marker tracking on an image, a folder of images or a video; one JSON line per frame.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "rivet/content/pack.hpp"
#include "rivet/core/clock.hpp"
#include "rivet/tracking/camera_io.hpp"
#include "rivet/tracking/detector.hpp"
#include "rivet/tracking/image_io.hpp"
#include "rivet/tracking/tracker.hpp"

namespace {

using nlohmann::json;
using namespace rivet;

json matrix(const core::Pose& p) {
  json a = json::array();
  for (double v : p.toRowMajor()) a.push_back(v);
  return a;
}

// The frame's registration verdict: state, figures, outliers, unknown ids and each marker's diagnosis in words.
json registrationJson(const tracking::RegistrationVerdict& v) {
  json findings = json::array();
  for (const auto& f : v.findings) {
    json jf = {{"id", f.id}, {"issue", tracking::toString(f.issue)}, {"text", f.text},
               {"residual_px", f.residual_px}};
    if (f.rotation_deg != 0) jf["rotation_deg"] = f.rotation_deg;
    if (f.apparent_size_mm > 0) jf["apparent_size_mm"] = f.apparent_size_mm;
    if (f.other_id >= 0) jf["other_id"] = f.other_id;
    if (f.issue == tracking::MarkerIssue::Moved) jf["offset_mm"] = f.offset_mm;
    findings.push_back(jf);
  }
  return {{"state", tracking::toString(v.state)}, {"reason", v.reason},
          {"reprojection_rms_px", v.reprojection_rms_px}, {"registration_error_mm", v.registration_error_mm},
          {"outliers", v.outlier_ids}, {"unknown_ids", v.unknown_ids}, {"findings", findings}};
}

int fail(const core::Error& e) {
  std::cerr << "rivet-track: " << e.describe() << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rivet-track: marker detection and pose per frame (JSON lines; corners in OpenCV's pixel convention, "
               "matrices row-major in metres)"};
  std::string input, calib, dict, map_file, pack_dir, backend = "auto";
  double marker_mm = 0;
  bool as_json = false, no_filter = false, no_roi = false, no_refine = false;
  int decimate = 2, threads = 1;
  app.add_option("PATH", input, "image, folder of images or video")->required();
  app.add_option("--calib", calib, "camera.yaml or OpenCV calibration file")->required();
  app.add_option("--dict", dict, "marker dictionary (DICT_6X6_250, tag36h11, ...); default: the map's");
  app.add_option("--marker-mm", marker_mm, "black-square side of markers not in the map (mm)");
  app.add_option("--map", map_file,
                 "markers.yaml: marker map; runs the steady-state tracker (region-of-interest tracking, filter) and "
                 "prints T_camera_map per frame. Without --map or --pack: full-frame detection timed every frame");
  app.add_option("--pack", pack_dir, "content pack folder (its markers.yaml)");
  app.add_flag("--json", as_json, "one JSON object per frame (default: a readable line)");
  app.add_flag("--no-filter", no_filter, "report the unfiltered map pose");
  app.add_flag("--no-roi", no_roi, "scan every frame in full (no region-of-interest tracking)");
  app.add_flag("--no-refine", no_refine, "the backend as shipped: its own corners and default parameters (baseline)");
  app.add_option("--backend", backend, "auto, opencv or apriltag")->check(CLI::IsMember({"auto", "opencv", "apriltag"}));
  app.add_option("--decimate", decimate, "AprilTag quad decimation")->check(CLI::Range(1, 8));
  app.add_option("--threads", threads, "worker threads (OpenCV and AprilTag)")->check(CLI::Range(1, 64));
  CLI11_PARSE(app, argc, argv);

  tracking::setOpenCvThreads(threads);
  auto camera_file = tracking::loadCamera(calib);
  if (!camera_file) return fail(camera_file.error());

  std::optional<core::MarkerMap> map;
  if (!map_file.empty() && !pack_dir.empty()) {
    return fail(core::makeError("give --map or --pack, not both", "rivet-track"));
  }
  if (!pack_dir.empty()) {
    auto pack = content::loadPack(pack_dir);
    if (!pack) return fail(pack.error());
    map = pack->marker_map;
  } else if (!map_file.empty()) {
    auto text = content::readTextFile(map_file);
    if (!text) return fail(text.error());
    auto m = content::parseMarkerMap(*text, map_file);
    if (!m) return fail(m.error());
    map = *m;
  }
  if (map && !dict.empty() && dict != map->dictionary) {
    return fail(core::makeError("--dict " + dict + " differs from the map's dictionary " + map->dictionary,
                                map_file.empty() ? pack_dir : map_file, "drop --dict or use the map's dictionary"));
  }
  if (dict.empty()) {
    if (!map) return fail(core::makeError("no dictionary: give --dict or --map", "rivet-track"));
    dict = map->dictionary;
  }
  if (!map && !(marker_mm > 0)) {
    return fail(core::makeError("give --marker-mm (marker size) or --map", "rivet-track",
                                "--marker-mm is the black square's side length in millimetres"));
  }

  tracking::TrackerOptions opt;
  opt.enable_filter = !no_filter;
  opt.enable_roi = !no_roi;
  opt.detector.refine_corners = !no_refine;
  opt.detector.backend_defaults = no_refine;
  opt.detector.apriltag_decimate = decimate;
  opt.detector.threads = threads;
  opt.detector.backend = backend == "opencv"     ? tracking::DetectorBackend::OpenCvAruco
                         : backend == "apriltag" ? tracking::DetectorBackend::AprilTag
                                                 : tracking::DetectorBackend::Auto;
  auto detector = tracking::MarkerDetector::create(dict, opt.detector);
  if (!detector) return fail(detector.error());

  auto reader = tracking::FrameReader::open(input);
  if (!reader) return fail(reader.error());
  // Say what "ms" times: the tracker's steady state, or full-frame detection (plus per-marker poses) every frame.
  if (map) {
    std::cerr << "rivet-track: tracker mode (map of " << map->markers.size() << " markers, "
              << (opt.enable_roi ? "region-of-interest tracking" : "full scan every frame") << ", "
              << (opt.enable_filter ? "filtered" : "unfiltered") << " pose); ms = Tracker::process per frame\n";
  } else {
    std::cerr << "rivet-track: detection mode (no --map): ms = full-frame detection of " << dict
              << " every frame, plus per-marker poses; give --map or --pack to run the steady-state tracker\n";
  }

  std::optional<tracking::Tracker> tracker;
  core::CameraModel camera;
  std::map<int, core::Pose> last_marker_pose;
  int index = 0, errors = 0;
  core::Image frame;
  std::string name;
  for (;; ++index) {
    auto more = reader->next(frame, name);
    if (!more) {
      std::cerr << "rivet-track: " << more.error().describe() << " (skipped)\n";
      ++errors;
      continue;
    }
    if (!*more) break;
    if (index == 0 || frame.width != camera.width || frame.height != camera.height) {
      auto cam = tracking::adaptCameraToImage(*camera_file, frame.width, frame.height);
      if (!cam) return fail(core::makeError(cam.error().message, calib + " / " + name, cam.error().hint));
      camera = *cam;
      tracker.reset();
      if (map) {
        auto t = tracking::Tracker::create(*map, camera, opt);
        if (!t) return fail(t.error());
        tracker.emplace(std::move(t.value()));
      }
    }
    const std::int64_t t_ns = static_cast<std::int64_t>(std::llround(index * 1e9 / reader->fps()));
    core::Stopwatch sw;
    std::vector<tracking::Detection> dets;
    std::optional<tracking::TrackResult> tr;
    if (tracker) {
      tr = tracker->process(frame, t_ns);
      dets = tr->detections;
    } else {
      dets = detector->detect(frame);
    }
    json markers = json::array();
    for (const auto& d : dets) {
      const core::MapMarker* mm = map ? map->find(d.id) : nullptr;
      const double size_m = mm != nullptr ? mm->size_m : marker_mm / 1000.0;
      std::optional<core::Pose> prior;
      if (tr && tr->tracked && mm != nullptr) {
        prior = tr->T_camera_machine_raw * mm->T_machine_marker;
      } else if (auto it = last_marker_pose.find(d.id); it != last_marker_pose.end()) {
        prior = it->second;
      }
      json jm;
      jm["id"] = d.id;
      json corners = json::array();
      for (const auto& c : d.corners_px) corners.push_back({c.x, c.y});
      jm["corners"] = corners;
      if (size_m > 0) {
        auto mp = tracking::solveMarkerPose(d, size_m, camera, prior);
        if (mp) {
          jm["T_camera_marker"] = matrix(mp->T_camera_marker);
          jm["reprojection_rms_px"] = mp->reprojection_rms_px;
          jm["ambiguity_ratio"] = mp->ambiguity_ratio;
          jm["ambiguous"] = mp->ambiguous;
          last_marker_pose[d.id] = mp->T_camera_marker;
        } else {
          jm["T_camera_marker"] = nullptr;
        }
      } else {
        jm["T_camera_marker"] = nullptr;
      }
      markers.push_back(jm);
    }
    const double ms = sw.elapsedMs();
    json line;
    line["frame"] = index;
    line["file"] = name;
    line["mode"] = tracker ? "tracker" : "detection";
    line["markers"] = markers;
    json quality = json::object();
    if (tr && tr->tracked) {
      line["T_camera_map"] = matrix(tr->T_camera_machine);
      quality["reprojection_rms_px"] = tr->reprojection_rms_px;
      quality["registration_error_mm"] = tr->registration_error_mm;
      quality["markers_used"] = tr->marker_ids;
      quality["markers_rejected"] = tr->rejected_ids;
      quality["ambiguity_ratio"] = tr->ambiguity_ratio;
      quality["full_scan"] = tr->full_scan;
    } else {
      line["T_camera_map"] = nullptr;
      if (tr) quality["frames_since_seen"] = tr->frames_since_seen;
      if (tr && tr->ambiguous) quality["ambiguous"] = true;
      if (tr && !tr->marker_ids.empty()) {  // a pose was solved but the verdict refused it: its figures
        quality["reprojection_rms_px"] = tr->registration.reprojection_rms_px;
        quality["registration_error_mm"] = tr->registration.registration_error_mm;
        quality["markers_used"] = tr->marker_ids;
      }
    }
    line["quality"] = quality;
    if (tr) line["registration"] = registrationJson(tr->registration);
    line["ms"] = std::round(ms * 1000) / 1000;
    if (as_json) {
      std::cout << line.dump() << "\n";
    } else {
      std::printf("%s: %zu markers", name.c_str(), dets.size());
      for (const auto& d : dets) std::printf(" %d", d.id);
      if (tr && tr->tracked) {
        std::printf(" | map pose t=(%.4f, %.4f, %.4f) m rms %.3f px err %.2f mm", tr->T_camera_machine.t.x,
                    tr->T_camera_machine.t.y, tr->T_camera_machine.t.z, tr->reprojection_rms_px,
                    tr->registration_error_mm);
      } else if (tr && tr->ambiguous) {
        std::printf(" | map not tracked: one marker, orientation ambiguous from this view");
      } else if (tr && tr->registration.state == tracking::RegistrationState::Degraded) {
        std::printf(" | map degraded (ghosted): %s", tr->registration.reason.c_str());
      } else if (tr) {
        std::printf(" | map not tracked%s%s", tr->registration.reason.empty() ? "" : ": ",
                    tr->registration.reason.c_str());
      }
      if (tr && tr->tracked && !tr->registration.reason.empty()) std::printf(" (%s)", tr->registration.reason.c_str());
      std::printf(" | %.2f ms\n", ms);
    }
  }
  std::cout.flush();
  return errors > 0 ? 1 : 0;
}
