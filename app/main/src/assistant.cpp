// Wiring of one AR assistant session: pack, records, tag source, tracking thread; update at camera rate, render per view.
#include "assistant.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "rivet/core/clock.hpp"
#include "rivet/core/log.hpp"
#include "rivet/procedure/procedure.hpp"
#include "rivet/tags/format.hpp"
#include "rivet/tags/simulator.hpp"
#include "rivet/tracking/camera_io.hpp"

namespace rivet::app {
namespace {

using core::Language;

std::string tr(Language l, std::string_view key) { return std::string(ui::tr(l, key)); }

ui::GateState uiGate(procedure::GateState g) {
  switch (g) {
    case procedure::GateState::None: return ui::GateState::None;
    case procedure::GateState::Waiting: return ui::GateState::Waiting;
    case procedure::GateState::Ok: return ui::GateState::Open;
    case procedure::GateState::Stale: return ui::GateState::Stale;
    case procedure::GateState::Failed: return ui::GateState::Failed;
  }
  return ui::GateState::None;
}

ui::Freshness uiFreshness(tags::Freshness f) {
  switch (f) {
    case tags::Freshness::Fresh: return ui::Freshness::Fresh;
    case tags::Freshness::Stale: return ui::Freshness::Stale;
    case tags::Freshness::Missing: return ui::Freshness::Missing;
    case tags::Freshness::BadQuality: return ui::Freshness::Bad;
  }
  return ui::Freshness::Missing;
}

procedure::Quality procQuality(tags::Quality q) {
  switch (q) {
    case tags::Quality::Good: return procedure::Quality::Good;
    case tags::Quality::Uncertain: return procedure::Quality::Uncertain;
    case tags::Quality::Bad: return procedure::Quality::Bad;
  }
  return procedure::Quality::Bad;
}

bool allows(const procedure::StepView& v, procedure::Action a) {
  return std::find(v.allowed.begin(), v.allowed.end(), a) != v.allowed.end();
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// Numbers as the reader writes them: 1,5 in French, 1.5 in English.
std::string fmtIn(double v, Language lang) {
  std::string s = fmt(v);
  if (lang == Language::Fr) std::replace(s.begin(), s.end(), '.', ',');
  return s;
}

CommandRecord recordOf(const ui::Command& c, const session::ActionResult& r) {
  CommandRecord rec;
  rec.command = c.name;
  rec.arg = c.name == "pin" || c.name == "sign_off" ? std::string() : c.arg;  // never log secrets
  if (c.name == "sign_off") rec.arg = c.arg2;
  rec.accepted = r.accepted;
  rec.outcome = r.outcome;
  rec.seq = r.ack ? r.ack->seq : 0;
  rec.from_step = r.from_step;
  rec.to_step = r.to_step;
  rec.message = r.message.en;
  return rec;
}

std::string randomSecret() {
  std::random_device rd;
  std::string s;
  for (int i = 0; i < 24; ++i) s += static_cast<char>('a' + rd() % 26);
  return s;
}

}  // namespace

Assistant::~Assistant() {
  worker_.reset();
  // The display's targets (a headset's swapchain images live on the renderer's device) go before the device.
  if (display_ != nullptr && renderer_) display_->detach(*renderer_);
  if (!preview_secret_.empty() && !options_.db_file.empty()) {
    records_.reset();
    std::error_code ec;
    std::filesystem::remove_all(options_.db_file.parent_path(), ec);
  }
}

core::Result<std::unique_ptr<Assistant>> Assistant::create(const AssistantOptions& options, Display& display,
                                                          int frame_width, int frame_height) {
  std::unique_ptr<Assistant> a(new Assistant());
  a->options_ = options;
  a->display_ = &display;
  const std::int64_t now_ns = core::wallClockNs();

  content::PackLoadOptions pack_options;
  pack_options.public_key_pem = options.pack_key;
  pack_options.require_signature = !options.pack_key.empty();
  auto pack = content::loadPack(options.pack_dir.string(), pack_options);
  if (!pack.ok()) return pack.error();
  a->pack_ = std::move(*pack);

  // A signed pack's manifest already covered the model's bytes: only its structure needs checking then.
  content::ModelLoadOptions model_options;
  model_options.verify = a->pack_.signature_verified ? content::ModelVerify::Structure : content::ModelVerify::Full;
  auto model = content::loadModel(a->pack_.model_path.string(), model_options);
  if (!model.ok()) return model.error();
  a->model_ = std::move(*model);

  auto camera = tracking::loadCamera(options.calib_file.string());
  if (!camera.ok()) return camera.error();
  if (camera->width == 0 || camera->height == 0) {
    // OpenCV calibration files may carry no image size: take the camera's (same aspect ratio required).
    auto adapted = tracking::adaptCameraToImage(*camera, frame_width, frame_height);
    if (!adapted.ok()) return adapted.error();
    camera = std::move(adapted);
  }
  if (camera->width != frame_width || camera->height != frame_height) {
    return core::makeError("the camera gives " + std::to_string(frame_width) + "x" + std::to_string(frame_height) +
                               " frames but the calibration is for " + std::to_string(camera->width) + "x" +
                               std::to_string(camera->height),
                           options.calib_file.string(), "use the camera.yaml made for this camera and resolution");
  }
  a->camera_ = *camera;

  auto tracker = tracking::Tracker::create(a->pack_.marker_map, a->camera_);
  if (!tracker.ok()) return tracker.error();

  auto library = session::ProcedureLibrary::load(options.pack_dir);
  if (!library.ok()) return library.error();
  a->library_ = std::move(*library);
  if (a->library_.all().empty()) {
    return core::makeError("the pack has no procedure", (options.pack_dir / "procedures").string(),
                           "add a procedures/*.yaml file");
  }
  for (const auto& p : a->library_.all()) {
    for (const auto& step : p.steps) {
      for (const auto* list : {&step.highlight_parts, &step.ghost_parts}) {
        for (const auto& part : *list) {
          if (a->model_.findPart(part) < 0) {
            return core::makeError("step '" + step.id + "' names part '" + part + "' which the model does not have",
                                   p.source + ":" + std::to_string(step.line),
                                   "use a part id of " + a->pack_.model_path.filename().string());
          }
        }
      }
    }
  }
  if (!options.procedure_id.empty()) {
    auto chosen = a->library_.resolved(options.procedure_id);
    if (!chosen.ok()) return chosen.error();
  }

  if (!a->pack_.tags_file.empty()) {
    auto bindings = tags::loadBindings(a->pack_.tags_file);
    if (!bindings.ok()) return bindings.error();
    a->bindings_ = std::move(*bindings);
  }
  a->store_ = std::make_unique<tags::TagStore>(a->bindings_);
  if (options.broker) {
    auto source = tags::makeBrokerSource(*options.broker, a->bindings_, *a->store_);
    if (!source.ok()) return source.error();
    a->source_ = std::move(*source);
  } else if (options.simulate) {
    const auto scenario = tags::parseScenario(*options.simulate);
    if (!scenario) {
      return core::makeError("unknown plant scenario '" + *options.simulate + "'", "--simulate",
                             "use one of " + std::string(tags::scenarioNames()));
    }
    a->source_ = tags::makeSimulatorSource(a->bindings_, *scenario, options.seed, now_ns);
  }
  a->alarms_ = std::make_unique<tags::AlarmEngine>(a->bindings_);

  // Records: the technician's journal, or a throw-away one for previews (nothing of a preview is a record).
  std::string pack_hash;
  if (auto h = session::hashPack(options.pack_dir); h.ok()) {
    pack_hash = *h;
  } else {
    return h.error();
  }
  records::StoreOptions store_options;
  const bool preview = options.step_every_frames > 0;
  if (preview) {
    char tmpl[] = "/tmp/rivet-preview-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return core::makeError("cannot create a temporary folder", "/tmp");
    a->options_.db_file = std::filesystem::path(tmpl) / "preview.db";
    store_options.durable = false;
    store_options.kdf.n = 1u << 10;
  }
  std::error_code ec;
  if (a->options_.db_file.has_parent_path()) std::filesystem::create_directories(a->options_.db_file.parent_path(), ec);
  auto records = records::Store::open(a->options_.db_file.string(), store_options);
  if (!records.ok()) return records.error();
  a->records_.emplace(std::move(*records));
  std::vector<session::WorkOrder> orders;
  if (!options.work_orders.empty()) {
    auto loaded = session::loadWorkOrders(options.work_orders);
    if (!loaded.ok()) return loaded.error();
    for (const auto& o : *loaded) {
      if (a->library_.find(o.procedure_id) == nullptr) {
        return core::makeError("work order " + o.number + " names procedure '" + o.procedure_id +
                                   "' which the pack does not have",
                               options.work_orders.string(), "use one of: " + a->library_.ids());
      }
    }
    orders = std::move(*loaded);
  }
  a->session_ = std::make_unique<session::TechnicianSession>(*a->records_, a->library_, std::move(orders),
                                                             session::TechnicianOptions{pack_hash, options.device_id});
  if (preview) {
    a->preview_secret_ = randomSecret();
    if (auto u = a->records_->addUser("preview", procedure::Role::Admin, a->preview_secret_, now_ns); !u.ok()) return u.error();
    (void)a->session_->login("preview", a->preview_secret_, now_ns);
    std::string id = options.procedure_id;
    if (id.empty()) {
      auto first = a->library_.resolved("");
      if (!first.ok()) return first.error();
      id = first->id;
    }
    auto started = a->session_->startProcedure(id, now_ns);
    if (!started.accepted) return core::makeError(started.message.en, options.pack_dir.string());
  }

  render::RendererOptions ropts;
  ropts.enable_validation = options.validation;
  ropts.requirements = display.requirements();
  auto renderer = render::Renderer::create(ropts);
  if (!renderer.ok()) return renderer.error();
  a->renderer_ = std::move(*renderer);
  if (auto st = a->renderer_->setModel(a->model_); !st.ok()) return st.error();

  auto overlay = ui::Overlay::create(options.ui);
  if (!overlay.ok()) return overlay.error();
  a->overlay_ = std::move(*overlay);
  if (auto st = a->renderer_->initUi(); !st.ok()) return st.error();

  if (auto st = display.attach(*a->renderer_, a->camera_); !st.ok()) return st.error();
  a->worker_ = std::make_unique<TrackingWorker>(std::move(*tracker), a->camera_);
  return a;
}

tags::SourceStatus Assistant::sourceStatus() const {
  if (!source_) return tags::SourceStatus{false, "none", "", 0};
  return source_->status();
}

bool Assistant::dataOk(std::int64_t now_ns) const {
  if (!source_) return bindings_.tags.empty();
  if (!source_->status().connected) return false;
  for (const auto& b : bindings_.tags) {
    if (store_->freshness(b.id, now_ns) != tags::Freshness::Fresh) return false;
  }
  return true;
}

std::string Assistant::screenName() const {
  switch (session_->stage()) {
    case session::Stage::Login: return "login";
    case session::Stage::Choose: return "orders";
    default: return "step";
  }
}

std::string Assistant::stepId() const {
  const procedure::Engine* e = session_->engine();
  if (e == nullptr || e->finished() || e->aborted()) return "";
  return e->currentStepId();
}

std::string Assistant::gateName(std::int64_t now_ns) const {
  const procedure::Engine* e = session_->engine();
  if (e == nullptr) return "none";
  return procedure::toString(e->view(now_ns).gate);
}

std::string Assistant::gateReason(std::int64_t now_ns) const {
  const procedure::Engine* e = session_->engine();
  if (e == nullptr) return "";
  return e->view(now_ns).gate_reason.en;
}

UpdateRecord Assistant::update(TrackedFrame frame, std::int64_t now_ns) {
  UpdateRecord rec;
  rec.seq = frame.seq;
  rec.file = frame.frame.name;
  rec.track = frame.track;
  rec.tracking_ms = frame.tracking_ms;
  rec.undistort_ms = frame.undistort_ms;
  track_ = frame.track;
  // Headset: the anchor lives in the world, measured through the head pose at the frame's capture time, and
  // stays where it is while the markers are out of view.
  if (track_.tracked) {
    if (auto T_world_camera = display_->worldFromCamera(frame.capture_mono_ns)) {
      anchor_.measure(*T_world_camera * track_.T_camera_machine);
      anchor_capture_mono_ns_ = frame.capture_mono_ns;
    }
  }
  background_ = std::move(frame.background);
  // Badge login: a QR code the tracking thread read while the login screen is up.
  if (frame.badge && session_->stage() == session::Stage::Login) {
    const auto r = session_->loginBadge(*frame.badge, now_ns);
    if (r.outcome != "badge_ignored") {
      ui::Command c{"badge", "", ""};
      rec.autopilot.push_back(recordOf(c, r));
      rec.badge_login = r.accepted;
      if (r.accepted) {
        selected_user_.clear();
        login_message_.clear();
        feedback(r);
      } else {
        login_message_ = r.message.get(overlay_->settings().language);
      }
    }
  }
  worker_->setScanBadges(session_->stage() == session::Stage::Login && options_.step_every_frames <= 0);
  background_dirty_ = true;

  core::Stopwatch watch;
  if (source_) source_->poll(*store_, now_ns);
  for (const auto& event : alarms_->evaluate(*store_, now_ns)) {
    core::log::warn("alarm " + std::string(tags::toString(event.kind)) + ": " + event.alarm.key + " " +
                    event.alarm.message_en);
  }
  // The overlay's verdict as a live value: steps with requires_registration_mm are gated on it (fail closed).
  {
    // Markers at odds with the map make the error figure untrustworthy: uncertain, so such steps stay blocked.
    const auto& reg = track_.registration;
    const bool usable = reg.usable() && track_.frames_since_seen == 0;
    const auto quality = !usable                ? procedure::Quality::Bad
                         : !reg.findings.empty() ? procedure::Quality::Uncertain
                                                 : procedure::Quality::Good;
    session_->observe({procedure::kRegistrationTag, usable ? reg.registration_error_mm : 0.0, quality, now_ns}, now_ns);
  }
  for (const auto& binding : bindings_.tags) {
    auto value = store_->get(binding.id);
    if (!value || !value->present) continue;
    auto number = tags::asNumber(value->value);
    if (!number) continue;
    session_->observe({binding.id, *number, procQuality(value->quality), value->source_time_ns}, now_ns);
  }
  ++updates_;
  if (options_.step_every_frames > 0 && updates_ % options_.step_every_frames == 0) autopilot(now_ns, rec.autopilot);
  rec.tags_ms = watch.elapsedMs();

  const std::string step = stepId();
  if (step != last_step_logged_) {
    const procedure::Engine* e = session_->engine();
    if (e != nullptr && e->finished()) {
      core::log::info("procedure " + e->procedure().id + " finished");
    } else if (e != nullptr && !step.empty()) {
      const auto v = e->view(now_ns);
      core::log::info("step " + std::to_string(v.index + 1) + "/" + std::to_string(v.count) + ": " + v.title.en);
    }
    last_step_logged_ = step;
  }
  return rec;
}

// Preview autopilot: does what the step asks, as a technician would, through the same session calls.
void Assistant::autopilot(std::int64_t now_ns, std::vector<CommandRecord>& out) {
  const procedure::Engine* engine = session_->engine();
  if (engine == nullptr || engine->finished() || engine->aborted()) return;
  const procedure::StepView view = engine->view(now_ns);
  procedure::Event e;
  ui::Command c{"confirm", "", ""};
  switch (view.kind) {
    case procedure::StepKind::Lockout:
      for (const auto& p : view.isolation_points) {
        if (!p.confirmed) {
          e.target = p.point.id;
          c = {"point", p.point.id, ""};
          break;
        }
      }
      break;
    case procedure::StepKind::Measurement:
      e.type = procedure::EventType::Value;
      e.value = view.measurement ? view.measurement->nominal : 0.0;
      c = {"value", fmt(e.value), ""};
      break;
    case procedure::StepKind::Decision:
      e.type = procedure::EventType::Choose;
      if (!view.choices.empty()) e.target = view.choices.front().id;
      c = {"choose", e.target, ""};
      break;
    case procedure::StepKind::SignOff: {
      const auto r = session_->signOff("preview", preview_secret_, now_ns);
      out.push_back(recordOf({"sign_off", "", "preview"}, r));
      return;
    }
    case procedure::StepKind::Quiz:
      e.type = procedure::EventType::Answer;
      for (size_t i = 0; i < view.options.size(); ++i) {
        if (view.options[i].correct) e.answer = static_cast<int>(i);
      }
      c = {"answer", std::to_string(e.answer), ""};
      break;
    default:
      break;
  }
  const auto r = session_->act(e, now_ns);
  if (!r.accepted) core::log::debug("preview autopilot: step " + view.step_id + " not completed: " + r.message.en);
  followLockout(r);
  out.push_back(recordOf(c, r));
}

// The built-in simulator stands in for the plant: when the technician completes the lockout step the cell's
// energies go to zero, and they come back once a later step removes the locks (a step whose id says so).
void Assistant::followLockout(const session::ActionResult& r) {
  if (source_ == nullptr || source_->simulator() == nullptr || !r.accepted || r.from_step == r.to_step) return;
  const procedure::Engine* engine = session_->engine();
  if (engine == nullptr) return;
  const procedure::Procedure& proc = engine->procedure();
  const int from = proc.indexOf(r.from_step);
  if (from < 0) return;
  const procedure::Step& left = proc.steps[static_cast<size_t>(from)];
  const bool removal = left.id.find("remov") != std::string::npos || left.id.find("restor") != std::string::npos ||
                       left.id.find("unlock") != std::string::npos;
  const std::int64_t now_ns = core::wallClockNs();
  if (left.kind == procedure::StepKind::Lockout && !removal) {
    source_->simulator()->setScenario(tags::Scenario::Lockout, now_ns);
  } else if (removal) {
    source_->simulator()->setScenario(tags::Scenario::Normal, now_ns);
  }
}

void Assistant::feedback(const session::ActionResult& r) {
  feedback_ = r.message;
  feedback_error_ = !r.accepted || r.outcome == "fail" || r.outcome == "out_of_tolerance";
  feedback_step_ = stepId();
  auto catalogue = [](const char* key) {
    return core::Text{std::string(ui::tr(Language::En, key)), std::string(ui::tr(Language::Fr, key))};
  };
  if (r.outcome == "in_tolerance") feedback_ = catalogue("in_tolerance");
  if (r.outcome == "out_of_tolerance" && feedback_.empty()) feedback_ = catalogue("out_of_tolerance");
  if (r.outcome == "resumed") feedback_ = catalogue("resumed");
}

CommandRecord Assistant::handle(const ui::Command& c, std::int64_t now_ns) {
  session::ActionResult r;
  auto simple = [&](procedure::EventType type) {
    procedure::Event e;
    e.type = type;
    return e;
  };
  const std::string& n = c.name;
  if (n == "login_user") {
    selected_user_ = c.arg;
    login_message_.clear();
    r.accepted = true;
    r.outcome = "selected";
  } else if (n == "pin") {
    const std::string user = c.arg2.empty() ? selected_user_ : c.arg2;
    r = session_->login(user, c.arg, now_ns);
    login_message_ = r.accepted ? "" : r.message.get(overlay_->settings().language);
    if (r.accepted) selected_user_.clear();
    if (r.accepted && session_->stage() == session::Stage::Choose && !options_.procedure_id.empty()) {
      r = session_->startProcedure(options_.procedure_id, now_ns);
    }
  } else if (n == "logout") {
    session_->logout();
    selected_user_.clear();
    r.accepted = true;
    r.outcome = "logout";
  } else if (n == "order") {
    r = session_->startOrder(c.arg, now_ns);
  } else if (n == "procedure") {
    r = session_->startProcedure(c.arg, now_ns);
  } else if (n == "new_session") {
    session_->newSession();
    r.accepted = true;
    r.outcome = "new_session";
  } else if (n == "confirm" || n == "pass") {
    r = session_->act(simple(procedure::EventType::Confirm), now_ns);
  } else if (n == "fail") {
    auto e = simple(procedure::EventType::Confirm);
    e.passed = false;
    r = session_->act(e, now_ns);
  } else if (n == "point") {
    auto e = simple(procedure::EventType::Confirm);
    e.target = c.arg;
    r = session_->act(e, now_ns);
  } else if (n == "value") {
    std::string text = c.arg;
    std::replace(text.begin(), text.end(), ',', '.');
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end == nullptr || *end != '\0') {
      r.outcome = "rejected";
      r.message = {"'" + c.arg + "' is not a number", "« " + c.arg + " » n'est pas un nombre"};
    } else {
      auto e = simple(procedure::EventType::Value);
      e.value = v;
      r = session_->act(e, now_ns);
    }
  } else if (n == "choose") {
    auto e = simple(procedure::EventType::Choose);
    e.target = c.arg;
    r = session_->act(e, now_ns);
  } else if (n == "answer") {
    auto e = simple(procedure::EventType::Answer);
    e.answer = std::atoi(c.arg.c_str());
    r = session_->act(e, now_ns);
  } else if (n == "hint" || n == "back") {
    r = session_->act(simple(n == "hint" ? procedure::EventType::Hint : procedure::EventType::Back), now_ns);
  } else if (n == "skip" || n == "abort") {
    auto e = simple(n == "skip" ? procedure::EventType::Skip : procedure::EventType::Abort);
    e.reason = c.arg;
    r = session_->act(e, now_ns);
  } else if (n == "sign_off") {
    r = session_->signOff(c.arg2, c.arg, now_ns);
  } else if (n == "ack_alarm") {
    const auto& user = session_->user();
    if (!user) {
      r.outcome = "rejected";
      r.message = {"log in to acknowledge alarms", "identifiez-vous pour acquitter les alarmes"};
    } else {
      auto st = alarms_->acknowledge(c.arg, user->name, procedure::toString(user->role), now_ns);
      r.accepted = st.ok();
      r.outcome = st.ok() ? "acknowledged" : "rejected";
      if (!st.ok()) r.message = {st.error().message, st.error().message};
    }
  } else if (n == "language" || n == "text_scale" || n == "high_contrast") {
    ui::UiSettings s = overlay_->settings();
    if (n == "language") s.language = c.arg == "en" ? Language::En : Language::Fr;
    if (n == "text_scale") s.text_scale = std::clamp(static_cast<float>(std::atof(c.arg.c_str())), 0.5f, 3.0f);
    if (n == "high_contrast") s.high_contrast = c.arg == "1";
    auto st = overlay_->applySettings(s);
    r.accepted = st.ok();
    r.outcome = st.ok() ? "settings" : "rejected";
    if (!st.ok()) r.message = {st.error().describe(), st.error().describe()};
    if (overlay_->takeFontsChanged()) {
      renderer_->shutdownUi();
      if (auto ui = renderer_->initUi(); !ui.ok()) r.message = {ui.error().describe(), ui.error().describe()};
    }
  } else if (n == "repeat") {
    r.accepted = true;
    r.outcome = "repeat";
  } else {
    r.outcome = "unknown";
  }
  if (n != "login_user" && n != "language" && n != "text_scale" && n != "high_contrast" && n != "logout") feedback(r);
  followLockout(r);
  return recordOf(c, r);
}

core::Result<RenderRecord> Assistant::render(const DisplayFrame& frame, const ui::Input& input, std::int64_t now_ns,
                                             double dt_s) {
  RenderRecord rec;
  if (!frame.should_render) return rec;
  core::Stopwatch watch;
  const auto commands = overlay_->frame(overlayModel(now_ns), input, frame.ui_width, frame.ui_height, dt_s);
  rec.ui_ms = watch.elapsedMs();
  if (!commands.empty()) {
    watch.reset();
    for (const auto& c : commands) rec.commands.push_back(handle(c, now_ns));
    rec.session_ms = watch.elapsedMs();
    // The frame shows what the commands did (never a stale panel after a press).
    watch.reset();
    overlay_->frame(overlayModel(now_ns), ui::Input{input.pointer_valid, input.x, input.y, input.pointer_down, 0, {}, {}, {}},
                    frame.ui_width, frame.ui_height, 0);
    rec.ui_ms += watch.elapsedMs();
  }
  rec.screen = screenName();
  rec.step_id = stepId();
  rec.gate = gateName(now_ns);
  rec.gate_reason = gateReason(now_ns);
  rec.user = session_->user() ? session_->user()->name : "";
  rec.data_ok = dataOk(now_ns);

  watch.reset();
  render::FrameDesc desc;
  bool world_views = false;
  for (const auto& view : frame.views) {
    if (background_dirty_ && background_.width > 0 && view.background && !view.ui_only) {
      if (auto st = renderer_->setBackground(view.target, background_); !st.ok()) return st.error();
    }
    const core::Pose T_view_machine =
        view.T_view_world ? *view.T_view_world * anchor_.pose() : view.T_view_camera * track_.T_camera_machine;
    world_views = world_views || view.T_view_world.has_value();
    render::ViewSetup setup{core::Mat4f::fromPose(T_view_machine), view.projection, view.target};
    setup.ui_only = view.ui_only;
    setup.no_ui = !view.ui;
    desc.views.push_back(setup);
  }
  background_dirty_ = false;
  desc.part_styles = partStyles();
  // Good verdict: the model as the step styles it. Degraded: every part ghosted (nothing highlighted where it may
  // not be). Not tracked: background and UI only. Headset eyes draw at the world anchor, which only good verdicts
  // move, and keep it while no marker is in view.
  const bool degraded = !track_.tracked && track_.registration.state == tracking::RegistrationState::Degraded;
  const bool placed = world_views ? anchor_.valid() : (track_.tracked || degraded);
  desc.model_visible = placed && session_->stage() == session::Stage::Running;
  if (degraded && !world_views) std::fill(desc.part_styles.begin(), desc.part_styles.end(), render::PartStyle::Ghost);
  desc.draw_ui = true;  // into the UI texture, then over each view (a headset will place it as a world quad)
  desc.ui_width = frame.ui_width;
  desc.ui_height = frame.ui_height;
  if (auto st = renderer_->renderFrame(desc); !st.ok()) return st.error();
  rec.render_ms = watch.elapsedMs();
  return rec;
}

std::vector<render::PartStyle> Assistant::partStyles() const {
  std::vector<render::PartStyle> styles(model_.parts.size(), render::PartStyle::Normal);
  const procedure::Engine* engine = session_->engine();
  if (engine == nullptr) return styles;
  const procedure::StepView view = engine->view();
  if (view.finished) return styles;
  for (const auto& id : view.ghost_parts) {
    if (int i = model_.findPart(id); i >= 0) styles[static_cast<size_t>(i)] = render::PartStyle::Ghost;
  }
  for (const auto& id : view.highlight_parts) {
    if (int i = model_.findPart(id); i >= 0) styles[static_cast<size_t>(i)] = render::PartStyle::Highlight;
  }
  return styles;
}

ui::OverlayModel Assistant::overlayModel(std::int64_t now_ns) const {
  const Language lang = overlay_->settings().language;
  ui::OverlayModel m;
  m.tracking.tracked = track_.tracked;
  m.tracking.markers_seen = static_cast<int>(track_.marker_ids.size());
  m.tracking.markers_in_map = static_cast<int>(pack_.marker_map.markers.size());
  m.tracking.reprojection_rms_px = track_.reprojection_rms_px;
  m.tracking.registration_error_mm = track_.registration_error_mm;
  m.tracking.frames_since_seen = track_.frames_since_seen;
  m.tracking.ambiguous = !track_.tracked && track_.ambiguous;
  m.tracking.world_anchored = !track_.tracked && anchor_.valid();
  m.tracking.degraded = !track_.tracked && track_.registration.state == tracking::RegistrationState::Degraded;
  m.tracking.rejected = !track_.tracked && !track_.ambiguous && !track_.marker_ids.empty() &&
                        track_.registration.state == tracking::RegistrationState::NotTracked;
  if (!track_.tracked) m.tracking.registration_error_mm = track_.registration.registration_error_mm;
  m.tracking.registration_reason = track_.registration.reason;

  if (const auto& user = session_->user()) {
    m.user = user->name;
    m.role = tr(lang, std::string("role_") + procedure::toString(user->role));
  }
  m.work_order = session_->workOrder();
  if (source_) {
    const auto status = source_->status();
    if (!status.connected) {
      m.data_banner = tr(lang, status.connection_losses > 0 || !status.last_error.empty() ? "broker_down" : "broker_connecting");
    }
  }
  switch (session_->stage()) {
    case session::Stage::Login: {
      m.screen = ui::Screen::Login;
      for (const auto& u : session_->users()) m.login.users.push_back(u.name);
      m.login.selected = selected_user_;
      m.login.message = login_message_;
      m.login.badge_scanning = options_.step_every_frames <= 0;
      break;
    }
    case session::Stage::Choose: {
      m.screen = ui::Screen::Orders;
      for (const auto& o : session_->orders()) {
        const procedure::Procedure* p = library_.find(o.procedure_id);
        m.orders.orders.push_back({o.number, o.asset, o.procedure_id, o.title.empty() && p ? p->title.get(lang) : o.title,
                                   o.priority, o.due});
      }
      for (const auto& p : library_.all()) m.orders.procedures.emplace_back(p.id, p.title.get(lang));
      if (!feedback_.empty() && feedback_error_) m.orders.message = feedback_.get(lang);
      break;
    }
    default:
      m.screen = ui::Screen::Step;
      fillStep(m, now_ns);
      break;
  }

  for (const auto& b : bindings_.tags) {
    ui::TagRow row;
    row.label = tags::tagLabel(b, lang);
    const auto value = store_->get(b.id);
    row.freshness = uiFreshness(store_->freshness(b.id, now_ns));
    if (value) row.value_text = tags::formatValue(*value, b, lang);
    row.age_s = static_cast<double>(store_->ageMs(b.id, now_ns).value_or(0)) / 1000.0;
    for (const auto& alarm : alarms_->shown()) {
      if (alarm.tag_id == b.id && alarm.active) {
        row.alarm = true;
        row.alarm_text = lang == Language::Fr ? alarm.message_fr : alarm.message_en;
      }
    }
    m.tags.push_back(std::move(row));
  }
  for (const auto& alarm : alarms_->shown()) {
    const std::string& text = lang == Language::Fr ? alarm.message_fr : alarm.message_en;
    char value[64];
    std::snprintf(value, sizeof value, " (%.1f)", alarm.value);
    const std::string line = std::string(tags::severityText(alarm.severity, lang)) + " \u2014 " + text + value;
    if (alarm.active) m.alarms.push_back(line);
    // The overlay shows the severity itself (symbol, word, colour).
    const ui::AlarmSeverity severity = alarm.severity == tags::Severity::Critical ? ui::AlarmSeverity::Critical
                                       : alarm.severity == tags::Severity::Info   ? ui::AlarmSeverity::Info
                                                                                  : ui::AlarmSeverity::Warning;
    m.alarm_rows.push_back({alarm.key, text + value, alarm.acknowledged,
                            session_->user().has_value() && !alarm.acknowledged, severity});
  }
  return m;
}

void Assistant::fillStep(ui::OverlayModel& m, std::int64_t now_ns) const {
  const Language lang = overlay_->settings().language;
  const procedure::Engine* engine = session_->engine();
  if (engine == nullptr) return;
  const procedure::Procedure& proc = engine->procedure();
  const procedure::StepView v = engine->view(now_ns);
  m.asset = proc.asset_id;
  ui::StepView& s = m.step;
  s.procedure_title = proc.title.get(lang);
  s.index = v.index;
  s.count = v.count;
  s.step_id = v.finished || v.aborted ? "" : v.step_id;
  s.kind = tr(lang, std::string("kind_") + procedure::toString(v.kind));
  s.title = v.title.get(lang);
  s.text = v.text.get(lang);
  s.finished = v.finished || v.aborted;
  s.aborted = v.aborted;
  // The pack's French/English part names (parts.yaml), else the CAD name, else the id the procedure gives.
  for (const auto& id : v.highlight_parts) {
    s.highlighted_parts.push_back(content::partDisplayName(pack_.part_names, model_, id, lang == Language::Fr ? "fr" : "en"));
  }
  for (const auto& p : v.isolation_points) {
    std::string label = p.point.id + " \u2014 " + p.point.name.get(lang);
    if (!p.point.lock.empty()) label += " (" + tr(lang, "lock") + " " + p.point.lock + ")";
    s.points.push_back({p.point.id, label, p.confirmed});
  }
  for (const auto& c : v.conditions) {
    const tags::TagBinding* b = bindings_.find(c.condition.tag);
    std::string line = b != nullptr ? tags::tagLabel(*b, lang) : c.condition.tag;
    line += " " + std::string(procedure::toString(c.condition.op)) + " " + fmtIn(c.condition.value, lang) + " " + c.condition.unit;
    if (c.value) line += "  (" + fmtIn(*c.value, lang) + ", " + fmtIn(static_cast<double>(c.age_ms) / 1000.0, lang) + " s)";
    if (c.state != procedure::GateState::Ok && !c.reason.empty()) line += " \u2014 " + c.reason.get(lang);
    s.checklist.push_back({line, c.state == procedure::GateState::Ok});
  }
  if (v.measurement) {
    const auto& spec = *v.measurement;
    std::string line = tr(lang, "nominal") + " " + fmtIn(spec.nominal, lang) + " " + spec.unit;
    if (!spec.instrument.empty()) line += "  \u00B7 " + spec.instrument;
    s.checklist.push_back({line, v.last_value && *v.last_value >= spec.min && *v.last_value <= spec.max});
    s.unit = spec.unit;
    s.tolerance = "[" + fmtIn(spec.min, lang) + " \u2026 " + fmtIn(spec.max, lang) + "]";
  }
  for (const auto& ppe : v.ppe) s.checklist.push_back({tr(lang, "ppe") + " : " + ppe.get(lang), false});
  for (const auto& c : v.choices) s.choices.push_back({c.id, c.label.get(lang), false});
  for (size_t i = 0; i < v.options.size(); ++i) s.answers.push_back({std::to_string(i), v.options[i].text.get(lang), false});
  // The gate line is for tag gates; any other refused action (out of tolerance, a check failed) is told once, by
  // the feedback line.
  if (v.kind == procedure::StepKind::TagGate) {
    s.gate = uiGate(v.gate);
    if (v.conditions.empty()) s.gate_reason = v.gate_reason.get(lang);
  }
  s.can_confirm = allows(v, procedure::Action::Confirm) && v.isolation_points.empty();
  s.can_pass_fail = allows(v, procedure::Action::Pass) || allows(v, procedure::Action::Fail);
  if (s.can_pass_fail) s.can_confirm = false;
  s.can_enter_value = allows(v, procedure::Action::EnterValue);
  s.can_sign_off = allows(v, procedure::Action::SignOff);
  s.can_back = allows(v, procedure::Action::Back);
  s.can_skip = allows(v, procedure::Action::Skip);
  s.can_abort = allows(v, procedure::Action::Abort);
  s.can_hint = allows(v, procedure::Action::Hint);
  for (auto a : v.allowed) {
    if (a != procedure::Action::Abort && a != procedure::Action::Back) s.actions.push_back(procedure::toString(a));
  }
  for (const auto& u : session_->signers()) s.signers.push_back(u.name);
  s.hint = v.hint.get(lang);
  if (!feedback_.empty() && (feedback_step_ == s.step_id || s.finished)) {
    s.feedback = feedback_.get(lang);
    s.feedback_is_error = feedback_error_;
  }
}

}  // namespace rivet::app
