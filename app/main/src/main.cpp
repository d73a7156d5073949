// rivet: the AR maintenance assistant. Picks the display and the tag source, then runs the camera and display loops.
#include <signal.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "assistant.hpp"
#include "camera_feed.hpp"
#include "display.hpp"
#include "input_script.hpp"
#include "xr_display.hpp"
#include "rivet/core/clock.hpp"
#include "rivet/core/log.hpp"
#include "rivet/platform/frame_source.hpp"
#include "rivet/content/pack.hpp"
#include "rivet/fleet/pins.hpp"
#include "rivet/fleet/sync.hpp"
#include "rivet/tracking/camera_io.hpp"
#include "rivet/tracking/synthcam.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Ctrl-C or SIGTERM end the run like closing the window: the frame in progress finishes, logs are complete.
std::atomic<bool> g_stop{false};
void onStopSignal(int) { g_stop = true; }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}
double median(std::vector<double> v) { return percentile(std::move(v), 0.5); }

double peakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

json poseJson(const rivet::tracking::TrackResult& t) {
  if (!t.tracked) return nullptr;
  return t.T_camera_machine.toRowMajor();
}

// The frame's registration verdict for run.jsonl: state, outliers, unknown ids and the diagnosis in words.
json registrationJson(const rivet::tracking::RegistrationVerdict& v) {
  json findings = json::array();
  for (const auto& f : v.findings) findings.push_back({{"id", f.id}, {"issue", rivet::tracking::toString(f.issue)}, {"text", f.text}});
  return {{"state", rivet::tracking::toString(v.state)}, {"reason", v.reason}, {"outliers", v.outlier_ids},
          {"unknown_ids", v.unknown_ids}, {"findings", findings}};
}

int fail(const rivet::core::Error& e) {
  std::cerr << "rivet: error: " << e.describe() << "\n";
  return 1;
}

// The user's data folder for the records database ($XDG_DATA_HOME/rivet, else ~/.local/share/rivet).
fs::path defaultDb() {
  if (const char* x = std::getenv("XDG_DATA_HOME"); x != nullptr && *x != '\0') return fs::path(x) / "rivet" / "records.db";
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') return fs::path(h) / ".local/share/rivet/records.db";
  return fs::path("rivet-records.db");
}

json poseArray(const rivet::core::Pose& p) { return p.toRowMajor(); }

// T_head_camera from a JSON file {"T_head_camera": [16 numbers, row-major]} (hand-eye calibration of the headset).
rivet::core::Result<rivet::core::Pose> loadHeadCamera(const std::string& path) {
  std::ifstream in(path);
  if (!in) return rivet::core::makeError("cannot read the head-camera file", path, "give a JSON file with T_head_camera");
  try {
    const json j = json::parse(in);
    const auto a = j.at("T_head_camera").get<std::array<double, 16>>();
    return rivet::core::Pose::fromRowMajor(a);
  } catch (const std::exception& e) {
    return rivet::core::makeError(std::string("not a head-camera file: ") + e.what(), path,
                                  "write {\"T_head_camera\": [16 numbers, row-major, metres]}");
  }
}

