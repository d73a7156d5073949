// The AR overlay's ImGui panels (procedure step, live tags, tracking state) drawn from plain view values.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rivet/core/result.hpp"
#include "rivet/core/text.hpp"

namespace rivet::ui {

using core::Language;

struct UiSettings {
  Language language = Language::Fr;
  float text_scale = 1.0f;      // 1.0 = 20 px at 720 p; users with low vision raise it (up to 3: panels then
                                // stack in one column and scroll, see docs/ACCESSIBILITY.md)
  bool high_contrast = false;   // opaque black panels, white text, yellow accents (text contrast >= 7:1)
  std::string font_path;        // TTF with Latin-1 + Latin Extended-A; empty = DejaVu Sans from fonts-dejavu-core
};

struct TrackingView {
  bool tracked = false;
  int markers_seen = 0;
  int markers_in_map = 0;
  double reprojection_rms_px = 0;
  double registration_error_mm = 0;
  int frames_since_seen = 0;
  // Not tracked because the only marker seen could be either of two orientations (tracking::TrackResult::ambiguous):
  // the banner says so and how to resolve it instead of "searching".
  bool ambiguous = false;
  // Registration verdict (tracking::RegistrationVerdict): degraded = usable but above the good limit (model
  // ghosted, error in mm shown); rejected = markers seen but the map does not fit them (not tracked).
  bool degraded = false;
  bool rejected = false;
  std::string registration_reason{};  // diagnosis in words, e.g. "marker 11 seems rotated 180° on the machine"
  // Headset: the model stays anchored in the room while no marker is in view (the banner says so, not "searching").
  bool world_anchored = false;
};

enum class GateState { None, Waiting, Open, Stale, Failed };

// One line of a step's checklist: an isolation point to lock, a live condition, a tolerance, a PPE item.
struct ChecklistItem {
  std::string text;
  bool done = false;      // drawn with a check mark; pending items with an empty box (never colour alone)
};

struct StepView {
  std::string procedure_title;
  int index = 0;                 // 0-based
  int count = 0;
  std::string kind;              // localised kind label, e.g. "Consignation" / "Lockout/tagout"
  std::string title;
  std::string text;
  std::vector<std::string> highlighted_parts;  // human part names
  std::vector<ChecklistItem> checklist;        // isolation points, gate conditions, measurement spec, PPE
  GateState gate = GateState::None;
  std::string gate_reason;
  std::vector<std::string> actions;            // localised, e.g. "Confirmer" (what the step accepts)
  bool finished = false;
  bool aborted = false;

