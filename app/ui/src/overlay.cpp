// Overlay panels with Dear ImGui: tracking banner, procedure step card and live-tag list, readable on a photo.
#include "rivet/ui/overlay.hpp"

#include <imgui.h>
#include <imgui_internal.h>

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <filesystem>

namespace rivet::ui {
namespace {

constexpr const char* kDefaultFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
constexpr const char* kDefaultBoldFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
constexpr float kBaseFontPx = 20.0f;
constexpr float kReferenceHeightPx = 720.0f;
// The step card and the live values sit side by side while the screen is at least this many body-text ems wide
// (text scale up to about 1.4 on 16:9); with larger text the panels stack in one full-width column instead, each
// scrolling its own content, so lines stay long enough to read and nothing overlaps or is cut.
constexpr float kTwoColumnMinEm = 44.0f;

// Latin-1, Latin Extended-A (œ, Œ…), typographic punctuation and the status symbols we draw (every state has a
// symbol of its own besides its word and colour; see docs/ACCESSIBILITY.md).
const ImWchar kGlyphRanges[] = {
    0x0020, 0x00FF, 0x0100, 0x017F, 0x2010, 0x2027, 0x2030, 0x203A, 0x20AC, 0x20AC, 0x2139, 0x2139,
    0x2190, 0x2193, 0x21C4, 0x21C4, 0x2205, 0x2205, 0x2212, 0x2212, 0x25B2, 0x25B2,
    0x25B6, 0x25B6, 0x25BC, 0x25BC, 0x25CB, 0x25CB, 0x25CF, 0x25D1, 0x25D4, 0x25D4, 0x25F7, 0x25F7, 0x26A0, 0x26A0,
    0x2713, 0x2717, 0,
};

// Colours of the overlay. State colours (ok, warn, bad, info) stay apart under simulated protanopia,
// deuteranopia and tritanopia (CIEDE2000 >= 15, Machado et al. 2009) and every text colour keeps 4.5:1 against
// the panel over a white photo (7:1 in high contrast); tests/ui measure both on rendered frames.
struct Palette {
  ImVec4 panel_bg, opaque_bg, text, dim_text, accent, ok, warn, bad, info, highlight;
  ImVec4 button, button_hovered, button_active, focus, row_alt;
};

Palette paletteFor(bool high_contrast) {
  if (high_contrast) {
    return {ImVec4(0, 0, 0, 1),           ImVec4(0, 0, 0, 1),          ImVec4(1, 1, 1, 1),
            ImVec4(0.9f, 0.9f, 0.9f, 1),  ImVec4(1, 0.92f, 0.1f, 1),   ImVec4(0.25f, 0.95f, 0.9f, 1),
            ImVec4(1, 0.92f, 0.2f, 1),    ImVec4(1, 0.55f, 0.5f, 1),   ImVec4(0.7f, 0.75f, 1, 1),
            ImVec4(1, 0.7f, 0.1f, 1),     ImVec4(0.1f, 0.1f, 0.1f, 1), ImVec4(0.3f, 0.3f, 0, 1),
            ImVec4(0.22f, 0.22f, 0, 1),   ImVec4(0.3f, 0.9f, 1, 1),    ImVec4(1, 1, 1, 0.07f)};
  }
  // Panels 90 % opaque: over a white or yellow photo the dimmest text colour still reads at 4.5:1.
  return {ImVec4(0.05f, 0.06f, 0.08f, 0.90f), ImVec4(0.05f, 0.06f, 0.08f, 1),  ImVec4(0.97f, 0.97f, 0.97f, 1),
          ImVec4(0.75f, 0.78f, 0.82f, 1),     ImVec4(0.55f, 0.78f, 1.0f, 1),   ImVec4(0.2f, 0.85f, 0.75f, 1),
          ImVec4(1.0f, 0.8f, 0.2f, 1),        ImVec4(1.0f, 0.47f, 0.47f, 1),   ImVec4(0.6f, 0.75f, 1.0f, 1),
          ImVec4(1.0f, 0.62f, 0.10f, 1),      ImVec4(0.16f, 0.32f, 0.55f, 1),  ImVec4(0.22f, 0.42f, 0.70f, 1),
          ImVec4(0.10f, 0.22f, 0.42f, 1),     ImVec4(1.0f, 0.85f, 0.2f, 1),    ImVec4(1, 1, 1, 0.05f)};
}

// How a state is shown: a symbol, a word (tr key) and a colour role, never the colour alone.
enum class Role { Ok, Warn, Bad, Info, Dim };
struct Look {
  const char* symbol;
  const char* word;
  Role role;
};

ImVec4 colourOf(const Palette& pal, Role role) {
  switch (role) {
    case Role::Ok: return pal.ok;
    case Role::Warn: return pal.warn;
    case Role::Bad: return pal.bad;
    case Role::Info: return pal.info;
    case Role::Dim: return pal.dim_text;
  }
  return pal.text;
}

Look gateLook(GateState g) {
  switch (g) {
    case GateState::None: break;
    case GateState::Open: return {"\u2713", "gate_open", Role::Ok};
    case GateState::Waiting: return {"\u25D4", "gate_waiting", Role::Warn};
    case GateState::Stale: return {"\u25F7", "gate_stale", Role::Bad};
    case GateState::Failed: return {"\u2717", "gate_failed", Role::Bad};
  }
  return {"", "", Role::Dim};
}

Look freshnessLook(Freshness f, bool alarm) {
  switch (f) {
    case Freshness::Fresh: return alarm ? Look{"\u26A0", "alarm", Role::Bad} : Look{"\u2713", "ok", Role::Ok};
    case Freshness::Stale: return {"\u25F7", "stale", Role::Bad};
    case Freshness::Missing: return {"\u2205", "missing", Role::Bad};
    case Freshness::Bad: return {"\u2717", "bad", Role::Bad};
  }
  return {"", "", Role::Dim};
}

Look severityLook(AlarmSeverity s) {
  switch (s) {
    case AlarmSeverity::Info: return {"\u2139", "sev_info", Role::Info};
    case AlarmSeverity::Warning: return {"\u26A0", "sev_warning", Role::Warn};
    case AlarmSeverity::Critical: return {"\u2716", "sev_critical", Role::Bad};
  }
  return {"", "", Role::Dim};
}

Look trackingLook(const TrackingView& t) {
  if (t.tracked) return {"\u25CF", "tracked", Role::Ok};
  if (t.degraded) return {"\u25D0", "degraded", Role::Warn};
  if (t.rejected) return {"\u2716", "registration_rejected", Role::Bad};
  if (t.world_anchored) return {"\u25D1", "world_anchored", Role::Ok};
  if (t.ambiguous) return {"\u21C4", "ambiguous", Role::Warn};
  return {"\u25CB", "searching", Role::Warn};
}

Look checklistLook(bool done) {
  return done ? Look{"\u2713", "item_done", Role::Ok} : Look{"\u25CB", "item_todo", Role::Warn};
}

ImGuiContext* ctx(void* p) { return static_cast<ImGuiContext*>(p); }

// Controls: the text's frame plus 9 px (at 720 p) of extra height, never under 44 px.
float buttonHeight() { return std::max(kMinTargetPx, ImGui::GetFrameHeight() + 9.0f * ImGui::GetIO().FontGlobalScale); }

// `label` with line breaks where it would pass `max_w` pixels in the current font (words kept whole when they fit).
std::string wrapLabel(const std::string& label, float max_w) {
  if (max_w <= 0 || ImGui::CalcTextSize(label.c_str()).x <= max_w) return label;
  ImFont* font = ImGui::GetFont();
  const float scale = ImGui::GetFontSize() / font->FontSize;
  std::string out;
  const char* s = label.c_str();
  const char* end = s + label.size();
  while (s < end) {
    const char* brk = font->CalcWordWrapPositionA(scale, s, end, max_w);
    while (brk < end && (static_cast<unsigned char>(*brk) & 0xC0) == 0x80) ++brk;  // whole UTF-8 characters
    if (brk <= s) brk = s + 1;
    const char* line_end = brk;
    while (line_end > s && (line_end[-1] == ' ' || line_end[-1] == '\n')) --line_end;
    if (!out.empty()) out += '\n';
    out.append(s, line_end);
    s = brk;
    while (s < end && (*s == ' ' || *s == '\t')) ++s;
    if (s < end && *s == '\n') ++s;
  }
  return out;
}

}  // namespace

core::Result<std::unique_ptr<Overlay>> Overlay::create(const UiSettings& settings) {
  UiSettings s = settings;
  if (s.font_path.empty()) s.font_path = kDefaultFont;
  if (!std::filesystem::exists(s.font_path)) {
    return core::makeError("font file not found", s.font_path,
                           "install fonts-dejavu-core (tools/setup/install-deps.sh) or pass another TTF font");
  }
  if (s.text_scale < 0.5f || s.text_scale > 3.0f) {
    return core::makeError("text scale " + std::to_string(s.text_scale) + " is out of range", "ui settings",
                           "use a value between 0.5 and 3");
  }
  std::unique_ptr<Overlay> overlay(new Overlay(s));
  overlay->scale_ = 1.0f;
  IMGUI_CHECKVERSION();
  ImGuiContext* context = ImGui::CreateContext();
  overlay->context_ = context;
  ImGui::SetCurrentContext(context);
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.LogFilename = nullptr;
  if (auto st = overlay->buildFonts(); !st.ok()) return st.error();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = s.high_contrast ? 0.0f : 8.0f;
  style.WindowPadding = ImVec2(14, 12);
  style.ItemSpacing = ImVec2(8, 6);
  style.FrameRounding = s.high_contrast ? 0.0f : 6.0f;
  style.FramePadding = ImVec2(12, 8);
  // Unavailable controls (the keypad's OK before a digit, a locked isolation point) stay readable: dimmed, not
  // faded below 4.5:1.
  style.DisabledAlpha = 0.8f;
  return overlay;
}

core::Status Overlay::buildFonts() {
  ImGui::SetCurrentContext(ctx(context_));
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  ImFontConfig config;
  config.OversampleH = 2;
  config.OversampleV = 2;
  const float px = kBaseFontPx * settings_.text_scale;
  const bool default_font = settings_.font_path == kDefaultFont;
  ImFont* body = io.Fonts->AddFontFromFileTTF(settings_.font_path.c_str(), px, &config, kGlyphRanges);
  const std::string bold_path = std::filesystem::exists(kDefaultBoldFont) && default_font ? std::string(kDefaultBoldFont)
                                                                                         : settings_.font_path;
  ImFont* title = io.Fonts->AddFontFromFileTTF(bold_path.c_str(), px * 1.45f, &config, kGlyphRanges);
  if (body == nullptr || title == nullptr || !io.Fonts->Build()) {
    return core::makeError("cannot load the font", settings_.font_path, "check that the file is a TrueType font");
  }
  return {};
}

core::Status Overlay::applySettings(const UiSettings& settings) {
  if (settings.text_scale < 0.5f || settings.text_scale > 3.0f) {
    return core::makeError("text scale " + std::to_string(settings.text_scale) + " is out of range", "ui settings",
                           "use a value between 0.5 and 3");
  }
  const bool rescale = settings.text_scale != settings_.text_scale;
  const std::string font = settings_.font_path;
  settings_ = settings;
  settings_.font_path = font;
  ImGui::SetCurrentContext(ctx(context_));
  ImGui::GetStyle().WindowRounding = settings_.high_contrast ? 0.0f : 8.0f;
  ImGui::GetStyle().FrameRounding = settings_.high_contrast ? 0.0f : 6.0f;
  if (rescale) {
    if (auto st = buildFonts(); !st.ok()) return st;
    fonts_changed_ = true;
  }
  return {};
}

bool Overlay::takeFontsChanged() {
  const bool changed = fonts_changed_;
  fonts_changed_ = false;
  return changed;
}

std::optional<WidgetRect> Overlay::widget(const std::string& name) const {
  auto it = widgets_.find(name);
  if (it == widgets_.end()) return std::nullopt;
  return it->second;
}

Overlay::~Overlay() {
  if (context_ != nullptr) ImGui::DestroyContext(ctx(context_));
}

int Overlay::lastVertexCount() const {
  ImGui::SetCurrentContext(ctx(context_));
  const ImDrawData* data = ImGui::GetDrawData();
  return data != nullptr ? data->TotalVtxCount : 0;
}

void Overlay::frame(const OverlayModel& model, int width, int height, double dt_s) {
  (void)frame(model, Input{}, width, height, dt_s);
}

std::vector<Command> Overlay::frame(const OverlayModel& model, const Input& input, int width, int height,
                                    double dt_s) {
  // ImGui sizes auto-fit panels from the previous pass; two passes make every output frame complete on its own
  // (headless frames and step changes never show a half-laid-out panel). The first pass takes the input's
  // transitions (press, release, wheel, text) against the layout the user saw; the second repeats the same
  // pointer state, so nothing fires twice, and lays out what is drawn.
  std::vector<Command> out;
  if (model.step.step_id != last_step_) {
    picker_.clear();
    signer_.clear();
    last_step_ = model.step.step_id;
    areas_["step"].scroll = 0;
    stack_view_ = "main";  // a new step shows itself (large text: live values and alarms are a button away)
  }
  if (model.screen != last_screen_) {
    last_screen_ = model.screen;
    for (auto& [id, area] : areas_) area.scroll = 0;
    focus_.clear();
  }
  const std::string owner = model.screen == Screen::Login   ? "login:" + model.login.selected
                            : model.screen == Screen::Orders ? "orders"
                                                              : "step:" + model.step.step_id + ":" + picker_;
  if (owner != entry_owner_) {
    entry_.clear();
    entry_owner_ = owner;
  }
  if (input.pointer_down) focus_.clear();  // pointing (mouse, touch, controller, gaze) takes over from the keyboard
  if (!focus_.empty() && std::find(order_.begin(), order_.end(), focus_) == order_.end()) focus_.clear();
  handleNamedCommands(model, input, &out);
  record_widgets_ = false;
  first_pass_ = true;
  buildPass(model, &input, width, height, 1e-4, &out);
  first_pass_ = false;
  activate_focus_ = false;
  Input held;
  held.pointer_valid = input.pointer_valid;
  held.x = input.x;
  held.y = input.y;
  held.pointer_down = input.pointer_down;
  record_widgets_ = true;
  // The shown pass. ImGui sizes an auto-fitting card from the previous pass's content, so when that content changed
  // (a picker opened, the step changed) the pass is repeated until it settles: what is shown, where the pointer
  // lands and the widget rectangles then agree.
  auto contentSizes = [this] {
    std::vector<float> v = {controls_h_};
    for (const auto& [id, area] : areas_) {
      v.push_back(area.content_h);
      v.push_back(area.scroll);
    }
    for (ImGuiWindow* w : ImGui::GetCurrentContext()->Windows) {
      if (w->Active) {
        v.push_back(w->ContentSize.x);
        v.push_back(w->ContentSize.y);
        v.push_back(w->Size.y);
        // This pass's content (ContentSize is the pass before's): a window sized from it needs one more pass.
        v.push_back(w->DC.CursorMaxPos.x - w->DC.CursorStartPos.x);
        v.push_back(w->DC.CursorMaxPos.y - w->DC.CursorStartPos.y);
      }
    }
    return v;
  };
  for (int pass = 0; pass < 5; ++pass) {
    const auto before = contentSizes();
    pass_widgets_.clear();
    pass_panels_.clear();
    pass_scroll_views_.clear();
    pass_order_.clear();
    buildPass(model, &held, width, height, pass == 0 ? dt_s : 1e-4, nullptr);
    if (contentSizes() == before) break;
  }
  widgets_ = pass_widgets_;
  panels_ = pass_panels_;
  scroll_views_ = pass_scroll_views_;
  order_ = pass_order_;
  focus_moved_ = false;
  return out;
}

void Overlay::moveFocus(int step) {
  if (order_.empty()) return;
  auto it = std::find(order_.begin(), order_.end(), focus_);
  long i = it == order_.end() ? (step > 0 ? -1 : 0) : static_cast<long>(it - order_.begin());
  const long n = static_cast<long>(order_.size());
  i = ((i + step) % n + n) % n;
  focus_ = order_[static_cast<size_t>(i)];
  focus_moved_ = true;
}

// Named commands (keyboard shortcuts, voice) act on what is on screen, like the matching button would.
void Overlay::handleNamedCommands(const OverlayModel& model, const Input& input, std::vector<Command>* out) {
  const bool keypad_open = (model.screen == Screen::Login && !model.login.selected.empty()) ||
                           (model.screen == Screen::Step && (model.step.can_enter_value || picker_ == "sign_off"));
  for (char c : input.text) {
    if (keypad_open && ((c >= '0' && c <= '9') || c == '.' || c == '-' || c == ',') && entry_.size() < 16) {
      entry_ += c == ',' ? '.' : c;  // French keyboards type a decimal comma
    }
  }
  bool focus_pressed = false;  // Enter/Space pressed the focused control instead of their usual command
  for (const auto& key : input.keys) {
    if ((key == "Backspace" || key == "Delete") && !entry_.empty()) entry_.pop_back();
    if (key == "Escape") {
      if (settings_open_) settings_open_ = false;
      else if (!picker_.empty()) picker_.clear();
      else focus_.clear();
    }
    if (key == "Tab" || key == "Down") moveFocus(1);
    if (key == "Up") moveFocus(-1);
    if ((key == "PageDown" || key == "PageUp") && !main_area_.empty()) {
      AreaState& a = areas_[main_area_];
      const auto view = scroll_views_.find(main_area_);
      const float page = view != scroll_views_.end() ? view->second.viewport.h * 0.8f : 200.0f;
      a.scroll += key == "PageDown" ? page : -page;
    }
    if ((key == "Enter" || key == "Space") && !focus_.empty()) {
      activate_focus_ = true;
      focus_pressed = true;
      continue;
    }
    if (key == "Enter" && keypad_open && !entry_.empty()) {
      if (model.screen == Screen::Login) out->push_back({"pin", entry_, model.login.selected});
      else if (picker_ == "sign_off") out->push_back({"sign_off", entry_, signer_});
      else out->push_back({"value", entry_, ""});
      entry_.clear();
    }
  }
  if (model.screen != Screen::Step) return;
  const StepView& st = model.step;
  for (const auto& c : input.commands) {
    if (c == "back" && st.can_back) out->push_back({"back", "", ""});
    if (c == "pass" && st.can_pass_fail) out->push_back({"pass", "", ""});
    if (c == "fail" && st.can_pass_fail) out->push_back({"fail", "", ""});
    if (c == "repeat") out->push_back({"repeat", "", ""});
    if (c == "hint" && st.can_hint) out->push_back({"hint", "", ""});
    if ((c == "confirm" || c == "next") && !focus_pressed) {
      if (st.finished) {
        if (c == "next") out->push_back({"new_session", "", ""});
      } else if (!st.points.empty()) {
        for (const auto& p : st.points) {
          if (!p.done) {
            out->push_back({"point", p.id, ""});
            break;
          }
        }
      } else if (st.can_enter_value && !entry_.empty()) {
        out->push_back({"value", entry_, ""});
        entry_.clear();
      } else if (st.can_confirm) {
        out->push_back({"confirm", "", ""});
      }
    }
  }
}

float Overlay::regionRight() const {
  if (!open_areas_.empty()) return open_areas_.back().x + open_areas_.back().w;
  return ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
}

float Overlay::availableWidth() const {
  return std::max(kMinTargetPx, regionRight() - ImGui::GetCursorScreenPos().x);
}

float Overlay::buttonWidth(const std::string& label) const {
  return std::max(kMinTargetPx, ImGui::CalcTextSize(label.c_str()).x + 2 * ImGui::GetStyle().FramePadding.x);
}

// Puts the next item on this line when `next_width` still fits before the region's right edge, else on the next.
void Overlay::sameLineIfFits(float next_width) {
  const float x = ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x;
  if (x + next_width <= regionRight() + 0.5f) ImGui::SameLine();
}

bool Overlay::button(const std::string& name, const std::string& label, float width, bool enabled) {
  const ImGuiStyle& style = ImGui::GetStyle();
  const float room = availableWidth();
  float w = width > 0 ? std::max(kMinTargetPx, width) : buttonWidth(label);
  w = std::min(w, room);  // a label longer than the line wraps inside a taller button instead of being cut
  const std::string shown = wrapLabel(label, w - 2 * style.FramePadding.x);
  const float h = std::max(buttonHeight(), ImGui::CalcTextSize(shown.c_str()).y + 2 * style.FramePadding.y);
  if (!enabled) ImGui::BeginDisabled();
  const std::string id = shown + "###" + name;  // the id stays the same however the label wraps
  bool pressed = ImGui::Button(id.c_str(), ImVec2(w, h));
  if (!enabled) ImGui::EndDisabled();
  if (activate_focus_ && first_pass_ && name == focus_ && enabled) {
    pressed = true;
    activate_focus_ = false;
  }
  const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  ImGuiWindow* win = ImGui::GetCurrentWindow();
  if (name == focus_) {
    if (focus_moved_ && !open_areas_.empty() && !open_areas_.back().measuring) {  // scroll it into view
      const OpenArea& oa = open_areas_.back();
      AreaState& st = areas_[oa.id];
      if (a.y < oa.y) st.scroll -= oa.y - a.y;
      else if (b.y > oa.y + oa.h) st.scroll += b.y - (oa.y + oa.h);
    }
    if (record_widgets_) {
      const Palette pal = paletteFor(settings_.high_contrast);
      win->DrawList->AddRect(ImVec2(a.x - 3, a.y - 3), ImVec2(b.x + 3, b.y + 3), ImGui::GetColorU32(pal.focus),
                             style.FrameRounding + 2, 0, 3.0f);
    }
  }
  // Only controls wholly on screen are targets (a control scrolled half out of its region cannot be aimed at).
  const ImRect clip = win->ClipRect;
  const bool visible = a.x >= clip.Min.x - 1 && a.y >= clip.Min.y - 1 && b.x <= clip.Max.x + 1 && b.y <= clip.Max.y + 1;
  if (record_widgets_ && enabled) {
    if (visible) pass_widgets_[name] = {a.x, a.y, b.x - a.x, b.y - a.y};
    pass_order_.push_back(name);  // the keyboard reaches it even scrolled away (focus scrolls it into view)
  }
  return pressed && enabled;
}

// A square button with a drawn arrow (no glyph: it stays inside 44 px whatever the text size). direction -1 = up.
bool Overlay::scrollButton(const std::string& name, int direction, float size_px) {
  ImGuiWindow* win = ImGui::GetCurrentWindow();
  const ImVec2 pos = ImGui::GetCursorScreenPos();
  const ImRect bb(pos, ImVec2(pos.x + size_px, pos.y + size_px));
  const ImGuiID id = win->GetID(name.c_str());
  ImGui::ItemSize(bb);
  if (!ImGui::ItemAdd(bb, id)) return false;
  bool hovered = false, held = false;
  bool pressed = ImGui::ButtonBehavior(bb, id, &hovered, &held);
  const ImGuiCol col = held && hovered ? ImGuiCol_ButtonActive : hovered ? ImGuiCol_ButtonHovered : ImGuiCol_Button;
  ImGui::RenderFrame(bb.Min, bb.Max, ImGui::GetColorU32(col), true, ImGui::GetStyle().FrameRounding);
  const float r = size_px * 0.22f;
  const ImVec2 c((bb.Min.x + bb.Max.x) / 2, (bb.Min.y + bb.Max.y) / 2);
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
  if (direction < 0) {
    win->DrawList->AddTriangleFilled(ImVec2(c.x, c.y - r), ImVec2(c.x + r, c.y + r * 0.7f), ImVec2(c.x - r, c.y + r * 0.7f), text);
  } else {
    win->DrawList->AddTriangleFilled(ImVec2(c.x - r, c.y - r * 0.7f), ImVec2(c.x + r, c.y - r * 0.7f), ImVec2(c.x, c.y + r), text);
  }
  if (activate_focus_ && first_pass_ && name == focus_) {
    pressed = true;
    activate_focus_ = false;
  }
  if (name == focus_ && record_widgets_) {
    const Palette pal = paletteFor(settings_.high_contrast);
    win->DrawList->AddRect(ImVec2(bb.Min.x - 3, bb.Min.y - 3), ImVec2(bb.Max.x + 3, bb.Max.y + 3),
                           ImGui::GetColorU32(pal.focus), ImGui::GetStyle().FrameRounding + 2, 0, 3.0f);
  }
  if (record_widgets_) {
    pass_widgets_[name] = {bb.Min.x, bb.Min.y, size_px, size_px};
    pass_order_.push_back(name);
  }
  return pressed;
}

// A region of at most `max_h` pixels at the cursor whose content (drawn until endScrollArea) scrolls when taller.
// Clipped, it gets up/down buttons on its right (pointer, gaze dwell) and a bar showing where the reader is; the
// mouse wheel over it, PageUp/PageDown (the main area) and the keyboard focus scroll it too. Heights come from the
// previous pass (a frame runs passes until they settle). Not a child window: that would take the panel's input.
void Overlay::beginScrollArea(const std::string& id, float max_h, float width) {
  AreaState& st = areas_[id];
  ImGuiWindow* win = ImGui::GetCurrentWindow();
  const ImGuiStyle& style = ImGui::GetStyle();
  const ImVec2 start = ImGui::GetCursorScreenPos();
  const float right = width > 0 ? start.x + width : regionRight();
  const float arrow = kMinTargetPx;
  max_h = std::max(max_h, arrow + 1);
  // Not measured yet (first pass): laid out in full, unclipped, to measure it; that pass is never shown.
  const bool measuring = st.content_h <= 0;
  const bool clipped = !measuring && st.content_h > max_h + 0.5f;
  const float view_h = measuring ? 1e5f : clipped ? max_h : st.content_h;
  const bool side_by_side = clipped && view_h < 2 * arrow + style.ItemSpacing.y;
  const float bar_w = clipped ? (side_by_side ? 2 * arrow + style.ItemSpacing.x : arrow) + style.ItemSpacing.x : 0.0f;
  const float content_w = std::max(kMinTargetPx, right - start.x - bar_w);
  const ImRect region(start, ImVec2(start.x + content_w + bar_w, start.y + view_h));
  if (clipped && ImGui::IsMouseHoveringRect(region.Min, region.Max, false)) {
    st.scroll -= ImGui::GetIO().MouseWheel * ImGui::GetTextLineHeightWithSpacing() * 3;
  }
  st.scroll = clipped ? std::clamp(st.scroll, 0.0f, st.content_h - view_h) : 0.0f;
  OpenArea oa;
  oa.id = id;
  oa.x = start.x;
  oa.y = start.y;
  oa.w = content_w;
  oa.h = view_h;
  oa.bar_w = bar_w;
  oa.max_before_x = win->DC.CursorMaxPos.x;
  oa.max_before_y = win->DC.CursorMaxPos.y;
  oa.measuring = measuring;
  oa.clipped = clipped;
  open_areas_.push_back(oa);
  // Clipped at the top and bottom (scrolling); a few pixels of slack at the sides, where glyph edges reach.
  ImGui::PushClipRect(ImVec2(start.x - 3, start.y), ImVec2(start.x + content_w + 3, start.y + view_h), true);
  ImGui::SetCursorScreenPos(ImVec2(start.x, start.y - st.scroll));
  ImGui::BeginGroup();
  ImGui::PushTextWrapPos(start.x + content_w - win->Pos.x + win->Scroll.x);
}

void Overlay::endScrollArea() {
  const OpenArea oa = open_areas_.back();
  ImGui::PopTextWrapPos();
  ImGui::EndGroup();
  AreaState& st = areas_[oa.id];
  st.content_h = ImGui::GetItemRectSize().y + ImGui::GetStyle().ItemSpacing.y;
  ImGui::PopClipRect();
  open_areas_.pop_back();
  ImGuiWindow* win = ImGui::GetCurrentWindow();
  const ImGuiStyle& style = ImGui::GetStyle();
  const float bottom = oa.measuring ? oa.y + st.content_h : oa.y + oa.h;
  if (oa.clipped) {
    const float arrow = kMinTargetPx;
    const float x = oa.x + oa.w + style.ItemSpacing.x;
    const float page = std::max(ImGui::GetTextLineHeightWithSpacing(), oa.h * 0.8f);
    const bool side_by_side = oa.h < 2 * arrow + style.ItemSpacing.y;
    ImGui::SetCursorScreenPos(ImVec2(x, oa.y));
    if (scrollButton("scroll_up:" + oa.id, -1, arrow)) st.scroll -= page;
    ImGui::SetCursorScreenPos(side_by_side ? ImVec2(x + arrow + style.ItemSpacing.x, oa.y) : ImVec2(x, bottom - arrow));
    if (scrollButton("scroll_down:" + oa.id, 1, arrow)) st.scroll += page;
    if (!side_by_side) {  // where the reader is: a bar between the two buttons
      const float track_top = oa.y + arrow + style.ItemSpacing.y, track_h = oa.h - 2 * (arrow + style.ItemSpacing.y);
      if (track_h > 8) {
        const float bar_h = std::max(8.0f, track_h * oa.h / st.content_h);
        const float bar_y = track_top + (track_h - bar_h) * (st.scroll / std::max(st.content_h - oa.h, 1.0f));
        const Palette pal = paletteFor(settings_.high_contrast);
        win->DrawList->AddRectFilled(ImVec2(x + arrow / 2 - 3, bar_y), ImVec2(x + arrow / 2 + 3, bar_y + bar_h),
                                     ImGui::GetColorU32(pal.dim_text), 3.0f);
      }
    }
  }
  if (record_widgets_ && !oa.measuring) {
    pass_scroll_views_[oa.id] = {{oa.x, oa.y, oa.w, oa.h}, st.content_h, st.scroll};
  }
  win->DC.CursorMaxPos = ImVec2(std::max(oa.max_before_x, oa.x + oa.w + oa.bar_w), std::max(oa.max_before_y, bottom));
  ImGui::SetCursorScreenPos(ImVec2(oa.x, bottom + style.ItemSpacing.y));  // what follows keeps clear of its edge
}

// A 4x3 numeric pad (digits, decimal point, sign, delete) and a submit key; `mask` hides a PIN.
void Overlay::keypad(const std::string& prefix, bool mask, std::vector<Command>* out, const Command& submit) {
  const Language lang = settings_.language;
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  float key_w = std::max(kMinTargetPx, ImGui::GetFrameHeight() * 2.2f);
  key_w = std::max(kMinTargetPx, std::min(key_w, (availableWidth() - 2 * spacing) / 3));
  std::string shown = mask ? std::string(entry_.size(), '*') : entry_;
  if (shown.empty()) shown = "\u2014";
  ImGui::PushFont(ImGui::GetIO().Fonts->Fonts[1]);
  ImGui::TextUnformatted(shown.c_str());
  ImGui::PopFont();
  const char* keys[] = {"7", "8", "9", "4", "5", "6", "1", "2", "3", mask ? "" : "-", "0", mask ? "" : "."};
  for (int i = 0; i < 12; ++i) {
    if (i % 3 != 0) ImGui::SameLine();
    if (keys[i][0] == '\0') {
      ImGui::Dummy(ImVec2(key_w, buttonHeight()));
      continue;
    }
    if (button(prefix + std::string(keys[i]), keys[i], key_w) && out != nullptr && entry_.size() < 16) {
      if (keys[i][0] == '-') {
        if (entry_.empty() || entry_[0] != '-') entry_.insert(entry_.begin(), '-');
        else entry_.erase(entry_.begin());
      } else {
        entry_ += keys[i];
      }
    }
  }
  const float wide_key = (3 * key_w + 2 * spacing - spacing) / 2;
  if (button(prefix + "del", "\u2190 " + std::string(tr(lang, "delete")), wide_key) && out != nullptr &&
      !entry_.empty()) {
    entry_.pop_back();
  }
  const std::string ok = "\u2713 " + std::string(tr(lang, "ok"));
  sameLineIfFits(wide_key);
  if (button(prefix + "ok", ok, wide_key, !entry_.empty()) && out != nullptr) {
    Command c = submit;
    c.arg = entry_;
    out->push_back(c);
    entry_.clear();
  }
}

void Overlay::beginPanel(const char* name, float x, float y, float width, float height, float pivot_x, float pivot_y,
                         bool interactive, bool opaque, bool alarm_border) {
  const Palette pal = paletteFor(settings_.high_contrast);
  const float border = (settings_.high_contrast ? 3.0f : 1.5f) * (alarm_border ? 2.0f : 1.0f);
  ImGui::SetNextWindowPos(ImVec2(x, y), ImGuiCond_Always, ImVec2(pivot_x, pivot_y));
  ImGui::SetNextWindowSize(ImVec2(width, height));
  ImGui::PushStyleColor(ImGuiCol_WindowBg, opaque ? pal.opaque_bg : pal.panel_bg);
  ImGui::PushStyleColor(ImGuiCol_Border, alarm_border ? pal.bad : pal.accent);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, border);
  ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                           ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoNav |
                           ImGuiWindowFlags_NoBringToFrontOnFocus;
  if (!interactive) flags |= ImGuiWindowFlags_NoInputs;
  ImGui::Begin(name, nullptr, flags);
}