json commandsJson(const std::vector<rivet::app::CommandRecord>& commands) {
  json a = json::array();
  for (const auto& c : commands) {
    json j = {{"command", c.command}, {"accepted", c.accepted}, {"outcome", c.outcome}};
    if (!c.arg.empty()) j["arg"] = c.arg;
    if (c.seq > 0) j["seq"] = c.seq;
    if (!c.from_step.empty()) j["from"] = c.from_step;
    if (!c.to_step.empty()) j["to"] = c.to_step;
    if (!c.message.empty()) j["message"] = c.message;
    a.push_back(std::move(j));
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"Rivet: augmented-reality maintenance assistant"};
  bool headless = false, window = false, xr = false;
  std::string pack, camera_path, calib, out_dir, procedure_id, lang = "fr", simulate, db_file, work_orders, input_file;
  int frames = -1, step_every = 0, save_every = 1;
  float text_scale = 1.0f;
  bool high_contrast = false, validation = false, verbose = false, loop = false, realtime = false;
  double fps = 30.0;
  rivet::tags::MqttOptions mqtt;
  std::string broker;
  auto* mode = cli.add_option_group("mode", "how Rivet shows its output");
  mode->add_flag("--headless", headless, "render offscreen; write frames and a per-frame JSON log");
  mode->add_flag("--window", window, "desktop window with video see-through (resizable; F11 full screen)");
  mode->add_flag("--xr", xr, "OpenXR headset session (the installed runtime, or XR_RUNTIME_JSON)");
  mode->require_option(1);
  cli.add_option("--pack", pack, "content pack folder")->required()->check(CLI::ExistingDirectory);
  std::string pack_key;
  cli.add_option("--key", pack_key, "public key (PEM) the pack must be signed with; refuses unsigned or altered packs")
      ->check(CLI::ExistingFile);
  cli.add_option("--camera", camera_path,
                 "camera input: a folder of images, a video file, /dev/videoN, or (--xr) 'synthetic': the pack's "
                 "markers rendered from the headset's pose")->required();
  cli.add_option("--calib", calib, "camera calibration (camera.yaml from rivet-calibrate or OpenCV); optional with "
                 "--camera synthetic");
  std::string mirror_dir, head_camera_file, blend, dark;
  bool no_camera_background = false;
  cli.add_option("--mirror", mirror_dir, "xr: write the eye and panel images (PNG, every --save-every frames) and "
                 "xr.jsonl (per frame: display time, head, anchor) into this folder");
  cli.add_option("--head-camera", head_camera_file, "xr: hand-eye calibration of the headset camera (JSON "
                 "T_head_camera); default: at the head centre, pitched 35 degrees down")->check(CLI::ExistingFile);
  cli.add_option("--blend", blend, "xr: force a blend mode the runtime lists (opaque, additive, alpha_blend)")
      ->check(CLI::IsMember({"opaque", "additive", "alpha_blend"}));
  cli.add_flag("--no-camera-background", no_camera_background, "xr: no camera image behind the model on OPAQUE headsets");
  cli.add_option("--synthetic-dark", dark, "xr, synthetic camera: frames FROM:TO look away from the markers");
  cli.add_option("--out", out_dir, "output folder for frame-NNNNN.png (headless), run.jsonl and summary.json");
  bool fullscreen = false, no_vsync = false;
  double max_fps = 60;
  cli.add_flag("--fullscreen", fullscreen, "window: start full screen (F11 switches)");
  cli.add_flag("--no-vsync", no_vsync, "window: present without waiting for the screen's refresh (latency tests)");
  cli.add_option("--max-fps", max_fps, "window: highest display frame rate (0 = unlimited)")->check(CLI::NonNegativeNumber);
  cli.add_option("--frames", frames, "stop after N display frames (default: all camera frames, or the script's end)")
      ->check(CLI::PositiveNumber);
  cli.add_option("--fps", fps, "frame rate of an image folder, for time stamps")->check(CLI::PositiveNumber);
  cli.add_flag("--loop", loop, "play the camera recording again from the start when it ends");
  cli.add_flag("--realtime", realtime, "pace the recording by the clock (on with --broker: live values need live time)");
  cli.add_option("--save-every", save_every, "headless: write every Nth frame as PNG (0 = none)")->check(CLI::NonNegativeNumber);
  cli.add_option("--procedure", procedure_id, "procedure id: started after login (preview: the one previewed)");
  cli.add_option("--db", db_file, "records database (default: $XDG_DATA_HOME/rivet/records.db)");
  cli.add_option("--work-orders", work_orders, "work orders exported by the CMMS (JSON or CSV: number, asset, procedure)")
      ->check(CLI::ExistingFile);
  cli.add_option("--input", input_file, "headless: scripted user input (JSONL: click, type, key, command, wait)")
      ->check(CLI::ExistingFile);
  cli.add_option("--lang", lang, "interface language")->check(CLI::IsMember({"fr", "en"}));
  cli.add_option("--text-scale", text_scale, "text size factor for low vision (0.5-3)")->check(CLI::Range(0.5, 3.0));
  cli.add_flag("--high-contrast", high_contrast, "opaque high-contrast panels");
  cli.add_option("--step-every", step_every,
                 "preview without login or records: complete the current step every N frames (authors, demos)")
      ->check(CLI::NonNegativeNumber);
  cli.add_option("--simulate", simulate, "live values from the built-in plant simulator, in this scenario (e.g. normal)");
  cli.add_option("--broker", broker, "live values from an MQTT broker: mqtt://host:1883 or mqtts://host:8883");
  cli.add_option("--ca", mqtt.ca_file, "CA certificate (PEM) that signed the broker's certificate")->check(CLI::ExistingFile);
  cli.add_option("--cert", mqtt.cert_file, "client certificate (PEM) for the broker")->check(CLI::ExistingFile);
  cli.add_option("--mqtt-key", mqtt.key_file, "client private key (PEM) for the broker")->check(CLI::ExistingFile);
  cli.add_option("--user", mqtt.username, "broker user name (password from RIVET_MQTT_PASSWORD)");
  cli.add_flag("--insecure", mqtt.insecure_skip_verify, "do NOT verify the broker certificate (tests only)");
  std::string sync_url, sync_ca;
  cli.add_option("--sync", sync_url, "fleet: push the records to this PostgreSQL (postgresql://user@host/db; password "
                 "from PGPASSFILE) on a background thread; offline the records wait on the device");
  cli.add_option("--sync-ca", sync_ca, "fleet: CA certificate (PEM) of the PostgreSQL server (TLS verify-full)")
      ->check(CLI::ExistingFile);
  bool log_widgets = false;
  cli.add_flag("--log-widgets", log_widgets,
               "UI automation: write the on-screen rectangles of the named controls and panels into run.jsonl");
  cli.add_flag("--validation", validation, "enable the Vulkan validation layer (tests always do)");
  cli.add_flag("-v,--verbose", verbose, "debug logging");
  CLI11_PARSE(cli, argc, argv);

  rivet::core::log::setLevel(verbose ? rivet::core::log::Level::Debug : rivet::core::log::Level::Info);
  if (camera_path == "synthetic" && !xr) {
    return fail(rivet::core::makeError("--camera synthetic needs --xr", "rivet", "the synthetic camera follows the headset's pose"));
  }
  if (calib.empty() && camera_path != "synthetic") return fail(rivet::core::makeError("--calib is required", "rivet"));
  if (headless && out_dir.empty()) return fail(rivet::core::makeError("--headless needs --out DIR", "rivet"));
  if (!sync_url.empty() && step_every > 0) {
    return fail(rivet::core::makeError("--sync with --step-every: a preview keeps no records to sync", "rivet",
                                       "drop --sync for previews"));
  }
  if (!simulate.empty() && !broker.empty()) {
    return fail(rivet::core::makeError("--simulate and --broker both given", "rivet", "pick one source of live values"));
  }
  std::error_code ec;
  if (!out_dir.empty()) fs::create_directories(out_dir, ec);
  if (ec) return fail(rivet::core::makeError("cannot create output folder: " + ec.message(), out_dir));

  // Headset first: the synthetic camera follows its pose, and the renderer's Vulkan is made through it.
  rivet::app::XrDisplay* xr_display = nullptr;
  std::unique_ptr<rivet::app::Display> display;
  if (xr) {
    rivet::app::XrDisplayOptions xo;
    xo.runtime.core_validation = validation;
    if (blend == "opaque") xo.runtime.force_blend = rivet::xr::BlendMode::Opaque;
    if (blend == "additive") xo.runtime.force_blend = rivet::xr::BlendMode::Additive;
    if (blend == "alpha_blend") xo.runtime.force_blend = rivet::xr::BlendMode::AlphaBlend;
    xo.T_head_camera = rivet::app::headCameraPitchedDown(35);
    if (!head_camera_file.empty()) {
      auto hc = loadHeadCamera(head_camera_file);
      if (!hc.ok()) return fail(hc.error());
      xo.T_head_camera = *hc;
    }
    xo.camera_background = !no_camera_background;
    xo.mirror_dir = mirror_dir;
    xo.mirror_every = save_every;
    auto made = rivet::app::XrDisplay::create(xo);
    if (!made.ok()) return fail(made.error());
    xr_display = made->get();
    display = std::move(*made);
  }
  rivet::core::Result<std::unique_ptr<rivet::platform::FrameSource>> source =
      rivet::core::makeError("no camera", camera_path);
  if (camera_path == "synthetic") {
    auto loaded = rivet::content::loadPack(pack);
    if (!loaded.ok()) return fail(loaded.error());
    rivet::core::CameraModel cam = rivet::tracking::cameraFromFov(960, 540, 80);
    if (!calib.empty()) {
      auto c = rivet::tracking::loadCamera(calib);
      if (!c.ok()) return fail(c.error());
      cam = *c;
    } else {
      // The assistant reads the calibration from a file: write the synthetic camera's next to the outputs.
      const fs::path dir = !out_dir.empty() ? fs::path(out_dir) : (!mirror_dir.empty() ? fs::path(mirror_dir) : fs::temp_directory_path());
      calib = (dir / "synthetic-camera.yaml").string();
      if (auto st = rivet::tracking::saveCamera(calib, cam); !st.ok()) return fail(st.error());
    }
    rivet::app::SyntheticHeadCameraOptions so;
    so.T_world_machine = rivet::app::defaultWorldFromMachine();
    so.fps = fps;
    if (!dark.empty()) {
      if (std::sscanf(dark.c_str(), "%d:%d", &so.dark_from, &so.dark_to) != 2) {
        return fail(rivet::core::makeError("--synthetic-dark wants FROM:TO frame numbers", dark));
      }
    }
    source = rivet::app::makeSyntheticHeadCamera(*xr_display, loaded->marker_map, cam, so);
  } else {
    source = rivet::platform::openFrameSource(camera_path, fps, loop);
  }
  if (!source.ok()) return fail(source.error());
  std::optional<rivet::app::InputScript> script;
  if (!input_file.empty()) {
    auto s = rivet::app::InputScript::load(input_file);
    if (!s.ok()) return fail(s.error());
    script.emplace(std::move(*s));
  }

  rivet::app::AssistantOptions options;
  options.pack_dir = pack;
  options.calib_file = calib;
  options.pack_key = pack_key;
  options.procedure_id = procedure_id;
  options.ui.language = lang == "fr" ? rivet::core::Language::Fr : rivet::core::Language::En;
  options.ui.text_scale = text_scale;
  options.ui.high_contrast = high_contrast;
  options.validation = validation;
  options.step_every_frames = step_every;
  if (!simulate.empty()) options.simulate = simulate;
  if (!broker.empty()) {
    mqtt.broker_url = broker;
    if (const char* pw = std::getenv("RIVET_MQTT_PASSWORD")) mqtt.password = pw;
    options.broker = mqtt;
  }
  options.db_file = db_file.empty() ? defaultDb() : fs::path(db_file);
  options.work_orders = work_orders;
  // Live: paced by the clock, camera on its own thread (a window, --realtime, --broker). Replays run in lockstep.
  const bool live = realtime || !broker.empty() || window || xr;

  // The first frame gives the camera's image size before anything is set up.
  auto first = (*source)->next();
  if (!first.ok()) return fail(first.error());
  if (!first->has_value()) return fail(rivet::core::makeError("no frame could be read", camera_path));
  std::optional<rivet::platform::CameraFrame> pending = std::move(**first);

  if (xr) {
  } else if (window) {
    rivet::app::WindowDisplayOptions wopts;
    wopts.fullscreen = fullscreen;
    wopts.vsync = !no_vsync;
    wopts.max_fps = max_fps;
    auto made = rivet::app::makeWindowDisplay("Rivet", wopts);
    if (!made.ok()) return fail(made.error());
    display = std::move(*made);
  } else {
    display = rivet::app::makeHeadlessDisplay(out_dir, save_every);
  }
  auto assistant = rivet::app::Assistant::create(options, *display, pending->image.width, pending->image.height);
  if (!assistant.ok()) return fail(assistant.error());
  rivet::app::Assistant& app = **assistant;
  // Fleet: a pack pinned on this device (records database) must be the pinned version, verified with the pinned key.
  if (auto pinned = rivet::fleet::checkPackPin(options.db_file, app.pack(), pack_key); !pinned.ok()) {
    return fail(pinned.error());
  } else if (pinned->has_value()) {
    rivet::core::log::info("pack " + (*pinned)->pack_id + " " + (*pinned)->version + " matches its pin (key " +
                           (*pinned)->key_fingerprint + ")");
  }
  // Fleet sync on its own thread: the frame loop never waits for the network.
  std::unique_ptr<rivet::fleet::SyncWorker> sync;
  if (!sync_url.empty()) {
    rivet::fleet::SyncWorkerOptions so;
    so.sync.server.url = sync_url;
    so.sync.server.ca_file = sync_ca;
    so.sync.server.application_name = "rivet";
    so.sync.app_version = std::string("rivet ") + RIVET_VERSION;
    auto started = rivet::fleet::SyncWorker::start(options.db_file, so);
    if (!started.ok()) return fail(started.error());
    sync = std::move(*started);
  }
  rivet::core::log::info("pack " + app.pack().manifest.id + " " + app.pack().manifest.version + ", camera " +
                         (*source)->describe() + ", GPU " + app.renderer().deviceName() + ", live values: " +
                         app.sourceStatus().description);

  std::ofstream log, xr_log;
  if (xr_display != nullptr && !mirror_dir.empty()) {
    const fs::path p = fs::path(mirror_dir) / "xr.jsonl";
    xr_log.open(p, std::ios::trunc);
    if (!xr_log) return fail(rivet::core::makeError("cannot write the headset log", p.string()));
  }
  if (!out_dir.empty()) {
    const fs::path log_path = fs::path(out_dir) / "run.jsonl";
    log.open(log_path, std::ios::trunc);
    if (!log) return fail(rivet::core::makeError("cannot write the run log", log_path.string()));
  }

  // Time domains: wall (Unix epoch ns) drives events, tags and records. A replay maps the recording's own time
  // line onto wall time from the moment the run started; a live run (--broker, --realtime) uses the wall clock.
  const std::int64_t epoch_ns = rivet::core::wallClockNs();
  const std::int64_t start_mono = rivet::core::monotonicNs();
  const std::int64_t frame_period_ns = static_cast<std::int64_t>(1e9 / fps);
  std::int64_t camera_now_ns = 0;  // replay: capture time of the latest frame on the session's time line
  auto nowNs = [&] { return live ? rivet::core::wallClockNs() : epoch_ns + camera_now_ns; };

  std::vector<double> decode_ms, tracking_ms, ui_ms, render_ms, readback_ms, encode_ms, total_ms, latency_ms, display_ms;
  int count = 0, tracked = 0;
  bool camera_done = false;
  std::int64_t shown_capture_mono = -1, last_display_mono = start_mono;
  rivet::app::UpdateRecord last_update;
  bool have_update = false;
  double decode_last = 0;
  int exit_code = 0;

  // Replays read the camera here, in lockstep with the display; live runs read it on the camera thread.
  auto readFrame = [&]() -> rivet::core::Result<bool> {
    if (pending) return true;
    rivet::core::Stopwatch watch;
    auto next = (*source)->next();
    if (!next.ok()) return next.error();
    if (!next->has_value()) return false;
    pending = std::move(**next);
    decode_last = watch.elapsedMs();
    return true;
  };
  std::unique_ptr<rivet::app::CameraFeed> feed;
  if (live) {
    feed = std::make_unique<rivet::app::CameraFeed>(std::move(*source), std::move(pending), app.tracker());
    pending.reset();
  }

  struct sigaction sa {};
  sa.sa_handler = onStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  while ((frames < 0 || count < frames) && !display->closeRequested() && !g_stop) {
    rivet::core::Stopwatch frame_watch;
    // Camera rate. Replays run in lockstep (each frame tracked, then shown); live runs take the newest tracked
    // frame from the tracking thread, which the camera thread feeds, so neither ever holds the display back.
    std::optional<rivet::app::TrackedFrame> tracked_frame;
    if (!live && !camera_done) {
      auto got = readFrame();
      if (!got.ok()) return fail(got.error());
      if (!*got) {
        camera_done = true;
      } else {
        camera_now_ns = pending->capture_time_ns;
        const auto seq = app.tracker().submit(std::move(*pending), rivet::core::monotonicNs());
        pending.reset();
        tracked_frame = app.tracker().waitFor(seq);
        decode_ms.push_back(decode_last);
      }
    }
    if (live) {
      if (auto err = feed->error()) return fail(*err);
      camera_done = feed->done();
      tracked_frame = app.tracker().take();
      if (tracked_frame) decode_ms.push_back(feed->lastDecodeMs());
    }
    // The recording ended: a run ends with it; a window stays open on the last picture until it is closed.
    if (camera_done && !tracked_frame && !(script && !script->done()) && !display->live()) {
      if (!live || !app.tracker().busy()) break;
    }
    if (tracked_frame) {
      shown_capture_mono = tracked_frame->capture_mono_ns;
      last_update = app.update(std::move(*tracked_frame), nowNs());
      have_update = true;
      tracking_ms.push_back(last_update.tracking_ms);
      tracked += last_update.track.tracked ? 1 : 0;
    }
    if (!have_update) {  // nothing tracked yet: nothing to show
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }

    // Display rate.
    rivet::core::Stopwatch display_watch;
    rivet::ui::Input input;
    std::string script_line;
    std::int64_t now = nowNs();
    // The script's input for this frame (nothing when there is no script or it has ended).
    auto playScript = [&]() -> rivet::core::Result<std::optional<rivet::ui::Input>> {
      if (!script || script->done()) return std::optional<rivet::ui::Input>();
      script_line = script->current();
      rivet::app::ScriptState state{app.screenName(), app.stepId(), app.gateName(now),
                                    app.session().user() ? app.session().user()->name : "", true, now, &app.overlay()};
      state.data_ok = app.sourceStatus().connected;
      auto scripted = script->next(state, rivet::core::monotonicNs());
      if (!scripted.ok()) return scripted.error();
      return std::optional<rivet::ui::Input>(std::move(*scripted));
    };
    std::optional<rivet::ui::Input> scripted;
    if (xr_display != nullptr) {
      // Headset: the script is read before the frame so that its pointer becomes an aim at the panel from the head
      // (the same ray hit as a controller); without one (or once it has ended) only real input aims.
      auto played = playScript();
      if (!played.ok()) {
        std::cerr << "rivet: input script: " << played.error().describe() << "\n";
        exit_code = 3;
        break;
      }
      scripted = std::move(*played);
      if (scripted && scripted->pointer_valid) {
        xr_display->inject(rivet::app::InjectedAim{scripted->x, scripted->y, scripted->pointer_down});
      } else {
        xr_display->inject(std::nullopt);
      }
    }
    auto dframe = display->beginFrame(app.renderer(), input);
    if (!dframe.ok()) return fail(dframe.error());
    now = nowNs();
    if (xr_display == nullptr) {
      auto played = playScript();
      if (!played.ok()) {
        std::cerr << "rivet: input script: " << played.error().describe() << "\n";
        exit_code = 3;
        break;
      }
      if (*played) input = std::move(**played);
    } else if (scripted) {  // the pointer went through the panel; keys, text and commands as scripted
      input.text = scripted->text;
      input.keys = scripted->keys;
      input.commands = scripted->commands;
    }
    const double dt_s = static_cast<double>(rivet::core::monotonicNs() - last_display_mono) / 1e9;
    last_display_mono = rivet::core::monotonicNs();
    auto rec = app.render(*dframe, input, now, std::max(dt_s, 1e-3));
    if (!rec.ok()) return fail(rec.error());
    const double display_cpu_ms = display_watch.elapsedMs();
    auto times = display->endFrame(app.renderer(), count);
    if (!times.ok()) return fail(times.error());
    if (xr_display != nullptr && !dframe->should_render && !xr_display->lastFrame().rendered) {
      // Session not running yet (or hidden): no frame to log or count.
      if (xr_display->closeRequested()) break;
      continue;
    }
    if (xr_log.is_open()) {
      const auto& f = xr_display->lastFrame();
      json eyes = json::array();
      for (const auto& e : f.eyes) {
        eyes.push_back({{"T_world_eye", poseArray(e.T_world_eye)}, {"fov", {e.fov.left, e.fov.right, e.fov.up, e.fov.down}}});
      }
      const auto& anchor = app.anchor();
      json xl = {{"frame", count},
                 {"state", f.state},
                 {"predicted_display_time", f.predicted_display_time},
                 {"head_valid", f.head_valid},
                 {"T_world_head", poseArray(f.T_world_head)},
                 {"eyes", std::move(eyes)},
                 {"eye_size", {dframe->views.empty() ? 0 : dframe->views[0].width, dframe->views.empty() ? 0 : dframe->views[0].height}},
                 {"T_world_panel", poseArray(f.panel.T_world_panel)},
                 {"panel_size_m", {f.panel.width_m, f.panel.height_m}},
                 {"tracked", last_update.track.tracked},
                 {"anchor_valid", anchor.valid()},
                 {"T_world_machine", anchor.valid() ? json(poseArray(anchor.pose())) : json(nullptr)},
                 {"anchor_age_ms", anchor.valid() ? static_cast<double>(f.predicted_display_mono_ns - app.anchorCaptureMonoNs()) / 1e6 : 0.0},
                 {"frame_cpu_ms", display_cpu_ms + times->present_ms - f.wait_ms},
                 {"wait_ms", f.wait_ms},
                 {"pointer_source", f.pointer_source},
                 {"select", f.select},
                 {"blend", rivet::xr::toString(xr_display->runtime().blend().mode)},
                 {"screen", rec->screen},
                 {"step", rec->step_id}};
      if (f.pointer) xl["pointer"] = {f.pointer->x, f.pointer->y};
      if (camera_path == "synthetic") xl["T_world_machine_truth"] = poseArray(rivet::app::defaultWorldFromMachine());
      xr_log << xl.dump() << '\n';
      xr_log.flush();
    }
    const std::int64_t presented_mono = rivet::core::monotonicNs();
    total_ms.push_back(frame_watch.elapsedMs());
    display_ms.push_back(display_cpu_ms);
    const double latency = static_cast<double>(presented_mono - shown_capture_mono) / 1e6;
    latency_ms.push_back(latency);
    ui_ms.push_back(rec->ui_ms);
    render_ms.push_back(rec->render_ms);
    readback_ms.push_back(times->readback_ms);
    encode_ms.push_back(times->encode_ms);

    const auto status = app.sourceStatus();
    json line = {{"frame", count},
                 {"file", last_update.file},
                 {"camera_seq", last_update.seq},
                 {"tracked", last_update.track.tracked},
                 {"markers", last_update.track.marker_ids},
                 {"T_camera_machine", poseJson(last_update.track)},
                 {"reprojection_rms_px", last_update.track.reprojection_rms_px},
                 {"registration_error_mm", last_update.track.registration_error_mm},
                 {"registration", registrationJson(last_update.track.registration)},
                 {"screen", rec->screen},
                 {"user", rec->user},
                 {"step", rec->step_id},
                 {"gate", rec->gate},
                 {"data_ok", rec->data_ok},
                 {"source_connected", status.connected},
                 {"time_ns", now},
                 {"decode_ms", decode_ms.empty() ? 0.0 : decode_ms.back()},
                 {"tracking_ms", last_update.tracking_ms},
                 {"ui_ms", rec->ui_ms},
                 {"render_ms", rec->render_ms},
                 {"readback_ms", times->readback_ms},
                 {"encode_ms", times->encode_ms},
                 {"display_cpu_ms", display_cpu_ms},
                 {"capture_to_present_ms", latency}};
    auto commands = last_update.autopilot;
    last_update.autopilot.clear();
    commands.insert(commands.end(), rec->commands.begin(), rec->commands.end());
    if (!commands.empty()) line["commands"] = commandsJson(commands);
    if (!rec->gate_reason.empty()) line["gate_reason"] = rec->gate_reason;
    if (log_widgets) {
      json w = json::object();
      for (const auto& [name, r] : app.overlay().widgets()) w[name] = {r.x, r.y, r.w, r.h};
      json p = json::object();
      for (const auto& [name, r] : app.overlay().panels()) p[name] = {r.x, r.y, r.w, r.h};
      line["widgets"] = std::move(w);
      line["panels"] = std::move(p);
      line["ui_size"] = {dframe->ui_width, dframe->ui_height};
    }
    if (!script_line.empty()) line["script"] = script_line;
    if (log.is_open()) {
      log << line.dump() << '\n';
      log.flush();
    }
    ++count;
    if (script && script->done() && (frames < 0)) {
      // One more frame shows the result of the last action, then the run ends.
      script.reset();
      frames = count + 1;
    }
    if (live && !display->live()) {
      // Headless live runs show frames at the camera's rate (a window paces itself).
      const std::int64_t next_due = last_display_mono + frame_period_ns;
      const std::int64_t wait = next_due - rivet::core::monotonicNs();
      if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
    }
  }
  if (xr_display != nullptr) xr_display->finish();  // a clean end: request exit, end the session, EXITING
  if (feed) feed.reset();
  json sync_summary = nullptr;
  if (sync) {  // a moment for the last rows; what is left goes with the next run or rivet-sync push
    const bool synced = sync->waitSynced(std::chrono::seconds(3));
    const auto st = sync->state();
    sync->stop();
    sync_summary = {{"synced", synced}, {"server_rows", st.server_head}, {"device_rows", st.local_head},
                    {"failures", st.total_failures}, {"last_error", st.last_error}};
    if (!synced) {
      std::fprintf(stderr, "rivet: fleet sync: the server holds %lld of %lld rows; the rest stays on the device and "
                           "goes with the next sync (rivet-sync push)\n",
                   static_cast<long long>(st.server_head), static_cast<long long>(st.local_head));
    }
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
                          {"display_cpu", median(display_ms)},
                          {"capture_to_present", median(latency_ms)},
                          {"total", median(total_ms)}}},
                        {"p99_ms",
                         {{"display_cpu", percentile(display_ms, 0.99)},
                          {"capture_to_present", percentile(latency_ms, 0.99)},
                          {"total", percentile(total_ms, 0.99)}}},
                        {"live", live},
                        {"peak_rss_mb", peakRssMb()},
                        {"device", app.renderer().deviceName()},
                        {"validation_messages", app.validationMessages()},
                        {"openxr_validation_messages", xr_display ? xr_display->runtime().validationMessages() : 0},
                        {"procedure", app.session().engine() ? app.session().engine()->procedure().id : ""},
                        {"final_step", app.stepId()},
                        {"screen", app.screenName()},
                        {"sync", sync_summary}};
  if (!out_dir.empty()) std::ofstream(fs::path(out_dir) / "summary.json") << summary.dump(2) << '\n';
  std::printf("rivet: %d frames (%d tracked)%s\n", count, tracked, out_dir.empty() ? "" : (" -> " + out_dir).c_str());
  std::printf("rivet: median ms  decode %.1f  tracking %.1f  ui %.2f  render %.1f  readback %.1f  encode %.1f  total %.1f"
              "  | capture-to-present %.1f (p99 %.1f)  display CPU %.1f (p99 %.1f) | peak RSS %.0f MB\n",
              median(decode_ms), median(tracking_ms), median(ui_ms), median(render_ms), median(readback_ms),
              median(encode_ms), median(total_ms), median(latency_ms), percentile(latency_ms, 0.99), median(display_ms),
              percentile(display_ms, 0.99), peakRssMb());
  if (validation && xr_display != nullptr && xr_display->runtime().validationMessages() > 0) {
    std::fprintf(stderr, "rivet: %llu OpenXR validation messages\n",
                 static_cast<unsigned long long>(xr_display->runtime().validationMessages()));
    return 2;
  }
  if (validation && app.validationMessages() > 0) {
    std::fprintf(stderr, "rivet: %llu Vulkan validation messages\n",
                 static_cast<unsigned long long>(app.validationMessages()));
    return 2;
  }
  return exit_code;
}
