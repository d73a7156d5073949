// The overlay states the accessibility tests look at, in French or English, and pressing controls to reach them.
#include "a11y_scenarios.hpp"

#include <optional>

namespace rivet::ui::test {
namespace {

bool fr(Language l) { return l == Language::Fr; }

OverlayModel base(Language l) {
  OverlayModel m;
  m.screen = Screen::Step;
  m.tracking = {true, 3, 4, 0.4, 1.2, 0};
  m.user = "jdupont";
  m.role = std::string(tr(l, "role_technician"));
  m.asset = fr(l) ? "Cellule 3 \u2014 robot FER" : "Cell 3 \u2014 FER robot";
  m.work_order = "WO-4711";
  StepView& s = m.step;
  s.procedure_title = fr(l) ? "Remplacer les doigts de la pince" : "Replace the gripper fingers";
  s.step_id = "s3";
  s.index = 2;
  s.count = 12;
  s.kind = std::string(tr(l, "kind_check"));
  s.title = fr(l) ? "V\u00e9rifier l'absence d'\u00e9nergie" : "Check that no energy is left";
  s.text = fr(l) ? "Contr\u00f4lez que la pression d'air est \u00e0 0 bar et que le contacteur g\u00e9n\u00e9ral est "
                   "ouvert. D\u00e9posez l'\u0153illet de la pince avant de d\u00e9visser les doigts."
                 : "Check that the air pressure is 0 bar and the main contactor is open. Remove the gripper's "
                   "eyelet before unscrewing the fingers.";
  s.highlighted_parts = {fr(l) ? "Pince" : "Gripper", fr(l) ? "Doigt gauche" : "Left finger"};
  s.can_back = true;
  s.can_hint = true;
  s.can_skip = true;
  s.can_abort = true;
  m.tags = {
      {fr(l) ? "Pression d'air" : "Air pressure", "0.0 bar", Freshness::Fresh, 0.2, false, ""},
      {fr(l) ? "Temp\u00e9rature roulement" : "Bearing temperature", "74 \u00b0C", Freshness::Fresh, 0.4, true,
       fr(l) ? "Temp\u00e9rature haute" : "Temperature high"},
      {fr(l) ? "Vitesse axe 1" : "Axis 1 speed", "0 tr/min", Freshness::Stale, 12, false, ""},
      {fr(l) ? "Couple axe 2" : "Axis 2 torque", "", Freshness::Missing, 0, false, ""},
      {fr(l) ? "Contacteur g\u00e9n\u00e9ral" : "Main contactor", fr(l) ? "ouvert" : "open", Freshness::Bad, 0.1,
       false, ""},
  };
  m.alarm_rows = {
      {"air_low", fr(l) ? "Pression d'air trop basse : la pince peut l\u00e2cher la pi\u00e8ce (0.3)"
                        : "Air pressure too low: the gripper may drop the part (0.3)",
       false, true, AlarmSeverity::Critical},
      {"bearing_hot", fr(l) ? "Temp\u00e9rature roulement haute (74.0)" : "Bearing temperature high (74.0)", true,
       false, AlarmSeverity::Warning},
      {"filter_due", fr(l) ? "Filtre \u00e0 remplacer sous 10 jours (10.0)" : "Filter due in 10 days (10.0)", false,
       true, AlarmSeverity::Info},
  };
  for (const auto& a : m.alarm_rows) {
    if (!a.acknowledged) m.alarms.push_back(a.text);
  }
  return m;
}

}  // namespace

std::vector<Scenario> scenarios(Language l) {
  std::vector<Scenario> out;
  {
    Scenario s{"login_users", base(l), {}, ""};
    s.model.screen = Screen::Login;
    s.model.user.clear();
    s.model.login.users = {"amartin", "jdupont", "technicien"};
    s.model.alarm_rows.clear();
    s.model.alarms.clear();
    s.model.tracking = {};
    out.push_back(s);
  }
  {
    Scenario s{"login_pin", base(l), {}, ""};
    s.model.screen = Screen::Login;
    s.model.user.clear();
    s.model.login.users = {"amartin", "jdupont"};
    s.model.login.selected = "jdupont";
    s.model.login.message = std::string(tr(l, "pin_wrong"));
    s.model.tracking = {};
    out.push_back(s);
  }
  {
    Scenario s{"orders", base(l), {}, ""};
    s.model.screen = Screen::Orders;
    s.model.orders.orders = {{"WO-4711", "FER-3", "robot-cell3-loto", fr(l) ? "Remplacer les doigts" : "Replace fingers", "P1", "2025-03-01"},
                             {"WO-4712", "FER-3", "robot-cell3-check", "", "P3", ""}};
    s.model.orders.procedures = {{"robot-cell3-loto", fr(l) ? "Consignation de la cellule 3" : "Lock out cell 3"},
                                 {"robot-cell3-check", fr(l) ? "Contr\u00f4le hebdomadaire" : "Weekly check"}};
    s.model.orders.message = fr(l) ? "Ordre WO-4713 : proc\u00e9dure inconnue" : "Order WO-4713: unknown procedure";
    out.push_back(s);
  }
  {
    Scenario s{"step_lockout_waiting", base(l), {}, ""};
    StepView& st = s.model.step;
    st.kind = std::string(tr(l, "kind_lockout"));
    st.points = {{"LOTO-1", fr(l) ? "LOTO-1 \u2014 Sectionneur principal Q1 (cadenas 12)" : "LOTO-1 \u2014 Main isolator Q1 (lock 12)", true},
                 {"LOTO-2", fr(l) ? "LOTO-2 \u2014 Vanne d'air V3" : "LOTO-2 \u2014 Air valve V3", false}};
    st.checklist = {{fr(l) ? "Pression d'air < 0.1 bar  (0.0, 0.2 s)" : "Air pressure < 0.1 bar  (0.0, 0.2 s)", true},
                    {std::string(tr(l, "ppe")) + (fr(l) ? "gants isolants" : "insulating gloves"), false}};
    st.gate = GateState::Waiting;
    st.gate_reason = fr(l) ? "Vitesse axe 1 = 0 attendue" : "Axis 1 speed = 0 expected";
    out.push_back(s);
  }
  {
    Scenario s{"step_check_open", base(l), {}, ""};
    s.model.tracking.tracked = false;
    s.model.tracking.degraded = true;
    s.model.tracking.registration_error_mm = 24;
    s.model.tracking.registration_reason = fr(l) ? "le marqueur 11 semble tourn\u00e9 de 180\u00b0" : "marker 11 seems rotated 180\u00b0";
    StepView& st = s.model.step;
    st.gate = GateState::Open;
    st.can_pass_fail = true;
    st.hint = fr(l) ? "Le manom\u00e8tre est sous le capot gauche." : "The gauge is under the left cover.";
    st.feedback = std::string(tr(l, "resumed"));
    out.push_back(s);
  }
  {
    Scenario s{"step_stale_data_lost", base(l), {}, ""};
    s.model.tracking = {false, 0, 4, 0, 0, 40};
    s.model.data_banner = std::string(tr(l, "broker_down"));
    for (auto& t : s.model.tags) t.freshness = Freshness::Stale, t.age_s = 42, t.alarm = false;
    StepView& st = s.model.step;
    st.kind = std::string(tr(l, "kind_tag_gate"));
    st.gate = GateState::Stale;
    st.gate_reason = fr(l) ? "Donn\u00e9e vieille de 42 s (max 5 s)" : "Value 42 s old (max 5 s)";
    st.checklist = {{fr(l) ? "Vitesse axe 1 = 0 tr/min" : "Axis 1 speed = 0 rpm", false}};
    out.push_back(s);
  }
  {
    Scenario s{"step_measure_failed", base(l), {}, ""};
    s.model.tracking = {false, 1, 4, 0, 0, 0};
    s.model.tracking.ambiguous = true;
    StepView& st = s.model.step;
    st.kind = std::string(tr(l, "kind_measurement"));
    st.gate = GateState::Failed;
    st.gate_reason = fr(l) ? "Pression d'air 0.4 bar > 0.1 bar" : "Air pressure 0.4 bar > 0.1 bar";
    st.can_enter_value = true;
    st.unit = "N\u00b7m";
    st.tolerance = "[5.5 \u2026 6.5]";
    st.feedback = fr(l) ? "Hors tol\u00e9rance : 7.2 > 6.5" : "Out of tolerance: 7.2 > 6.5";
    st.feedback_is_error = true;
    st.checklist = {{std::string(tr(l, "nominal")) + " 6.0 N\u00b7m  \u00b7 " + (fr(l) ? "cl\u00e9 dynamom\u00e9trique" : "torque wrench"), false}};
    out.push_back(s);
  }
  {
    Scenario s{"step_sign_off", base(l), {"sign_off"}, ""};
    s.model.tracking = {false, 0, 4, 0, 0, 30};
    s.model.tracking.world_anchored = true;
    StepView& st = s.model.step;
    st.kind = std::string(tr(l, "kind_sign_off"));
    st.can_sign_off = true;
    st.signers = {"jdupont", "amartin"};
    out.push_back(s);
  }
  {
    Scenario s{"step_skip_reasons", base(l), {"skip"}, ""};
    s.model.tracking = {false, 2, 4, 0, 0, 0};
    s.model.tracking.rejected = true;
    s.model.tracking.registration_reason = fr(l) ? "le marqueur 11 semble tourn\u00e9 de 180\u00b0" : "marker 11 seems rotated 180\u00b0";
    s.model.step.can_confirm = true;
    out.push_back(s);
  }
  {
    Scenario s{"step_choice", base(l), {}, ""};
    StepView& st = s.model.step;
    st.kind = std::string(tr(l, "kind_decision"));
    st.choices = {{"worn", fr(l) ? "Doigts us\u00e9s : les remplacer" : "Fingers worn: replace them", false},
                  {"ok", fr(l) ? "Doigts en bon \u00e9tat" : "Fingers in good condition", false}};
    out.push_back(s);
  }
  {
    Scenario s{"step_quiz", base(l), {}, ""};
    StepView& st = s.model.step;
    st.kind = std::string(tr(l, "kind_quiz"));
    st.answers = {{"0", fr(l) ? "Couper l'air puis l'\u00e9lectricit\u00e9" : "Cut the air, then the power", false},
                  {"1", fr(l) ? "Couper l'\u00e9lectricit\u00e9 puis l'air" : "Cut the power, then the air", false}};
    out.push_back(s);
  }
  {
    Scenario s{"settings", base(l), {"settings"}, ""};
    s.model.step.can_confirm = true;
    out.push_back(s);
  }
  {
    Scenario s{"step_hovered_button", base(l), {}, "pass"};  // a hovered control keeps its contrast
    s.model.step.can_pass_fail = true;
    s.model.step.gate = GateState::Open;
    out.push_back(s);
  }
  {
    Scenario s{"finished", base(l), {}, ""};
    s.model.step.finished = true;
    s.model.step.step_id.clear();
    s.model.step.feedback = std::string(tr(l, "signed_by")) + " jdupont";
    out.push_back(s);
  }
  {
    Scenario s{"aborted", base(l), {}, ""};
    s.model.step.finished = true;
    s.model.step.aborted = true;
    s.model.step.step_id.clear();
    out.push_back(s);
  }
  return out;
}

std::vector<Command> press(Overlay& overlay, const OverlayModel& model, const std::string& widget, int width,
                           int height, bool* found) {
  std::vector<Command> out;
  if (found != nullptr) *found = true;
  auto r = overlay.widget(widget);
  if (r) {
    Input in;
    in.pointer_valid = true;
    in.x = r->cx();
    in.y = r->cy();
    in.pointer_down = true;
    out = overlay.frame(model, in, width, height, 0.03);
    in.pointer_down = false;
    auto release = overlay.frame(model, in, width, height, 0.03);
    out.insert(out.end(), release.begin(), release.end());
    return out;
  }
  // Not on screen (scrolled away): the keyboard focus finds it and scrolls it into view.
  for (size_t i = 0; i < 200 && overlay.focused() != widget; ++i) {
    Input tab;
    tab.keys = {"Tab"};
    auto cmds = overlay.frame(model, tab, width, height, 0.03);
    out.insert(out.end(), cmds.begin(), cmds.end());
  }
  if (overlay.focused() != widget) {
    if (found != nullptr) *found = false;
    return out;
  }
  Input enter;
  enter.keys = {"Enter"};
  auto cmds = overlay.frame(model, enter, width, height, 0.03);
  out.insert(out.end(), cmds.begin(), cmds.end());
  return out;
}

void show(Overlay& overlay, const Scenario& scenario, int width, int height) {
  Input reset;  // close settings and pickers a previous scenario opened, drop the keyboard focus
  reset.keys = {"Escape", "Escape", "Escape"};
  overlay.frame(scenario.model, reset, width, height, 0.03);
  for (const auto& name : scenario.opens) press(overlay, scenario.model, name, width, height);
  Input last;
  if (auto r = scenario.hover.empty() ? std::nullopt : overlay.widget(scenario.hover)) {
    last.pointer_valid = true;
    last.x = r->cx();
    last.y = r->cy();
  }
  overlay.frame(scenario.model, last, width, height, 0.03);
}

}  // namespace rivet::ui::test