void Overlay::endPanel(const char* key) {
  if (record_widgets_) {
    const ImVec2 p = ImGui::GetWindowPos(), sz = ImGui::GetWindowSize();
    pass_panels_[key] = {p.x, p.y, sz.x, sz.y};
  }
  ImGui::End();
  ImGui::PopStyleVar();
  ImGui::PopStyleColor(2);
}

void Overlay::buildPass(const OverlayModel& model, const Input* input, int width, int height, double dt_s,
                        std::vector<Command>* out) {
  ImGui::SetCurrentContext(ctx(context_));
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(static_cast<float>(width), static_cast<float>(height));
  io.DeltaTime = static_cast<float>(std::max(dt_s, 1e-4));
  if (input != nullptr && input->pointer_valid) {
    io.MousePos = ImVec2(input->x, input->y);
  } else {
    io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  }
  io.MouseDown[0] = input != nullptr && input->pointer_down;
  io.MouseWheel = input != nullptr ? input->scroll : 0.0f;
  const float scale = std::max(0.5f, static_cast<float>(height) / kReferenceHeightPx);
  scale_ = scale;
  io.FontGlobalScale = scale;
  const Palette pal = paletteFor(settings_.high_contrast);
  ImFont* body = io.Fonts->Fonts[0];
  const float w = static_cast<float>(width), h = static_cast<float>(height);
  const float margin = 12.0f * scale;
  const ImGuiStyle& style = ImGui::GetStyle();
  open_areas_.clear();

  ImGui::NewFrame();
  ImGui::PushFont(body);
  ImGui::PushStyleColor(ImGuiCol_Text, pal.text);
  ImGui::PushStyleColor(ImGuiCol_Button, pal.button);
  ImGui::PushStyleColor(ImGuiCol_ButtonHovered, pal.button_hovered);
  ImGui::PushStyleColor(ImGuiCol_ButtonActive, pal.button_active);
  ImGui::PushStyleColor(ImGuiCol_Border, pal.accent);
  ImGui::PushStyleVar(ImGuiStyleVar_FrameBorderSize, settings_.high_contrast ? 2.0f : 0.0f);
  const float em = ImGui::GetFontSize();
  stacked_ = w < kTwoColumnMinEm * em;
  const float full_w = w - 2 * margin;

  // Tracking banner: symbol + words, never colour alone; where and who; the settings button.
  beginPanel("##tracking", margin, margin, full_w, 0, 0, 0, true);
  trackingBanner(model, out);
  float top = margin + ImGui::GetWindowHeight() + margin;
  endPanel("tracking");

  // Degraded data (broker down, values stale): a full-width banner under the tracking one, symbol and words.
  // Stacked (large text), at most two lines show; the rest scrolls.
  if (!model.data_banner.empty()) {
    beginPanel("##data", margin, top, full_w, 0, 0, 0, stacked_, false, true);
    if (stacked_) beginScrollArea("data", 2 * ImGui::GetTextLineHeightWithSpacing() - style.ItemSpacing.y);
    else ImGui::PushTextWrapPos(0.0f);
    ImGui::TextColored(pal.bad, "\u26A0 %s", model.data_banner.c_str());
    if (stacked_) endScrollArea();
    else ImGui::PopTextWrapPos();
    top += ImGui::GetWindowHeight() + margin;
    endPanel("data_banner");
  }

  // What is left below the banners: the main panel (login, orders or step card), live values, alarms, settings.
  // Side by side: the main panel on the left; live values bottom right, alarms above them, settings top right
  // (live values make way for it). Stacked (large text): one of them at a time at full width, picked with a row
  // of buttons (the step, live values, alarms); settings replace them while open. Every panel's content scrolls
  // within the height it is given.
  float bottom = h - margin;
  const float pad_h = 2 * style.WindowPadding.y;
  const bool show_alarms = !model.alarms.empty() || !model.alarm_rows.empty();
  const bool show_tags = !model.tags.empty() && model.screen == Screen::Step && !settings_open_;
  const float ts = settings_.text_scale;
  const float card_w = stacked_ ? full_w : std::min(w * 0.36f * ts, w * 0.5f - 1.5f * margin);
  const float right_max = w - card_w - 3 * margin;
  const float tags_w = std::min(w * 0.50f * ts, right_max);
  const float alarms_w = std::min(w * 0.40f * ts, right_max);
  const float settings_w = std::min(right_max, std::min(w * 0.42f, 460.0f * scale * ts));
  // Login and work orders are wider than the card, but never reach the right column.
  float main_w = card_w;
  if (!stacked_ && model.screen != Screen::Step) {
    main_w = card_w * (model.screen == Screen::Login ? 1.4f : 1.6f);
    float right_used = 0;
    if (show_alarms) right_used = std::max(right_used, alarms_w);
    if (settings_open_) right_used = std::max(right_used, settings_w);
    main_w = std::min(main_w, right_used > 0 ? w - right_used - 3 * margin : full_w);
  }
  bool show_main = true;

  if (stacked_) {
    const int unacknowledged = static_cast<int>(std::count_if(model.alarm_rows.begin(), model.alarm_rows.end(),
                                                              [](const AlarmRow& a) { return !a.acknowledged; }));
    const bool tabs = (show_tags || show_alarms) && !settings_open_;
    if (!tabs || (stack_view_ == "tags" && !show_tags) || (stack_view_ == "alarms" && !show_alarms)) stack_view_ = "main";
    if (tabs) {
      beginPanel("##views", margin, top, full_w, 0, 0, 0, true);
      stackTabs(model, show_tags, show_alarms, unacknowledged);
      top += ImGui::GetWindowHeight() + margin;
      endPanel("views");
    }
    const float room = bottom - top - pad_h;
    if (stack_view_ == "tags") {
      show_main = false;
      beginPanel("##tags", margin, top, full_w, 0, 0, 0, true);
      main_area_ = "tags";
      beginScrollArea("tags", room);
      tagsPanel(model);
      endScrollArea();
      endPanel("tags");
    } else if (stack_view_ == "alarms") {
      show_main = false;
      beginPanel("##alarms", margin, top, full_w, 0, 0, 0, true, false, true);
      main_area_ = "alarms";
      beginScrollArea("alarms", room);
      alarmsPanel(model, out);
      endScrollArea();
      endPanel("alarms");
    }
  } else {
    const float avail = std::max(bottom - top, 4 * kMinTargetPx);
    float right_bottom = bottom;
    if (show_tags) {
      beginPanel("##tags", w - margin, bottom, tags_w, 0, 1, 1, true);
      beginScrollArea("tags", 0.5f * avail - pad_h);
      tagsPanel(model);
      endScrollArea();
      right_bottom -= ImGui::GetWindowHeight() + margin;
      endPanel("tags");
    }
    if (show_alarms) {
      const float room = right_bottom - top - (settings_open_ ? 0.5f * avail : 0.0f);
      beginPanel("##alarms", w - margin, right_bottom, alarms_w, 0, 1, 1, true, false, true);
      beginScrollArea("alarms", room - pad_h);
      alarmsPanel(model, out);
      endScrollArea();
      right_bottom -= ImGui::GetWindowHeight() + margin;
      endPanel("alarms");
    }
    if (settings_open_) {
      beginPanel("##settings", w - margin, top, settings_w, 0, 1, 0, true, true);
      main_area_ = "settings";
      beginScrollArea("settings", right_bottom - top - pad_h);
      settingsPanel(model, out);
      endScrollArea();
      endPanel("settings");
    }
  }

  const float main_h = bottom - top;
  if (!show_main) {
    // Stacked with live values or alarms shown: the main panel waits behind its button.
  } else if (stacked_ && settings_open_) {
    beginPanel("##settings", margin, top, full_w, 0, 0, 0, true, true);
    main_area_ = "settings";
    beginScrollArea("settings", main_h - pad_h);
    settingsPanel(model, out);
    endScrollArea();
    endPanel("settings");
  } else if (model.screen == Screen::Login) {
    beginPanel("##login", margin, top, main_w, 0, 0, 0, true);
    if (!settings_open_) main_area_ = "login";
    beginScrollArea("login", main_h - pad_h);
    loginPanel(model, out);
    endScrollArea();
    endPanel("login");
  } else if (model.screen == Screen::Orders) {
    beginPanel("##orders", margin, top, main_w, 0, 0, 0, true);
    if (!settings_open_) main_area_ = "orders";
    beginScrollArea("orders", main_h - pad_h);
    ordersPanel(model, out);
    endScrollArea();
    endPanel("orders");
  } else {
    const float border = settings_.high_contrast ? 3.0f : 1.5f;
    card_max_h_ = main_h - pad_h - 2 * border;
    beginPanel("##step", margin, top, card_w, 0, 0, 0, true);
    if (!settings_open_) main_area_ = "step";
    stepPanel(model, out);
    endPanel("step");
  }

  ImGui::PopStyleVar();
  ImGui::PopStyleColor(5);
  ImGui::PopFont();
  ImGui::Render();
}

