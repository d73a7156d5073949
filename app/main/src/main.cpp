// rivet: the AR maintenance assistant. Picks the display (headless now; window and OpenXR later) and runs the frame loop.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "assistant.hpp"
#include "display.hpp"
#include "rivet/core/clock.hpp"
#include "rivet/core/log.hpp"
#include "rivet/platform/frame_source.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double peakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

json poseJson(const rivet::tracking::TrackResult& t) {
  if (!t.tracked) return nullptr;
  return t.T_camera_machine.toRowMajor();
}

int fail(const rivet::core::Error& e) {
  std::cerr << "rivet: error: " << e.describe() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"Rivet: augmented-reality maintenance assistant"};
  bool headless = false, window = false, xr = false;
  std::string pack, camera_path, calib, out_dir, procedure_id, lang = "fr", scenario = "normal";
  int frames = -1, step_every = 0;
  float text_scale = 1.0f;
  bool high_contrast = false, validation = false, verbose = false;
  double fps = 30.0;
  auto* mode = cli.add_option_group("mode", "how Rivet shows its output");
  mode->add_flag("--headless", headless, "render offscreen; write frames and a per-frame JSON log");
  mode->add_flag("--window", window, "desktop window with video see-through (not in this build yet)");
  mode->add_flag("--xr", xr, "OpenXR headset session (not in this build yet)");
  mode->require_option(1);
  cli.add_option("--pack", pack, "content pack folder")->required()->check(CLI::ExistingDirectory);
  std::string pack_key;
  cli.add_option("--key", pack_key, "public key (PEM) the pack must be signed with; refuses unsigned or altered packs")
      ->check(CLI::ExistingFile);
  cli.add_option("--camera", camera_path, "camera input: a folder of images or a video file")->required();
  cli.add_option("--calib", calib, "camera calibration (camera.yaml from rivet-calibrate or OpenCV)")->required();
  cli.add_option("--out", out_dir, "output folder for frame-NNNNN.png, run.jsonl and summary.json");
  cli.add_option("--frames", frames, "stop after N frames (default: all)")->check(CLI::PositiveNumber);
  cli.add_option("--fps", fps, "frame rate of an image folder, for time stamps")->check(CLI::PositiveNumber);
  cli.add_option("--procedure", procedure_id, "procedure id (default: the pack's first non-training procedure)");
  cli.add_option("--lang", lang, "interface language")->check(CLI::IsMember({"fr", "en"}));
  cli.add_option("--text-scale", text_scale, "text size factor for low vision (0.5-3)")->check(CLI::Range(0.5, 3.0));
  cli.add_flag("--high-contrast", high_contrast, "opaque high-contrast panels");
  cli.add_option("--step-every", step_every,
                 "preview: complete the current step every N frames (authors' batch previews, demos)")
      ->check(CLI::NonNegativeNumber);
  cli.add_option("--scenario", scenario, "simulated plant scenario for the built-in tag source");
  cli.add_flag("--validation", validation, "enable the Vulkan validation layer (tests always do)");
  cli.add_flag("-v,--verbose", verbose, "debug logging");
  CLI11_PARSE(cli, argc, argv);

  rivet::core::log::setLevel(verbose ? rivet::core::log::Level::Debug : rivet::core::log::Level::Info);
  if (window || xr) {
    return fail(rivet::core::makeError(std::string(window ? "--window" : "--xr") + " is not available in this build",
                                       "rivet", "use --headless"));
  }
  if (out_dir.empty()) return fail(rivet::core::makeError("--headless needs --out DIR", "rivet"));
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) return fail(rivet::core::makeError("cannot create output folder: " + ec.message(), out_dir));

  auto source = rivet::platform::openFrameSource(camera_path, fps);
  if (!source.ok()) return fail(source.error());

  rivet::app::AssistantOptions options;
  options.pack_dir = pack;
  options.calib_file = calib;
  options.pack_key = pack_key;
  options.procedure_id = procedure_id;
  options.ui.language = lang == "fr" ? rivet::ui::Language::Fr : rivet::ui::Language::En;
  options.ui.text_scale = text_scale;
  options.ui.high_contrast = high_contrast;
  options.validation = validation;
  options.step_every_frames = step_every;
  options.scenario = scenario;

  // The first frame gives the camera's image size before anything is set up.
  auto first = (*source)->next();
  if (!first.ok()) return fail(first.error());
  if (!first->has_value()) return fail(rivet::core::makeError("no frame could be read", camera_path));
  std::optional<rivet::platform::CameraFrame> pending = std::move(**first);

  auto display = rivet::app::makeHeadlessDisplay(out_dir);
  auto assistant =
      rivet::app::Assistant::create(options, *display, pending->image.width, pending->image.height);
  if (!assistant.ok()) return fail(assistant.error());
  rivet::app::Assistant& app = **assistant;
  rivet::core::log::info("pack " + app.pack().manifest.id + " " + app.pack().manifest.version + ", camera " +
                         (*source)->describe() + ", GPU " + app.renderer().deviceName());

  const fs::path log_path = fs::path(out_dir) / "run.jsonl";
  std::ofstream log(log_path, std::ios::trunc);
  if (!log) return fail(rivet::core::makeError("cannot write the run log", log_path.string()));

  std::vector<double> decode_ms, tracking_ms, ui_ms, render_ms, readback_ms, encode_ms, total_ms;
  int count = 0, tracked = 0;
  while (frames < 0 || count < frames) {
    rivet::core::Stopwatch frame_watch;
    rivet::core::Stopwatch watch;
    if (!pending) {
      auto next = (*source)->next();
      if (!next.ok()) return fail(next.error());
      if (!next->has_value()) break;
      pending = std::move(**next);
    }
    const rivet::platform::CameraFrame frame = std::move(*pending);
    pending.reset();
    decode_ms.push_back(watch.elapsedMs());

    auto rec = app.processFrame(frame.image, frame.capture_time_ns, frame.index, frame.name);
    if (!rec.ok()) return fail(rec.error());
    auto times = display->present(app.renderer(), count);
    if (!times.ok()) return fail(times.error());
    total_ms.push_back(frame_watch.elapsedMs());

    tracking_ms.push_back(rec->tracking_ms);
    ui_ms.push_back(rec->ui_ms);
    render_ms.push_back(rec->render_ms);
    readback_ms.push_back(times->readback_ms);
    encode_ms.push_back(times->encode_ms);
    tracked += rec->track.tracked ? 1 : 0;

    json line = {{"frame", count},
                 {"file", rec->file},
                 {"tracked", rec->track.tracked},
                 {"markers", rec->track.marker_ids},
                 {"T_camera_machine", poseJson(rec->track)},
                 {"reprojection_rms_px", rec->track.reprojection_rms_px},
                 {"registration_error_mm", rec->track.registration_error_mm},
                 {"step", rec->step_id},
                 {"gate", rec->gate},
                 {"decode_ms", decode_ms.back()},
                 {"tracking_ms", rec->tracking_ms},
                 {"ui_ms", rec->ui_ms},
                 {"render_ms", rec->render_ms},
                 {"readback_ms", times->readback_ms},
                 {"encode_ms", times->encode_ms}};
    log << line.dump() << '\n';
    log.flush();
    ++count;
  }
  if (count == 0) return fail(rivet::core::makeError("no frame was read", camera_path));

  const json summary = {{"frames", count},
                        {"tracked_frames", tracked},
                        {"median_ms",
                         {{"decode", median(decode_ms)},
                          {"tracking", median(tracking_ms)},
                          {"ui", median(ui_ms)},
                          {"render", median(render_ms)},
                          {"readback", median(readback_ms)},
                          {"encode", median(encode_ms)},
                          {"total", median(total_ms)}}},
                        {"peak_rss_mb", peakRssMb()},
                        {"device", app.renderer().deviceName()},
                        {"validation_messages", app.validationMessages()},
                        {"procedure", app.engine().procedure().id},
                        {"final_step", app.engine().currentStepId()}};
  std::ofstream(fs::path(out_dir) / "summary.json") << summary.dump(2) << '\n';
  std::printf("rivet: %d frames (%d tracked) -> %s\n", count, tracked, out_dir.c_str());
  std::printf("rivet: median ms  decode %.1f  tracking %.1f  ui %.2f  render %.1f  readback %.1f  encode %.1f  total %.1f"
              "  | peak RSS %.0f MB\n",
              median(decode_ms), median(tracking_ms), median(ui_ms), median(render_ms), median(readback_ms),
              median(encode_ms), median(total_ms), peakRssMb());
  if (validation && app.validationMessages() > 0) {
    std::fprintf(stderr, "rivet: %llu Vulkan validation messages\n",
                 static_cast<unsigned long long>(app.validationMessages()));
    return 2;
  }
  return 0;
}
