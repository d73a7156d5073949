// Wiring of one AR assistant session: loads the pack, then per frame tracks, updates procedure and tags, renders.
#include "assistant.hpp"

#include <algorithm>
#include <cstdio>

#include "rivet/core/clock.hpp"
#include "rivet/core/log.hpp"
#include "rivet/procedure/procedure.hpp"
#include "rivet/tags/format.hpp"
#include "rivet/tracking/camera_io.hpp"

namespace rivet::app {
namespace {

constexpr double kNearM = 0.03;
constexpr double kFarM = 30.0;

procedure::Language procLang(ui::Language l) { return l == ui::Language::Fr ? procedure::Language::Fr : procedure::Language::En; }
tags::Language tagLang(ui::Language l) { return l == ui::Language::Fr ? tags::Language::Fr : tags::Language::En; }

std::string kindLabel(procedure::StepKind kind, ui::Language lang) {
  const bool fr = lang == ui::Language::Fr;
  switch (kind) {
    case procedure::StepKind::Instruction: return fr ? "Instruction" : "Instruction";
    case procedure::StepKind::Lockout: return fr ? "Consignation" : "Lockout/tagout";
    case procedure::StepKind::Check: return fr ? "Contr\u00f4le" : "Check";
    case procedure::StepKind::Measurement: return fr ? "Relev\u00e9 de mesure" : "Measurement";
    case procedure::StepKind::TagGate: return fr ? "V\u00e9rification en direct" : "Live check";
    case procedure::StepKind::Decision: return fr ? "D\u00e9cision" : "Decision";
    case procedure::StepKind::Call: return fr ? "Sous-proc\u00e9dure" : "Sub-procedure";
    case procedure::StepKind::SignOff: return fr ? "Visa" : "Sign-off";
    case procedure::StepKind::Quiz: return fr ? "Quiz" : "Quiz";
  }
  return "";
}

std::string actionLabel(procedure::Action a, ui::Language lang) {
  const bool fr = lang == ui::Language::Fr;
  switch (a) {
    case procedure::Action::Confirm: return fr ? "Confirmer" : "Confirm";
    case procedure::Action::Pass: return fr ? "Conforme" : "Pass";
    case procedure::Action::Fail: return fr ? "Non conforme" : "Fail";
    case procedure::Action::EnterValue: return fr ? "Saisir la valeur" : "Enter value";
    case procedure::Action::Choose: return fr ? "Choisir" : "Choose";
    case procedure::Action::Answer: return fr ? "R\u00e9pondre" : "Answer";
    case procedure::Action::SignOff: return fr ? "Viser" : "Sign off";
    case procedure::Action::Back: return fr ? "Retour" : "Back";
    case procedure::Action::Skip: return fr ? "Passer" : "Skip";
    case procedure::Action::Abort: return fr ? "Abandonner" : "Abort";
    case procedure::Action::Hint: return fr ? "Indice" : "Hint";
  }
  return "";
}

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

core::Result<procedure::Procedure> loadProcedure(const content::Pack& pack, const std::string& wanted_id) {
  std::vector<procedure::Procedure> library;
  for (const auto& file : pack.procedure_files) {
    auto text = content::readTextFile(file);
    if (!text.ok()) return text.error();
    auto parsed = procedure::parseProcedure(*text, file.string());
    if (!parsed.ok()) return parsed.error();
    library.push_back(std::move(*parsed));
  }
  if (library.empty()) {
    return core::makeError("the pack has no procedure", (pack.root / "procedures").string(),
                           "add a procedures/*.yaml file");
  }
  const procedure::Procedure* chosen = nullptr;
  for (const auto& p : library) {
    if (wanted_id.empty() ? p.type != "training" : p.id == wanted_id) {
      chosen = &p;
      break;
    }
  }
  if (chosen == nullptr) {
    std::string ids;
    for (const auto& p : library) ids += (ids.empty() ? "" : ", ") + p.id;
    return core::makeError("procedure '" + wanted_id + "' is not in the pack", pack.root.string(),
                           "choose one of: " + ids);
  }
  return procedure::resolveCalls(*chosen, library);
}

}  // namespace

core::Result<std::unique_ptr<Assistant>> Assistant::create(const AssistantOptions& options, Display& display,
                                                          int frame_width, int frame_height) {
  std::unique_ptr<Assistant> a(new Assistant());
  a->options_ = options;
  a->display_ = &display;

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
  a->camera_ = *camera;

  auto tracker = tracking::Tracker::create(a->pack_.marker_map, a->camera_);
  if (!tracker.ok()) return tracker.error();
  a->tracker_.emplace(std::move(*tracker));

  auto proc = loadProcedure(a->pack_, options.procedure_id);
  if (!proc.ok()) return proc.error();
  for (const auto& step : proc->steps) {
    for (const auto* list : {&step.highlight_parts, &step.ghost_parts}) {
      for (const auto& part : *list) {
        if (a->model_.findPart(part) < 0) {
          return core::makeError("step '" + step.id + "' names part '" + part + "' which the model does not have",
                                 proc->source, "use a part id of " + a->pack_.model_path.filename().string());
        }
      }
    }
  }
  a->engine_.emplace(std::move(*proc));

  if (!a->pack_.tags_file.empty()) {
    auto bindings = tags::loadBindings(a->pack_.tags_file);
    if (!bindings.ok()) return bindings.error();
    a->bindings_ = std::move(*bindings);
  }
  a->store_ = std::make_unique<tags::TagStore>(a->bindings_);
  const auto scenario = tags::parseScenario(options.scenario);
  if (!scenario) {
    return core::makeError("unknown plant scenario '" + options.scenario + "'", "--scenario",
                           "use one of " + std::string(tags::scenarioNames()));
  }
  tags::SimulatorOptions sim_options;
  sim_options.seed = options.seed;
  a->simulator_ = std::make_unique<tags::SimulatedSource>(a->bindings_, sim_options);
  a->epoch_ns_ = core::wallClockNs();
  a->simulator_->setScenario(*scenario, a->epoch_ns_);
  a->alarms_ = std::make_unique<tags::AlarmEngine>(a->bindings_);

  render::RendererOptions ropts;
  ropts.enable_validation = options.validation;
  auto renderer = render::Renderer::create(ropts);
  if (!renderer.ok()) return renderer.error();
  a->renderer_ = std::move(*renderer);
  if (auto st = a->renderer_->setModel(a->model_); !st.ok()) return st.error();

  auto overlay = ui::Overlay::create(options.ui);
  if (!overlay.ok()) return overlay.error();
  a->overlay_ = std::move(*overlay);
  if (auto st = a->renderer_->initUi(); !st.ok()) return st.error();

  if (auto st = display.attach(*a->renderer_, a->camera_); !st.ok()) return st.error();
  return a;
}

void Assistant::feedTags(std::int64_t now_ns) {
  simulator_->step(*store_, now_ns);
  for (const auto& event : alarms_->evaluate(*store_, now_ns)) {
    core::log::warn("alarm " + std::string(tags::toString(event.kind)) + ": " + event.alarm.key + " " +
                    event.alarm.message_en);
  }
  for (const auto& binding : bindings_.tags) {
    auto value = store_->get(binding.id);
    if (!value || !value->present) continue;
    auto number = tags::asNumber(value->value);
    if (!number) continue;
    procedure::Event e;
    e.type = procedure::EventType::Tag;
    e.time_ns = now_ns;
    e.tag = {binding.id, *number, procQuality(value->quality), value->source_time_ns};
    engine_->apply(e);
  }
}

void Assistant::autopilot(std::int64_t now_ns) {
  const procedure::StepView view = engine_->view(now_ns);
  if (view.finished || view.aborted) return;
  procedure::Event e;
  e.time_ns = now_ns;
  e.step_id = view.step_id;
  switch (view.kind) {
    case procedure::StepKind::Lockout: {
      e.type = procedure::EventType::Confirm;
      for (const auto& p : view.isolation_points) {
        if (!p.confirmed) {
          e.target = p.point.id;
          break;
        }
      }
      break;
    }
    case procedure::StepKind::Measurement:
      e.type = procedure::EventType::Value;
      e.value = view.measurement ? view.measurement->nominal : 0.0;
      break;
    case procedure::StepKind::Decision:
      e.type = procedure::EventType::Choose;
      if (!view.choices.empty()) e.target = view.choices.front().id;
      break;
    case procedure::StepKind::SignOff:
      e.type = procedure::EventType::SignOff;
      e.user = "preview";
      e.role = view.sign_roles.empty() ? procedure::Role::Technician : view.sign_roles.front();
      break;
    case procedure::StepKind::Quiz: {
      e.type = procedure::EventType::Answer;
      for (size_t i = 0; i < view.options.size(); ++i) {
        if (view.options[i].correct) e.answer = static_cast<int>(i);
      }
      break;
    }
    default:
      e.type = procedure::EventType::Confirm;
      e.passed = true;
      break;
  }
  const procedure::Transition t = engine_->apply(e);
  if (!t.accepted) core::log::debug("preview autopilot: step " + view.step_id + " not completed: " + t.reason.en);
  followLockout(t, now_ns);
}

// The built-in simulator stands in for the plant: when the technician completes the lockout step the cell's
// energies go to zero, and they come back once a later step removes the locks (a step whose id says so).
void Assistant::followLockout(const procedure::Transition& t, std::int64_t now_ns) {
  if (!t.accepted || t.from_step == t.to_step) return;
  const procedure::Procedure& proc = engine_->procedure();
  const int from = proc.indexOf(t.from_step);
  if (from < 0) return;
  const procedure::Step& left = proc.steps[static_cast<size_t>(from)];
  const bool removal = left.id.find("remov") != std::string::npos || left.id.find("restor") != std::string::npos ||
                       left.id.find("unlock") != std::string::npos;
  if (left.kind == procedure::StepKind::Lockout && !removal) {
    simulator_->setScenario(tags::Scenario::Lockout, now_ns);
  } else if (removal) {
    simulator_->setScenario(tags::Scenario::Normal, now_ns);
  }
}

std::vector<render::PartStyle> Assistant::partStyles() const {
  std::vector<render::PartStyle> styles(model_.parts.size(), render::PartStyle::Normal);
  const procedure::StepView view = engine_->view();
  if (view.finished) return styles;
  for (const auto& id : view.ghost_parts) {
    if (int i = model_.findPart(id); i >= 0) styles[static_cast<size_t>(i)] = render::PartStyle::Ghost;
  }
  for (const auto& id : view.highlight_parts) {
    if (int i = model_.findPart(id); i >= 0) styles[static_cast<size_t>(i)] = render::PartStyle::Highlight;
  }
  return styles;
}

ui::OverlayModel Assistant::overlayModel(const tracking::TrackResult& track, std::int64_t now_ns) const {
  const ui::Language lang = options_.ui.language;
  const procedure::Language plang = procLang(lang);
  ui::OverlayModel m;
  m.tracking.tracked = track.tracked;
  m.tracking.markers_seen = static_cast<int>(track.marker_ids.size());
  m.tracking.markers_in_map = static_cast<int>(pack_.marker_map.markers.size());
  m.tracking.reprojection_rms_px = track.reprojection_rms_px;
  m.tracking.registration_error_mm = track.registration_error_mm;
  m.tracking.frames_since_seen = track.frames_since_seen;
  m.tracking.ambiguous = !track.tracked && track.ambiguous;

  const procedure::Procedure& proc = engine_->procedure();
  const procedure::StepView v = engine_->view(now_ns);
  m.asset = proc.asset_id;
  m.step.procedure_title = proc.title.get(plang);
  m.step.index = v.index;
  m.step.count = v.count;
  m.step.kind = kindLabel(v.kind, lang);
  m.step.title = v.title.get(plang);
  m.step.text = v.text.get(plang);
  // The pack's French/English part names (parts.yaml), else the CAD name, else the id the procedure gives.
  for (const auto& id : v.highlight_parts) {
    m.step.highlighted_parts.push_back(
        content::partDisplayName(pack_.part_names, model_, id, lang == ui::Language::Fr ? "fr" : "en"));
  }
  for (const auto& p : v.isolation_points) {
    std::string line = p.point.id + " \u2014 " + p.point.name.get(plang);
    if (!p.point.lock.empty()) line += " (" + std::string(lang == ui::Language::Fr ? "cadenas " : "lock ") + p.point.lock + ")";
    m.step.checklist.push_back({line, p.confirmed});
  }
  for (const auto& c : v.conditions) {
    const tags::TagBinding* b = bindings_.find(c.condition.tag);
    std::string line = b != nullptr ? tags::tagLabel(*b, tagLang(lang)) : c.condition.tag;
    char buf[96];
    std::snprintf(buf, sizeof buf, " %s %g %s", procedure::toString(c.condition.op), c.condition.value,
                  c.condition.unit.c_str());
    line += buf;
    if (c.state != procedure::GateState::Ok && !c.reason.empty()) line += " \u2014 " + c.reason.get(plang);
    m.step.checklist.push_back({line, c.state == procedure::GateState::Ok});
  }
  if (v.measurement) {
    const auto& spec = *v.measurement;
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s %g %s  [%g \u2026 %g]%s%s", lang == ui::Language::Fr ? "Nominal" : "Nominal",
                  spec.nominal, spec.unit.c_str(), spec.min, spec.max, spec.instrument.empty() ? "" : "  \u00B7 ",
                  spec.instrument.c_str());
    m.step.checklist.push_back({buf, v.last_value.has_value()});
  }
  for (const auto& ppe : v.ppe) m.step.checklist.push_back({(lang == ui::Language::Fr ? "EPI : " : "PPE: ") + ppe.get(plang), false});
  m.step.gate = uiGate(v.gate);
  // With conditions listed, each line already says why it is not met.
  if (v.conditions.empty()) m.step.gate_reason = v.gate_reason.get(plang);
  for (auto a : v.allowed) {
    if (a == procedure::Action::Abort || a == procedure::Action::Back) continue;
    m.step.actions.push_back(actionLabel(a, lang));
  }
  m.step.finished = v.finished;