void Overlay::trackingBanner(const OverlayModel& model, std::vector<Command>* out) {
  const Language lang = settings_.language;
  const Palette pal = paletteFor(settings_.high_contrast);
  const TrackingView& t = model.tracking;
  const Look look = trackingLook(t);
  const std::string word(tr(lang, look.word));
  char line[768];
  if (t.tracked) {
    std::snprintf(line, sizeof line, "%s %s \u00B7 %d/%d %s \u00B7 %s \u00B1%.1f mm", look.symbol, word.c_str(),
                  t.markers_seen, t.markers_in_map, tr(lang, "markers").data(), tr(lang, "accuracy").data(),
                  t.registration_error_mm);
  } else if (t.degraded) {
    std::snprintf(line, sizeof line, "%s %s \u00B7 \u00B1%.0f mm \u2014 %s%s%.200s", look.symbol, word.c_str(),
                  t.registration_error_mm, tr(lang, "degraded_hint").data(),
                  t.registration_reason.empty() ? "" : " \u00B7 ", t.registration_reason.c_str());
  } else if (t.rejected) {
    std::snprintf(line, sizeof line, "%s %s \u2014 %.200s", look.symbol, word.c_str(), t.registration_reason.c_str());
  } else if (t.world_anchored) {
    std::snprintf(line, sizeof line, "%s %s  \u2014  %s", look.symbol, word.c_str(), tr(lang, "world_anchored_hint").data());
  } else if (t.ambiguous) {
    std::snprintf(line, sizeof line, "%s %s  \u2014  %s", look.symbol, word.c_str(), tr(lang, "ambiguous_hint").data());
  } else {
    std::snprintf(line, sizeof line, "%s %s  \u2014  %s", look.symbol, word.c_str(), tr(lang, "searching_hint").data());
  }
  ImGuiWindow* win = ImGui::GetCurrentWindow();
  const ImGuiStyle& style = ImGui::GetStyle();
  const std::string gear = std::string(tr(lang, "settings"));
  const float gear_w = buttonWidth(gear);
  const float bh = buttonHeight();
  const float right = regionRight();
  const ImVec2 start = ImGui::GetCursorScreenPos();
  ImGui::SetCursorScreenPos(ImVec2(right - gear_w, start.y));
  if (button("settings", gear, gear_w) && out != nullptr) settings_open_ = !settings_open_;
  // The state, wrapped before the settings button, centred on it while it is one line.
  const float text_right = right - gear_w - 2 * style.ItemSpacing.x;
  const ImVec2 size = ImGui::CalcTextSize(line, nullptr, false, text_right - start.x);
  const float text_y = size.y < bh ? start.y + (bh - size.y) / 2 : start.y;
  ImGui::SetCursorScreenPos(ImVec2(start.x, text_y));
  float bottom = 0;
  if (stacked_ && size.y > 2 * ImGui::GetTextLineHeightWithSpacing()) {
    // Large text: two lines show (the state's symbol and word first), the details scroll.
    beginScrollArea("banner", 2 * ImGui::GetTextLineHeightWithSpacing() - style.ItemSpacing.y, text_right - start.x);
    ImGui::TextColored(colourOf(pal, look.role), "%s", line);
    endScrollArea();
    bottom = std::max(start.y + bh, ImGui::GetCursorScreenPos().y);
  } else {
    ImGui::PushTextWrapPos(text_right - win->Pos.x);
    ImGui::TextColored(colourOf(pal, look.role), "%s", line);
    ImGui::PopTextWrapPos();
    bottom = std::max(start.y + bh, text_y + size.y);
  }
  // Where and who: on the state's line, right-aligned, when it fits; below it otherwise; in the settings panel when
  // the panels are stacked (large text keeps the banner short).
  std::string who = model.asset;
  if (!model.work_order.empty()) who += "   " + std::string(tr(lang, "work_order")) + " " + model.work_order;
  if (!model.user.empty()) who += "   \u00B7 " + model.user + " (" + model.role + ")";
  if (!stacked_ && !who.empty()) {
    const float who_w = ImGui::CalcTextSize(who.c_str()).x;
    if (size.y < bh && start.x + size.x + 2 * ImGui::GetFontSize() + who_w <= text_right) {
      ImGui::SetCursorScreenPos(ImVec2(text_right - who_w, text_y));
      ImGui::TextColored(pal.dim_text, "%s", who.c_str());
    } else {
      ImGui::SetCursorScreenPos(ImVec2(start.x, bottom + style.ItemSpacing.y));
      ImGui::PushTextWrapPos(text_right - win->Pos.x);
      ImGui::TextColored(pal.dim_text, "%s", who.c_str());
      ImGui::PopTextWrapPos();
      bottom = ImGui::GetItemRectMax().y;
    }
  }
  win->DC.CursorMaxPos.y = std::max(win->DC.CursorMaxPos.y, bottom);
  ImGui::SetCursorScreenPos(ImVec2(start.x, bottom));
}

