// rivet-synthcam: synthetic frames of a marker map on a machine along a camera path, camera.yaml and ground truth.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "rivet/content/model_file.hpp"
#include "rivet/content/pack.hpp"
#include "rivet/tracking/camera_io.hpp"
#include "rivet/tracking/image_io.hpp"
#include "rivet/tracking/synthcam.hpp"

namespace {

using namespace rivet;

int fail(const core::Error& e) {
  std::cerr << "rivet-synthcam: " << e.describe() << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rivet-synthcam: renders a marker map on its machine seen by a camera along a path; writes "
               "frame-NNNNN.png, camera.yaml and ground_truth.jsonl"};
  std::string pack_dir, markers_file, out_dir, model_path, distortion_text, path_name = "orbit";
  int frames = 30, width = 1280, height = 720, quiet = 1;
  double fov_deg = 60, fx = 0, fy = 0, cx = -1, cy = -1, min_dist = 0.5, max_dist = 1.5, blur = 0, noise = 0,
         max_tilt = 50, fps = 30;
  bool lighting = false, box = false, no_model = false, no_clutter = false;
  std::uint64_t seed = 1;
  app.add_option("--pack", pack_dir, "content pack folder (markers.yaml and its model)");
  app.add_option("--markers", markers_file, "a markers.yaml instead of a pack");
  app.add_option("--out", out_dir, "output folder (created)")->required();
  app.add_option("--frames", frames, "number of frames")->check(CLI::Range(1, 100000));
  app.add_option("--width", width, "image width")->check(CLI::Range(16, 8192));
  app.add_option("--height", height, "image height")->check(CLI::Range(16, 8192));
  app.add_option("--fov-deg", fov_deg, "horizontal field of view (degrees)")->check(CLI::Range(5.0, 170.0));
  app.add_option("--fx", fx, "focal length in pixels (overrides --fov-deg)");
  app.add_option("--fy", fy, "vertical focal length (default: fx)");
  app.add_option("--cx", cx, "principal point x (default: image centre)");
  app.add_option("--cy", cy, "principal point y (default: image centre)");
  app.add_option("--distortion", distortion_text, "k1,k2,p1,p2,k3 (OpenCV model)");
  app.add_option("--path", path_name, "camera path")->check(CLI::IsMember({"orbit", "static", "walk"}));
  std::vector<double> look_at;
  app.add_option("--look-at", look_at, "model point x y z (m) the camera aims at (default: the markers' centroid)")
      ->expected(3);
  app.add_option("--min-dist", min_dist, "closest camera distance to the looked-at point (m)");
  app.add_option("--max-dist", max_dist, "farthest camera distance (m)");
  app.add_option("--max-tilt-deg", max_tilt, "largest angle between view and the markers' mean normal");
  app.add_option("--fps", fps, "frame rate of the walk path");
  app.add_option("--blur", blur, "motion blur length (px)");
  app.add_option("--noise", noise, "gaussian noise sigma (grey levels)");
  app.add_flag("--lighting", lighting, "lighting gradient and marker shading");
  app.add_option("--quiet-zone", quiet, "white margin around each marker (cells)")->check(CLI::Range(0, 10));
  app.add_flag("--no-clutter", no_clutter, "plain background");
  app.add_option("--seed", seed, "random seed (output is deterministic for a seed)");
  app.add_option("--model", model_path, "runtime model (.rmdl) to draw (default: the pack's)");
  app.add_flag("--box", box, "draw a simple box under the markers instead of a model");
  app.add_flag("--no-model", no_model, "draw no machine");
  CLI11_PARSE(app, argc, argv);

  if (pack_dir.empty() == markers_file.empty()) {
    return fail(core::makeError("give --pack DIR or --markers FILE", "rivet-synthcam"));
  }
  if (!(min_dist > 0 && max_dist >= min_dist)) {
    return fail(core::makeError("need 0 < --min-dist <= --max-dist", "rivet-synthcam"));
  }
  core::MarkerMap map;
  std::string pack_model;
  if (!pack_dir.empty()) {
    auto pack = content::loadPack(pack_dir);
    if (!pack) return fail(pack.error());
    map = pack->marker_map;
    pack_model = pack->model_path.string();
  } else {
    auto text = content::readTextFile(markers_file);
    if (!text) return fail(text.error());
    auto m = content::parseMarkerMap(*text, markers_file);
    if (!m) return fail(m.error());
    map = *m;
  }
  if (map.markers.empty()) return fail(core::makeError("the marker map has no markers", pack_dir + markers_file));