  for (const auto& b : bindings_.tags) {
    ui::TagRow row;
    row.label = tags::tagLabel(b, tagLang(lang));
    const auto value = store_->get(b.id);
    row.freshness = uiFreshness(store_->freshness(b.id, now_ns));
    if (value) row.value_text = tags::formatValue(*value, b, tagLang(lang));
    row.age_s = static_cast<double>(store_->ageMs(b.id, now_ns).value_or(0)) / 1000.0;
    for (const auto& alarm : alarms_->shown()) {
      if (alarm.tag_id == b.id && alarm.active) {
        row.alarm = true;
        row.alarm_text = lang == ui::Language::Fr ? alarm.message_fr : alarm.message_en;
      }
    }
    m.tags.push_back(std::move(row));
  }
  for (const auto& alarm : alarms_->shown()) {
    if (!alarm.active) continue;
    const std::string& text = lang == ui::Language::Fr ? alarm.message_fr : alarm.message_en;
    char value[64];
    std::snprintf(value, sizeof value, " (%.1f)", alarm.value);
    m.alarms.push_back(std::string(tags::severityText(alarm.severity, tagLang(lang))) + " \u2014 " + text + value);
  }
  return m;
}

core::Result<FrameRecord> Assistant::processFrame(const core::Image& image, std::int64_t capture_time_ns, int index,
                                                  const std::string& name) {
  if (image.width != camera_.width || image.height != camera_.height) {
    return core::makeError("frame is " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                               " but the calibration is for " + std::to_string(camera_.width) + "x" +
                               std::to_string(camera_.height),
                           name, "use the camera.yaml made for this camera and resolution");
  }
  FrameRecord rec;
  rec.frame = index;
  rec.file = name;
  const std::int64_t now_ns = epoch_ns_ + capture_time_ns;
  const double dt_s = last_frame_ns_ < 0 ? 1.0 / 30 : static_cast<double>(now_ns - last_frame_ns_) / 1e9;
  last_frame_ns_ = now_ns;

  core::Stopwatch watch;
  rec.track = tracker_->process(image, capture_time_ns);
  rec.tracking_ms = watch.elapsedMs();

  watch.reset();
  feedTags(now_ns);
  ++frame_counter_;
  if (options_.step_every_frames > 0 && frame_counter_ % options_.step_every_frames == 0) autopilot(now_ns);
  const procedure::StepView view = engine_->view(now_ns);
  rec.step_id = view.finished ? "" : view.step_id;
  rec.gate = procedure::toString(view.gate);
  if (view.index != last_step_index_) {
    if (view.finished) {
      core::log::info("procedure " + engine_->procedure().id + " finished");
    } else {
      core::log::info("step " + std::to_string(view.index + 1) + "/" + std::to_string(view.count) + ": " + view.title.en);
    }
    last_step_index_ = view.index;
  }
  rec.procedure_ms = watch.elapsedMs();

  watch.reset();
  overlay_->frame(overlayModel(rec.track, now_ns), camera_.width, camera_.height, dt_s);
  rec.ui_ms = watch.elapsedMs();

  watch.reset();
  const core::Image background = tracking::undistortImage(image, camera_);
  render::FrameDesc frame;
  for (int target : display_->targets()) {
    if (auto st = renderer_->setBackground(target, background); !st.ok()) return st.error();
    frame.views.push_back({core::Mat4f::fromPose(rec.track.T_camera_machine),
                           core::vulkanProjection(camera_, kNearM, kFarM), target});
  }
  frame.part_styles = partStyles();
  frame.model_visible = rec.track.tracked;
  frame.draw_ui = true;
  if (auto st = renderer_->renderFrame(frame); !st.ok()) return st.error();
  rec.render_ms = watch.elapsedMs();
  return rec;
}

}  // namespace rivet::app