// Stacked layout: which panel fills the screen. Each button says what it shows in words (the one shown also has
// the symbol ●); the alarms button carries the warning symbol and a thick red frame while an alarm waits for
// acknowledgement.
void Overlay::stackTabs(const OverlayModel& model, bool tags, bool alarms, int unacknowledged) {
  const Language lang = settings_.language;
  const Palette pal = paletteFor(settings_.high_contrast);
  auto mark = [this](const char* view) { return std::string(stack_view_ == view ? "\u25CF " : ""); };
  const char* main_word = model.screen == Screen::Login ? "login" : model.screen == Screen::Orders ? "view_work" : "step";
  const std::string main_label = mark("main") + std::string(tr(lang, main_word));
  if (button("view:main", main_label)) stack_view_ = "main";
  if (tags) {
    char label[128];
    std::snprintf(label, sizeof label, "%s%s (%zu)", mark("tags").c_str(), tr(lang, "view_values").data(), model.tags.size());
    sameLineIfFits(buttonWidth(label));
    if (button("view:tags", label)) stack_view_ = "tags";
  }
  if (alarms) {
    const int count = static_cast<int>(std::max(model.alarms.size(), model.alarm_rows.size()));
    char label[128];
    std::snprintf(label, sizeof label, "%s\u26A0 %s (%d)", mark("alarms").c_str(), tr(lang, "view_alarms").data(), count);
    sameLineIfFits(buttonWidth(label));
    if (button("view:alarms", label)) stack_view_ = "alarms";
    if (unacknowledged > 0 && stack_view_ != "alarms") {
      const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
      ImGui::GetWindowDrawList()->AddRect(a, b, ImGui::GetColorU32(pal.bad), ImGui::GetStyle().FrameRounding, 0, 3.0f);
    }
  }
}