  // What the technician can operate on this step (each becomes a button of at least 44 px).
  std::string step_id;                 // resets keypad entry and pickers when it changes
  struct Item {
    std::string id;                    // isolation point id, choice id, quiz option index
    std::string label;
    bool done = false;
  };
  std::vector<Item> points;            // lockout: one button per isolation point ("point:<id>")
  std::vector<Item> choices;           // decision ("choice:<id>")
  std::vector<Item> answers;           // quiz ("answer:<index>")
  bool can_confirm = false, can_pass_fail = false, can_enter_value = false, can_sign_off = false;
  bool can_back = false, can_skip = false, can_abort = false, can_hint = false;
  std::string unit;                    // measurement keypad: unit and tolerance shown beside the entry
  std::string tolerance;               // e.g. "[5.5 … 6.5]"
  std::vector<std::string> signers;    // sign-off: users whose role may sign (the logged-in one first)
  std::string hint;
  std::string feedback;                // last rejection or result ("Hors tolérance : 7.2 > 6.5")
  bool feedback_is_error = false;
};

enum class Freshness { Fresh, Stale, Missing, Bad };

struct TagRow {
  std::string label;        // localised
  std::string value_text;   // formatted value with unit
  Freshness freshness = Freshness::Missing;
  double age_s = 0;
  bool alarm = false;
  std::string alarm_text;
};

enum class AlarmSeverity { Info, Warning, Critical };

struct AlarmRow {
  std::string key;   // what "ack:<key>" names
  std::string text;  // localised message; the overlay puts the severity's symbol and word before it
  bool acknowledged = false;
  bool can_ack = false;  // the logged-in user's role may acknowledge it
  AlarmSeverity severity = AlarmSeverity::Warning;
};

enum class Screen { Login, Orders, Step };

struct LoginView {
  std::vector<std::string> users;  // names to pick from
  std::string selected;            // user whose PIN the keypad takes
  std::string message;             // "PIN incorrect (2 essais restants)"
  bool badge_scanning = true;      // a badge QR shown to the camera also logs in
};

struct OrderRow {
  std::string number, asset, procedure_id, title, priority, due;
};

struct OrdersView {
  std::vector<OrderRow> orders;                               // the CMMS import, may be empty
  std::vector<std::pair<std::string, std::string>> procedures;  // (id, title) to start without a work order
  std::string message;
};

struct OverlayModel {
  Screen screen = Screen::Step;
  LoginView login;
  OrdersView orders;
  std::string user;           // logged-in user, shown with the role
  std::string role;           // localised role
  std::string data_banner;    // degraded mode, e.g. "Courtier injoignable — valeurs périmées" (empty = all good)
  std::vector<AlarmRow> alarm_rows;  // with acknowledgement buttons
  TrackingView tracking;
  StepView step;
  std::vector<TagRow> tags;
  std::vector<std::string> alarms;  // active alarms, most severe first, localised ("Bearing temperature high: 74 °C")
  std::string asset;          // e.g. "Cellule 3 — robot FER"
  std::string work_order;     // CMMS work order number, may be empty
};

// One frame of user input, whatever produced it (mouse, touch, headset ray hit on the UI quad, script, voice).
struct Input {
  bool pointer_valid = false;
  float x = 0, y = 0;           // pointer in UI pixels (top-left origin)
  bool pointer_down = false;    // primary button / pinch held
  float scroll = 0;             // wheel steps, positive = up
  std::string text;             // typed characters (UTF-8): digits, '.', '-' go into an open keypad
  std::vector<std::string> keys;      // "Enter", "Space", "Backspace", "Delete", "Escape", "Tab", "Up", "Down",
                                      // "PageUp", "PageDown" (ui::applyKey maps a keyboard onto this)
  std::vector<std::string> commands;  // named: next, back, repeat, confirm, pass, fail (shortcuts, voice)
};

// What the user asked for this frame; the app turns it into engine events, logins, settings.
// names: login_user(user) pin(digits) logout order(number) procedure(id) confirm pass fail point(id) value(text)
// choose(id) answer(index) hint back skip(reason) abort(reason) sign_off(pin, signer) ack_alarm(key)
// language(fr|en) text_scale(number) high_contrast(0|1) new_session repeat
struct Command {
  std::string name;
  std::string arg;
  std::string arg2;
};

struct WidgetRect {
  float x = 0, y = 0, w = 0, h = 0;
  [[nodiscard]] float cx() const { return x + w / 2; }
  [[nodiscard]] float cy() const { return y + h / 2; }
};

inline constexpr float kMinTargetPx = 44.0f;  // smallest touch target (WCAG 2.5.5)

// A region of a panel whose content scrolls (step text, live values, alarms, lists) when it is taller than the
// room it has; the overlay then shows scroll buttons beside it (pointer, gaze dwell) and PageUp/PageDown and the
// keyboard focus scroll it too.
struct ScrollView {
  WidgetRect viewport;    // the visible part, in UI pixels
  float content_h = 0;    // the whole content's height
  float scroll = 0;       // how far it is scrolled, 0 = top
  [[nodiscard]] bool clipped() const { return content_h > viewport.h + 0.5f; }
};
// Owns the ImGui context (fonts, style). One per app; the renderer's UI pass draws what frame() produced.
class Overlay {
 public:
  static core::Result<std::unique_ptr<Overlay>> create(const UiSettings& settings);
  ~Overlay();
  Overlay(const Overlay&) = delete;
  Overlay& operator=(const Overlay&) = delete;

  // Builds this frame's panels for a target of width x height pixels and finalises the ImGui draw data.
  void frame(const OverlayModel& model, int width, int height, double dt_s);
  // Same, fed with this frame's input; returns what the user asked for.
  std::vector<Command> frame(const OverlayModel& model, const Input& input, int width, int height, double dt_s);
  [[nodiscard]] const UiSettings& settings() const { return settings_; }
  // Language and contrast switch at once; a new text scale rebuilds the font atlas (fontsChanged() then says the
  // renderer must upload it again).
  core::Status applySettings(const UiSettings& settings);
  bool takeFontsChanged();
  // Interactive widgets of the last frame, by name ("confirm", "key:7", "point:LOTO-1"), in UI pixels.
  [[nodiscard]] std::optional<WidgetRect> widget(const std::string& name) const;
  [[nodiscard]] const std::map<std::string, WidgetRect>& widgets() const { return widgets_; }
  // The panels shown in the last frame, in UI pixels: "tracking" (top banner), "data_banner" (live data lost),
  // "step" (the step card), "login", "orders", "tags" (live values), "alarms", "settings", and with large text
  // "views" (the buttons choosing which panel fills the screen: "view:main", "view:tags", "view:alarms").
  [[nodiscard]] const std::map<std::string, WidgetRect>& panels() const { return panels_; }
  // Scrolling regions of the last frame by name ("step", "tags", "alarms", "login", "orders", "settings", and with
  // large text "banner", "data").
  [[nodiscard]] const std::map<std::string, ScrollView>& scrollViews() const { return scroll_views_; }
  // True when the panels are stacked in one column (large text on a narrow screen) instead of side by side.
  [[nodiscard]] bool stacked() const { return stacked_; }
  // The control the keyboard focus is on (Tab/Down, Up move it; Enter or Space press it), "" for none.
  [[nodiscard]] const std::string& focused() const { return focus_; }
  [[nodiscard]] bool settingsOpen() const { return settings_open_; }
  [[nodiscard]] const std::string& keypadEntry() const { return entry_; }
  // Vertex count of the last frame's draw data (tests, diagnostics).
  [[nodiscard]] int lastVertexCount() const;