  core::CameraModel cam = tracking::cameraFromFov(width, height, fov_deg);
  if (fx > 0) {
    cam.fx = fx;
    cam.fy = fy > 0 ? fy : fx;
  }
  if (cx >= 0) cam.cx = cx;
  if (cy >= 0) cam.cy = cy;
  if (!distortion_text.empty()) {
    std::stringstream ss(distortion_text);
    std::string item;
    size_t i = 0;
    while (std::getline(ss, item, ',')) {
      if (i >= 5) return fail(core::makeError("--distortion takes at most 5 numbers", "rivet-synthcam"));
      try {
        cam.distortion[i++] = std::stod(item);
      } catch (const std::exception&) {
        return fail(core::makeError("--distortion value '" + item + "' is not a number", "rivet-synthcam",
                                    "e.g. --distortion -0.1,0.02,0,0,0"));
      }
    }
  }

  std::optional<content::Model> model;
  if (!no_model) {
    if (box) {
      model = tracking::makeBoxModel(map);
    } else {
      const std::string p = !model_path.empty() ? model_path : pack_model;
      if (p.empty()) {
        model = tracking::makeBoxModel(map);
      } else {
        auto m = content::loadModel(p);
        if (!m) return fail(m.error());
        model = std::move(m.value());
      }
    }
  }

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return fail(core::makeError("cannot create output folder: " + ec.message(), out_dir));
  if (auto st = tracking::saveCamera(out_dir + "/camera.yaml", cam); !st) return fail(st.error());

  tracking::SynthPathOptions po;
  po.path = path_name == "orbit" ? tracking::SynthPath::Orbit
            : path_name == "walk" ? tracking::SynthPath::Walk
                                  : tracking::SynthPath::Static;
  po.frames = frames;
  po.min_dist_m = min_dist;
  if (look_at.size() == 3) po.look_at = core::Vec3d{look_at[0], look_at[1], look_at[2]};
  po.max_dist_m = max_dist;
  po.max_tilt_deg = max_tilt;
  po.fps = fps;
  po.seed = seed;
  const auto path = tracking::synthCameraPath(map, po);

  tracking::SynthOptions so;
  so.clutter = !no_clutter;
  so.blur_px = blur;
  so.noise_sigma = noise;
  so.lighting = lighting;
  so.quiet_zone_modules = quiet;
  so.seed = seed;

  std::ofstream gt(out_dir + "/ground_truth.jsonl", std::ios::trunc);
  if (!gt) return fail(core::makeError("cannot write ground_truth.jsonl", out_dir));
  int without = 0;
  for (int i = 0; i < frames; ++i) {
    auto f = tracking::renderSynthFrame(map, model ? &*model : nullptr, cam, path[static_cast<size_t>(i)], so, i);
    if (!f) return fail(f.error());
    char name[32];
    std::snprintf(name, sizeof name, "frame-%05d.png", i);
    if (auto st = tracking::saveImage(out_dir + "/" + name, f->image); !st) return fail(st.error());
    nlohmann::json line;
    line["frame"] = i;
    line["file"] = name;
    nlohmann::json m = nlohmann::json::array();
    for (double v : path[static_cast<size_t>(i)].toRowMajor()) m.push_back(v);
    line["T_camera_machine"] = m;
    line["visible_markers"] = f->visible_markers;
    gt << line.dump() << "\n";
    if (f->visible_markers.empty()) ++without;
  }
  std::cerr << "rivet-synthcam: wrote " << frames << " frames to " << out_dir;
  if (without > 0) std::cerr << " (" << without << " without a fully visible marker)";
  std::cerr << "\n";
  return 0;
}