void Overlay::identityLine(const OverlayModel& model) {
  const Language lang = settings_.language;
  const Palette pal = paletteFor(settings_.high_contrast);
  if (!model.asset.empty()) ImGui::TextColored(pal.dim_text, "%s", model.asset.c_str());
  if (!model.work_order.empty()) {
    ImGui::TextColored(pal.dim_text, "%s %s", tr(lang, "work_order").data(), model.work_order.c_str());
  }
  if (!model.user.empty()) ImGui::TextColored(pal.dim_text, "%s (%s)", model.user.c_str(), model.role.c_str());
}

// Live values: label, value and state (symbol + word) per row; in three columns while they fit, else the value and
// state go under the label.
void Overlay::tagsPanel(const OverlayModel& model) {
  const Language lang = settings_.language;
  const Palette pal = paletteFor(settings_.high_contrast);
  ImGuiWindow* win = ImGui::GetCurrentWindow();
  const float gap = 2 * ImGui::GetStyle().ItemSpacing.x;
  ImGui::TextColored(pal.dim_text, "%s", tr(lang, "live_values").data());
  struct Row {
    std::string value, state;
    ImVec4 state_colour;
    bool fresh;
  };
  std::vector<Row> rows;
  float value_w = 0, state_w = 0;
  for (const auto& r : model.tags) {
    const Look look = freshnessLook(r.freshness, r.alarm);
    char state[160];
    if (r.freshness == Freshness::Stale) {
      std::snprintf(state, sizeof state, "%s %s %.0f s", look.symbol, tr(lang, look.word).data(), r.age_s);
    } else {
      std::snprintf(state, sizeof state, "%s %s", look.symbol, tr(lang, look.word).data());
    }
    Row row{r.value_text.empty() ? "\u2014" : r.value_text, state, colourOf(pal, look.role), r.freshness == Freshness::Fresh};
    value_w = std::max(value_w, ImGui::CalcTextSize(row.value.c_str()).x);
    state_w = std::max(state_w, ImGui::CalcTextSize(row.state.c_str()).x);
    rows.push_back(std::move(row));
  }
  const float x0 = ImGui::GetCursorScreenPos().x;
  const float right = regionRight();
  const float content_w = right - x0;
  const bool columns = content_w - value_w - state_w - 2 * gap >= 7 * ImGui::GetFontSize();
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    const float y = ImGui::GetCursorScreenPos().y;
    // Rows alternate a faint band so a value reads against its own label.
    const float label_right = columns ? right - value_w - state_w - 2 * gap : right;
    ImGui::PushTextWrapPos(label_right - win->Pos.x);
    const ImVec2 label_size = ImGui::CalcTextSize(model.tags[i].label.c_str(), nullptr, false, label_right - x0);
    float row_bottom = y + label_size.y;
    if (!columns) row_bottom += ImGui::GetStyle().ItemSpacing.y + ImGui::GetTextLineHeight();
    if (i % 2 == 1) {
      win->DrawList->AddRectFilled(ImVec2(x0 - 4, y - 2), ImVec2(right + 4, row_bottom + 2), ImGui::GetColorU32(pal.row_alt));
    }
    ImGui::TextUnformatted(model.tags[i].label.c_str());
    ImGui::PopTextWrapPos();
    const float vx = columns ? right - value_w - state_w - gap : x0 + ImGui::GetFontSize();
    const float vy = columns ? y : y + label_size.y + ImGui::GetStyle().ItemSpacing.y;
    ImGui::SetCursorScreenPos(ImVec2(vx, vy));
    // Stale or bad: the last value stays visible but dimmed; the state says why.
    ImGui::TextColored(row.fresh ? pal.text : pal.dim_text, "%s", row.value.c_str());
    const float sx = columns ? right - state_w : std::min(right - state_w, ImGui::GetItemRectMax().x + gap);
    ImGui::SetCursorScreenPos(ImVec2(sx, vy));
    ImGui::TextColored(row.state_colour, "%s", row.state.c_str());
    ImGui::SetCursorScreenPos(ImVec2(x0, std::max(row_bottom, ImGui::GetItemRectMax().y) + ImGui::GetStyle().ItemSpacing.y));
    win->DC.CursorMaxPos.y = std::max(win->DC.CursorMaxPos.y, row_bottom);
  }
}