 private:
  explicit Overlay(UiSettings settings) : settings_(std::move(settings)) {}
  core::Status buildFonts();
  void buildPass(const OverlayModel& model, const Input* input, int width, int height, double dt_s,
                 std::vector<Command>* out);
  bool button(const std::string& name, const std::string& label, float width = 0, bool enabled = true);
  [[nodiscard]] float buttonWidth(const std::string& label) const;
  void sameLineIfFits(float next_width);
  [[nodiscard]] float regionRight() const;
  [[nodiscard]] float availableWidth() const;
  void beginScrollArea(const std::string& id, float max_h, float width = 0);
  void endScrollArea();
  bool scrollButton(const std::string& name, int direction, float size_px);
  void beginPanel(const char* name, float x, float y, float width, float height, float pivot_x, float pivot_y,
                  bool interactive, bool opaque = false, bool alarm_border = false);
  void endPanel(const char* key);
  void trackingBanner(const OverlayModel& model, std::vector<Command>* out);
  void tagsPanel(const OverlayModel& model);
  void alarmsPanel(const OverlayModel& model, std::vector<Command>* out);
  void identityLine(const OverlayModel& model);
  void stackTabs(const OverlayModel& model, bool tags, bool alarms, int unacknowledged);
  void moveFocus(int step);
  void keypad(const std::string& prefix, bool mask, std::vector<Command>* out, const Command& submit);
  void stepPanel(const OverlayModel& model, std::vector<Command>* out);
  void stepControls(const OverlayModel& model, std::vector<Command>* out);
  void loginPanel(const OverlayModel& model, std::vector<Command>* out);
  void ordersPanel(const OverlayModel& model, std::vector<Command>* out);
  void settingsPanel(const OverlayModel& model, std::vector<Command>* out);
  void handleNamedCommands(const OverlayModel& model, const Input& input, std::vector<Command>* out);

  UiSettings settings_;
  std::map<std::string, WidgetRect> widgets_, pass_widgets_, panels_, pass_panels_;
  bool record_widgets_ = false;
  bool fonts_changed_ = false;
  bool settings_open_ = false;
  std::string entry_;          // keypad digits (value, PIN)
  std::string entry_owner_;    // step id / screen the entry belongs to
  // Step card layout, measured on the previous pass: the text scrolls, the controls stay on screen while they
  // fit in the card with three lines of text; otherwise they scroll with the text.
  float card_max_h_ = 0, controls_h_ = 0;
  struct AreaState {
    float content_h = 0, scroll = 0;
  };
  struct OpenArea {
    std::string id;
    float x = 0, y = 0, w = 0, h = 0, bar_w = 0, max_before_x = 0, max_before_y = 0;
    bool measuring = false, clipped = false;
  };
  std::map<std::string, AreaState> areas_;
  std::vector<OpenArea> open_areas_;
  std::map<std::string, ScrollView> scroll_views_, pass_scroll_views_;
  std::string main_area_;      // the area PageUp/PageDown scroll (step text, login, orders, settings)
  bool stacked_ = false;
  std::string stack_view_ = "main";  // stacked layout: "main" (login, orders, step), "tags" or "alarms"
  bool first_pass_ = false;    // the pass that takes this frame's input (focus activation happens there)
  // Keyboard focus: the control Tab/Up/Down selected; Enter/Space press it on the input pass.
  std::string focus_;
  bool activate_focus_ = false;
  bool focus_moved_ = false;
  std::vector<std::string> order_, pass_order_;
  Screen last_screen_ = Screen::Step;
  std::string picker_;         // "skip" / "abort" / "sign_off" while its reason list or PIN pad is open
  std::string signer_;         // sign-off: chosen signer
  std::string last_step_;
  float scale_ = 1.0f;
  void* context_ = nullptr;  // ImGuiContext*, kept opaque so this header sees no third-party type
};

// Fixed UI strings in the chosen language ("searching", "tracked", "stale", ...). Unknown keys return the key.
std::string_view tr(Language language, std::string_view key);

}  // namespace rivet::ui