// Active alarms, thick red border; every row says its severity with a symbol and a word; each one the user's role
// may acknowledge has its button.
void Overlay::alarmsPanel(const OverlayModel& model, std::vector<Command>* out) {
  const Language lang = settings_.language;
  const Palette pal = paletteFor(settings_.high_contrast);
  const int count = static_cast<int>(std::max(model.alarms.size(), model.alarm_rows.size()));
  ImGui::TextColored(pal.bad, "\u26A0 %s (%d)", tr(lang, "alarm").data(), count);
  if (model.alarm_rows.empty()) {
    for (const auto& a : model.alarms) ImGui::TextUnformatted(a.c_str());
  }
  for (const auto& a : model.alarm_rows) {
    const Look look = severityLook(a.severity);
    ImGui::TextColored(colourOf(pal, look.role), "%s %s", look.symbol, tr(lang, look.word).data());
    ImGui::SameLine();
    ImGui::TextUnformatted(a.text.c_str());
    if (a.acknowledged) {
      ImGui::TextColored(pal.dim_text, "\u2713 %s", tr(lang, "acknowledged").data());
    } else if (a.can_ack) {
      if (button("ack:" + a.key, "\u2713 " + std::string(tr(lang, "acknowledge"))) && out != nullptr) {
        out->push_back({"ack_alarm", a.key, ""});
      }
    }
  }
}

void Overlay::settingsPanel(const OverlayModel& model, std::vector<Command>* out) {
  const Language lang = settings_.language;
  ImGui::PushFont(ImGui::GetIO().Fonts->Fonts[1]);
  ImGui::TextUnformatted(tr(lang, "settings").data());
  ImGui::PopFont();
  if (stacked_) identityLine(model);
  ImGui::TextUnformatted(tr(lang, "language").data());
  const std::string fr = std::string(lang == Language::Fr ? "\u25CF " : "\u25CB ") + "Fran\u00e7ais";
  const std::string en = std::string(lang == Language::En ? "\u25CF " : "\u25CB ") + "English";
  if (button("lang:fr", fr) && out) out->push_back({"language", "fr", ""});
  sameLineIfFits(buttonWidth(en));
  if (button("lang:en", en) && out) out->push_back({"language", "en", ""});
  char scale[64];
  std::snprintf(scale, sizeof scale, "%s : %.0f %%", tr(lang, "text_size").data(), settings_.text_scale * 100);
  ImGui::TextUnformatted(scale);
  if (button("text:-", "A\u2212", 0, settings_.text_scale > 0.75f) && out) {
    char v[16];
    std::snprintf(v, sizeof v, "%.2f", std::max(0.75f, settings_.text_scale - 0.25f));
    out->push_back({"text_scale", v, ""});
  }
  sameLineIfFits(buttonWidth("A+"));
  if (button("text:+", "A+", 0, settings_.text_scale < 3.0f) && out) {
    char v[16];
    std::snprintf(v, sizeof v, "%.2f", std::min(3.0f, settings_.text_scale + 0.25f));
    out->push_back({"text_scale", v, ""});
  }
  const std::string hc = std::string(settings_.high_contrast ? "\u2713 " : "\u25CB ") + std::string(tr(lang, "high_contrast"));
  if (button("contrast", hc) && out) out->push_back({"high_contrast", settings_.high_contrast ? "0" : "1", ""});
  if (button("close_settings", std::string(tr(lang, "close"))) && out) settings_open_ = false;
}

void Overlay::loginPanel(const OverlayModel& model, std::vector<Command>* out) {
  const Language lang = settings_.language;
  const Palette pal = paletteFor(settings_.high_contrast);
  ImGui::PushFont(ImGui::GetIO().Fonts->Fonts[1]);
  ImGui::TextUnformatted(tr(lang, "login").data());
  ImGui::PopFont();
  if (model.login.badge_scanning) ImGui::TextColored(pal.dim_text, "%s", tr(lang, "badge_hint").data());
  if (!model.login.message.empty()) ImGui::TextColored(pal.bad, "\u2717 %s", model.login.message.c_str());
  if (model.login.selected.empty()) {
    ImGui::TextUnformatted(tr(lang, "who").data());
    for (const auto& u : model.login.users) {
      if (button("user:" + u, u, availableWidth()) && out) out->push_back({"login_user", u, ""});
    }
    return;
  }
  ImGui::Text("%s : %s", tr(lang, "pin_for").data(), model.login.selected.c_str());
  keypad("key:", true, out, {"pin", "", model.login.selected});
  if (button("cancel", std::string(tr(lang, "cancel"))) && out) out->push_back({"login_user", "", ""});
}

void Overlay::ordersPanel(const OverlayModel& model, std::vector<Command>* out) {
  const Language lang = settings_.language;
  const Palette pal = paletteFor(settings_.high_contrast);
  ImGui::PushFont(ImGui::GetIO().Fonts->Fonts[1]);
  ImGui::TextUnformatted(tr(lang, "choose_work").data());
  ImGui::PopFont();
  if (!model.orders.message.empty()) ImGui::TextColored(pal.warn, "\u26A0 %s", model.orders.message.c_str());
  const float full = availableWidth();
  if (!model.orders.orders.empty()) {
    ImGui::TextColored(pal.dim_text, "%s", tr(lang, "work_orders").data());
    for (const auto& o : model.orders.orders) {
      std::string label = o.number + "  \u00B7  " + o.asset + "  \u00B7  " + (o.title.empty() ? o.procedure_id : o.title);
      if (!o.priority.empty()) label += "  [" + o.priority + "]";
      if (button("order:" + o.number, label, full) && out) out->push_back({"order", o.number, ""});
    }
  }
  ImGui::TextColored(pal.dim_text, "%s", tr(lang, "procedures").data());
  for (const auto& [id, title] : model.orders.procedures) {
    if (button("procedure:" + id, title, full) && out) out->push_back({"procedure", id, ""});
  }
  if (button("logout", std::string(tr(lang, "logout"))) && out) out->push_back({"logout", "", ""});
}

void Overlay::stepPanel(const OverlayModel& model, std::vector<Command>* out) {
  const Language lang = settings_.language;
  const Palette pal = paletteFor(settings_.high_contrast);
  ImFont* title_font = ImGui::GetIO().Fonts->Fonts[1];
  const StepView& step = model.step;
  if (step.finished) {
    beginScrollArea("step", card_max_h_);
    if (!step.procedure_title.empty()) ImGui::TextColored(pal.dim_text, "%s", step.procedure_title.c_str());
    ImGui::PushFont(title_font);
    if (step.aborted) {
      ImGui::TextColored(pal.bad, "\u2717 %s", tr(lang, "aborted").data());
    } else {
      ImGui::TextColored(pal.ok, "\u2713 %s", tr(lang, "finished").data());
    }
    ImGui::PopFont();
    if (!step.feedback.empty()) ImGui::TextUnformatted(step.feedback.c_str());
    if (button("new_session", std::string(tr(lang, "new_session")), availableWidth()) && out) {
      out->push_back({"new_session", "", ""});
    }
    endScrollArea();
    return;
  }
  if (step.count <= 0) return;
  // The step's text scrolls inside the card when it is long (large text, French); its controls stay below it,
  // always on screen, while they leave room for three lines of text. Otherwise (very large text on a small
  // screen) they scroll with the text, and the keyboard focus brings each one into view.
  const float spacing = ImGui::GetStyle().ItemSpacing.y;
  const float text_room = card_max_h_ - controls_h_ - spacing;
  const bool controls_fixed = text_room >= 3 * ImGui::GetTextLineHeightWithSpacing();
  beginScrollArea("step", controls_fixed ? text_room : card_max_h_);
  if (!step.procedure_title.empty()) ImGui::TextColored(pal.dim_text, "%s", step.procedure_title.c_str());
  ImGui::TextColored(pal.accent, "%s %d/%d \u00B7 %s", tr(lang, "step").data(), step.index + 1, step.count,
                     step.kind.c_str());
  ImGui::PushFont(title_font);
  ImGui::TextUnformatted(step.title.c_str());
  ImGui::PopFont();
  ImGui::Spacing();
  ImGui::TextUnformatted(step.text.c_str());
  if (!step.hint.empty()) ImGui::TextColored(pal.accent, "\u25B6 %s", step.hint.c_str());
  if (!step.highlighted_parts.empty()) {
    ImGui::Spacing();
    ImGui::TextColored(pal.dim_text, "%s", tr(lang, "parts").data());
    for (const auto& part : step.highlighted_parts) ImGui::TextColored(pal.highlight, "\u25B6 %s", part.c_str());
  }
  if (!step.checklist.empty()) {
    ImGui::Spacing();
    for (const auto& item : step.checklist) {
      const Look look = checklistLook(item.done);
      ImGui::TextColored(colourOf(pal, look.role), "%s %s", look.symbol, tr(lang, look.word).data());
      ImGui::SameLine();
      ImGui::TextUnformatted(item.text.c_str());
    }
  }
  ImGui::Spacing();
  if (!controls_fixed) {
    const float y0 = ImGui::GetCursorPosY();
    stepControls(model, out);
    controls_h_ = ImGui::GetCursorPosY() - y0;
  }
  endScrollArea();
  if (controls_fixed) {
    const float y0 = ImGui::GetCursorPosY();
    stepControls(model, out);
    controls_h_ = ImGui::GetCursorPosY() - y0;
  }
}

void Overlay::stepControls(const OverlayModel& model, std::vector<Command>* out) {
  const Language lang = settings_.language;
  const StepView& step = model.step;
  const float full = availableWidth();
  const Palette pal = paletteFor(settings_.high_contrast);
  // Gate state and the result of the last action sit with the controls, so they are never scrolled away.
  ImGui::PushTextWrapPos(regionRight() - ImGui::GetWindowPos().x);
  if (step.gate != GateState::None) {
    const Look look = gateLook(step.gate);
    ImGui::TextColored(colourOf(pal, look.role), "%s %s", look.symbol, tr(lang, look.word).data());
    if (!step.gate_reason.empty()) ImGui::TextColored(pal.dim_text, "%s", step.gate_reason.c_str());
  }
  if (!step.feedback.empty()) {
    ImGui::TextColored(step.feedback_is_error ? pal.bad : pal.ok, "%s %s", step.feedback_is_error ? "\u2717" : "\u2713",
                       step.feedback.c_str());
  }
  ImGui::PopTextWrapPos();
  // The step's own controls.
  if (picker_ == "skip" || picker_ == "abort") {
    ImGui::TextUnformatted(tr(lang, picker_ == "skip" ? "skip_why" : "abort_why").data());
    static constexpr const char* kReasons[] = {"reason_not_applicable", "reason_unsafe", "reason_no_part",
                                               "reason_other_team"};
    for (int i = 0; i < 4; ++i) {
      if (button("reason:" + std::to_string(i), std::string(tr(lang, kReasons[i])), full) && out) {
        out->push_back({picker_, std::string(tr(Language::En, kReasons[i])), ""});
        picker_.clear();
      }
    }
    if (button("cancel", std::string(tr(lang, "cancel"))) && out) picker_.clear();
    return;
  }
  if (picker_ == "sign_off") {
    if (signer_.empty() && !step.signers.empty()) signer_ = step.signers.front();
    if (step.signers.size() > 1) {
      bool first = true;
      for (const auto& s : step.signers) {
        const std::string label = std::string(s == signer_ ? "\u25CF " : "\u25CB ") + s;
        if (!first) sameLineIfFits(buttonWidth(label));
        first = false;
        if (button("signer:" + s, label) && out) signer_ = s;
      }
    }
    ImGui::Text("%s : %s", tr(lang, "pin_for").data(), signer_.c_str());
    keypad("key:", true, out, {"sign_off", "", signer_});
    if (button("cancel", std::string(tr(lang, "cancel"))) && out) picker_.clear();
    return;
  }
  for (const auto& p : step.points) {
    // Locked or not: a symbol and a word, not only the button's dimming.
    const Look look = checklistLook(p.done);
    const std::string label = std::string(look.symbol) + " " + std::string(tr(lang, p.done ? "locked" : "to_lock")) +
                              " \u2014 " + p.label;
    if (button("point:" + p.id, label, full, !p.done) && out) out->push_back({"point", p.id, ""});
  }
  for (const auto& c : step.choices) {
    if (button("choice:" + c.id, c.label, full) && out) out->push_back({"choose", c.id, ""});
  }
  for (const auto& a : step.answers) {
    if (button("answer:" + a.id, a.label, full) && out) out->push_back({"answer", a.id, ""});
  }
  if (step.can_enter_value) {
    ImGui::PushTextWrapPos(regionRight() - ImGui::GetWindowPos().x);
    ImGui::Text("%s %s  %s", tr(lang, "value").data(), step.unit.c_str(), step.tolerance.c_str());
    ImGui::PopTextWrapPos();
    keypad("key:", false, out, {"value", "", ""});
  }
  if (step.can_confirm && step.points.empty()) {
    if (button("confirm", "\u2713 " + std::string(tr(lang, "confirm")), full) && out) out->push_back({"confirm", "", ""});
  }
  if (step.can_pass_fail) {
    const std::string pass = "\u2713 " + std::string(tr(lang, "pass"));
    const std::string fail = "\u2717 " + std::string(tr(lang, "fail"));
    const float half = (full - ImGui::GetStyle().ItemSpacing.x) / 2;
    const bool side = half >= std::max(buttonWidth(pass), buttonWidth(fail));
    if (button("pass", pass, side ? half : full) && out) out->push_back({"pass", "", ""});
    if (side) ImGui::SameLine();
    if (button("fail", fail, side ? half : full) && out) out->push_back({"fail", "", ""});
  }
  if (step.can_sign_off) {
    if (button("sign_off", std::string(tr(lang, "sign_off")), full) && out) picker_ = "sign_off";
  }
  ImGui::Spacing();
  // Back, hint, skip, abort: one row while they fit, wrapped onto more rows otherwise.
  bool first = true;
  auto small = [&](const char* name, const std::string& label) {
    if (!first) sameLineIfFits(buttonWidth(label));
    first = false;
    return button(name, label);
  };
  if (step.can_back && small("back", "\u2190 " + std::string(tr(lang, "back"))) && out) out->push_back({"back", "", ""});
  if (step.can_hint && small("hint", std::string(tr(lang, "hint"))) && out) out->push_back({"hint", "", ""});
  if (step.can_skip && small("skip", std::string(tr(lang, "skip"))) && out) picker_ = "skip";
  if (step.can_abort && small("abort", std::string(tr(lang, "abort"))) && out) picker_ = "abort";
}

}  // namespace rivet::ui
