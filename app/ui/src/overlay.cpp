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

// Latin-1, Latin Extended-A (œ, Œ…), typographic punctuation and the status symbols we draw.
const ImWchar kGlyphRanges[] = {
    0x0020, 0x00FF, 0x0100, 0x017F, 0x2010, 0x2027, 0x2030, 0x203A, 0x20AC, 0x20AC, 0x2190, 0x2193,
    0x2212, 0x2212, 0x2713, 0x2717, 0x25B6, 0x25B6, 0x25CB, 0x25CB, 0x25CF, 0x25CF, 0x25D0, 0x25D0, 0x26A0, 0x26A0, 0,
};

struct Palette {
  ImVec4 panel_bg, text, dim_text, accent, ok, warn, bad, highlight;
};

Palette paletteFor(bool high_contrast) {
  if (high_contrast) {
    return {ImVec4(0, 0, 0, 1),          ImVec4(1, 1, 1, 1),          ImVec4(0.9f, 0.9f, 0.9f, 1),
            ImVec4(1, 0.92f, 0.1f, 1),   ImVec4(0.45f, 1, 0.45f, 1),  ImVec4(1, 0.85f, 0.1f, 1),
            ImVec4(1, 0.45f, 0.4f, 1),   ImVec4(1, 0.7f, 0.1f, 1)};
  }
  return {ImVec4(0.05f, 0.06f, 0.08f, 0.80f), ImVec4(0.97f, 0.97f, 0.97f, 1), ImVec4(0.75f, 0.78f, 0.82f, 1),
          ImVec4(0.55f, 0.78f, 1.0f, 1),      ImVec4(0.45f, 0.90f, 0.50f, 1),  ImVec4(1.0f, 0.78f, 0.25f, 1),
          ImVec4(1.0f, 0.42f, 0.38f, 1),      ImVec4(1.0f, 0.62f, 0.10f, 1)};
}

ImGuiContext* ctx(void* p) { return static_cast<ImGuiContext*>(p); }

const char* stateText(Language lang, Freshness f) {
  switch (f) {
    case Freshness::Fresh: return tr(lang, "ok").data();
    case Freshness::Stale: return tr(lang, "stale").data();
    case Freshness::Missing: return tr(lang, "missing").data();
    case Freshness::Bad: return tr(lang, "bad").data();
  }
  return "";
}

// `pivot` (0..1 per axis) is the point of the panel placed at `pos`: (1,1) anchors its bottom-right corner, so
// auto-sized panels (height 0) can sit on the bottom edge.
void beginPanel(const char* name, ImVec2 pos, ImVec2 size, const Palette& pal, float border_px,
                ImVec2 pivot = ImVec2(0, 0), bool interactive = false) {
  ImGui::SetNextWindowPos(pos, ImGuiCond_Always, pivot);
  ImGui::SetNextWindowSize(size);
  ImGui::PushStyleColor(ImGuiCol_WindowBg, pal.panel_bg);
  ImGui::PushStyleColor(ImGuiCol_Border, pal.accent);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, border_px);
  ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                           ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoNav;
  if (!interactive) flags |= ImGuiWindowFlags_NoInputs;
  ImGui::Begin(name, nullptr, flags);
}

void endPanel() {
  ImGui::End();
  ImGui::PopStyleVar();
  ImGui::PopStyleColor(2);
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
  if (model.step.step_id != last_step_ || model.screen != Screen::Step) {
    if (model.step.step_id != last_step_) {
      picker_.clear();
      signer_.clear();
    }
    last_step_ = model.step.step_id;
    info_scroll_ = 0;
  }
  const std::string owner = model.screen == Screen::Login   ? "login:" + model.login.selected
                            : model.screen == Screen::Orders ? "orders"
                                                              : "step:" + model.step.step_id + ":" + picker_;
  if (owner != entry_owner_) {
    entry_.clear();
    entry_owner_ = owner;
  }
  handleNamedCommands(model, input, &out);
  record_widgets_ = false;
  buildPass(model, &input, width, height, 1e-4, &out);
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
    std::vector<float> v = {info_h_, controls_h_};
    for (ImGuiWindow* w : ImGui::GetCurrentContext()->Windows) {
      if (w->Active) {
        v.push_back(w->ContentSize.x);
        v.push_back(w->ContentSize.y);
        v.push_back(w->Size.y);
      }
    }
    return v;
  };
  for (int pass = 0; pass < 3; ++pass) {
    const auto before = contentSizes();
    pass_widgets_.clear();
    pass_panels_.clear();
    buildPass(model, &held, width, height, pass == 0 ? dt_s : 1e-4, nullptr);
    if (contentSizes() == before) break;
  }
  widgets_ = pass_widgets_;
  panels_ = pass_panels_;
  return out;
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
  for (const auto& key : input.keys) {
    if (key == "Backspace" && !entry_.empty()) entry_.pop_back();
    if (key == "Escape") {
      if (settings_open_) settings_open_ = false;
      else picker_.clear();
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
    if (c == "confirm" || c == "next") {
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

bool Overlay::button(const std::string& name, const std::string& label, float width, bool enabled) {
  const float h = std::max(kMinTargetPx, ImGui::GetFrameHeight() * 1.25f);
  const float w = std::max(kMinTargetPx, width);
  if (!enabled) ImGui::BeginDisabled();
  const std::string id = label + "##" + name;
  const bool pressed = ImGui::Button(id.c_str(), ImVec2(width > 0 ? w : 0, h));
  if (!enabled) ImGui::EndDisabled();
  if (record_widgets_ && enabled) {
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    pass_widgets_[name] = {a.x, a.y, b.x - a.x, b.y - a.y};
  }
  return pressed && enabled;
}

// A 4x3 numeric pad (digits, decimal point, sign, delete) and a submit key; `mask` hides a PIN.
void Overlay::keypad(const std::string& prefix, bool mask, std::vector<Command>* out, const Command& submit) {
  const Language lang = settings_.language;
  const float key_w = std::max(kMinTargetPx, ImGui::GetFrameHeight() * 2.2f);
  std::string shown = mask ? std::string(entry_.size(), '*') : entry_;
  if (shown.empty()) shown = "\u2014";
  ImGui::PushFont(ImGui::GetIO().Fonts->Fonts[1]);
  ImGui::TextUnformatted(shown.c_str());
  ImGui::PopFont();
  const char* keys[] = {"7", "8", "9", "4", "5", "6", "1", "2", "3", mask ? "" : "-", "0", mask ? "" : "."};
  for (int i = 0; i < 12; ++i) {
    if (i % 3 != 0) ImGui::SameLine();
    if (keys[i][0] == '\0') {
      ImGui::Dummy(ImVec2(key_w, std::max(kMinTargetPx, ImGui::GetFrameHeight() * 1.25f)));
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
  if (button(prefix + "del", "\u2190 " + std::string(tr(lang, "delete")), key_w * 1.5f + 4) && out != nullptr &&
      !entry_.empty()) {
    entry_.pop_back();
  }
  ImGui::SameLine();
  if (button(prefix + "ok", "\u2713 " + std::string(tr(lang, "ok")), key_w * 1.5f + 4, !entry_.empty()) &&
      out != nullptr) {
    Command c = submit;
    c.arg = entry_;
    out->push_back(c);
    entry_.clear();
  }
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
  const Language lang = settings_.language;
  const Palette pal = paletteFor(settings_.high_contrast);
  const float border = settings_.high_contrast ? 3.0f : 1.5f;
  ImFont* body = io.Fonts->Fonts[0];
  const float w = static_cast<float>(width), h = static_cast<float>(height);
  const float margin = 12.0f * scale;

  ImGui::NewFrame();
  ImGui::PushFont(body);
  ImGui::PushStyleColor(ImGuiCol_Text, pal.text);
  ImGui::PushStyleColor(ImGuiCol_Button, settings_.high_contrast ? ImVec4(0.1f, 0.1f, 0.1f, 1) : ImVec4(0.16f, 0.32f, 0.55f, 1));
  ImGui::PushStyleColor(ImGuiCol_ButtonHovered, settings_.high_contrast ? ImVec4(0.3f, 0.3f, 0.0f, 1) : ImVec4(0.22f, 0.42f, 0.70f, 1));
  ImGui::PushStyleColor(ImGuiCol_ButtonActive, settings_.high_contrast ? ImVec4(0.5f, 0.5f, 0.0f, 1) : ImVec4(0.28f, 0.52f, 0.85f, 1));
  ImGui::PushStyleColor(ImGuiCol_Border, pal.accent);
  ImGui::PushStyleVar(ImGuiStyleVar_FrameBorderSize, settings_.high_contrast ? 2.0f : 0.0f);

  // Tracking banner: symbol + words, never colour alone; who is logged in; the settings button.
  const float banner_h = std::max(kMinTargetPx + 2 * 12.0f, ImGui::GetFrameHeight() * 1.6f * settings_.text_scale);
  beginPanel("##tracking", ImVec2(margin, margin), ImVec2(w - 2 * margin, banner_h), pal, border, ImVec2(0, 0), true);
  char line[512];
  if (model.tracking.tracked) {
    std::snprintf(line, sizeof line, "\u25CF %s \u00B7 %d/%d %s \u00B7 %s \u00B1%.1f mm", tr(lang, "tracked").data(),
                  model.tracking.markers_seen, model.tracking.markers_in_map, tr(lang, "markers").data(),
                  tr(lang, "accuracy").data(), model.tracking.registration_error_mm);
    ImGui::TextColored(pal.ok, "%s", line);
  } else if (model.tracking.degraded) {
    std::snprintf(line, sizeof line, "\u25D0 %s \u00B7 \u00B1%.0f mm \u2014 %s%s%s", tr(lang, "degraded").data(),
                  model.tracking.registration_error_mm, tr(lang, "degraded_hint").data(),
                  model.tracking.registration_reason.empty() ? "" : " \u00B7 ",
                  model.tracking.registration_reason.c_str());
    ImGui::TextColored(pal.warn, "%s", line);
  } else if (model.tracking.rejected) {
    std::snprintf(line, sizeof line, "\u2716 %s \u2014 %s", tr(lang, "registration_rejected").data(),
                  model.tracking.registration_reason.c_str());
    ImGui::TextColored(pal.warn, "%s", line);
  } else if (model.tracking.world_anchored) {
    std::snprintf(line, sizeof line, "\u25D1 %s  \u2014  %s", tr(lang, "world_anchored").data(),
                  tr(lang, "world_anchored_hint").data());
    ImGui::TextColored(pal.ok, "%s", line);
  } else if (model.tracking.ambiguous) {
    std::snprintf(line, sizeof line, "\u25D0 %s  \u2014  %s", tr(lang, "ambiguous").data(),
                  tr(lang, "ambiguous_hint").data());
    ImGui::TextColored(pal.warn, "%s", line);
  } else {
    std::snprintf(line, sizeof line, "\u25CB %s  \u2014  %s", tr(lang, "searching").data(),
                  tr(lang, "searching_hint").data());
    ImGui::TextColored(pal.warn, "%s", line);
  }
  {
    std::string right = model.asset;
    if (!model.work_order.empty()) right += "   " + std::string(tr(lang, "work_order")) + " " + model.work_order;
    if (!model.user.empty()) right += "   \u00B7 " + model.user + " (" + model.role + ")";
    const std::string gear = std::string(tr(lang, "settings"));
    const float gear_w = ImGui::CalcTextSize(gear.c_str()).x + 2 * ImGui::GetStyle().FramePadding.x;
    const float tw = ImGui::CalcTextSize(right.c_str()).x;
    const float x_gear = ImGui::GetWindowWidth() - gear_w - 16 * scale;
    if (!right.empty()) {
      ImGui::SameLine(std::max(ImGui::GetCursorPosX() + 20, x_gear - tw - 16 * scale));
      ImGui::TextColored(pal.dim_text, "%s", right.c_str());
    }
    ImGui::SameLine(std::max(ImGui::GetCursorPosX() + 10, x_gear));
    ImGui::SetCursorPosY(std::max(4.0f, (banner_h - std::max(kMinTargetPx, ImGui::GetFrameHeight() * 1.25f)) / 2));
    if (button("settings", gear, gear_w) && out != nullptr) settings_open_ = !settings_open_;
  }
  endPanel();
  float top = margin * 2 + banner_h;

  // Degraded data (broker down, values stale): a full-width banner under the tracking one, symbol and words.
  if (!model.data_banner.empty()) {
    Palette bad = pal;
    bad.accent = pal.bad;
    beginPanel("##data", ImVec2(margin, top), ImVec2(w - 2 * margin, 0), bad, border * 2);
    ImGui::TextColored(pal.bad, "\u26A0 %s", model.data_banner.c_str());
    if (record_widgets_) {
      const ImVec2 p = ImGui::GetWindowPos(), sz = ImGui::GetWindowSize();
      pass_panels_["data_banner"] = {p.x, p.y, sz.x, sz.y};
    }
    top += ImGui::GetWindowHeight() + margin;
    endPanel();
  }

  const float card_w = std::min(w * 0.36f * settings_.text_scale, w * 0.5f - 1.5f * margin);
  if (model.screen == Screen::Login) {
    beginPanel("##login", ImVec2(margin, top), ImVec2(std::min(w - 2 * margin, card_w * 1.4f), 0), pal, border,
               ImVec2(0, 0), true);
    loginPanel(model, out);
    endPanel();
  } else if (model.screen == Screen::Orders) {
    beginPanel("##orders", ImVec2(margin, top), ImVec2(std::min(w - 2 * margin, card_w * 1.6f), h - top - margin),
               pal, border, ImVec2(0, 0), true);
    ordersPanel(model, out);
    endPanel();
  } else {
    card_max_h_ = h - top - margin - 2 * ImGui::GetStyle().WindowPadding.y - 2 * border;
    beginPanel("##step", ImVec2(margin, top), ImVec2(card_w, 0), pal, border, ImVec2(0, 0), true);
    ImGui::PushTextWrapPos(0.0f);
    stepPanel(model, out);
    ImGui::PopTextWrapPos();
    if (record_widgets_) {  // the card itself, for UI automation and screenshot checks (not a target)
      const ImVec2 p = ImGui::GetWindowPos(), sz = ImGui::GetWindowSize();
      pass_panels_["step"] = {p.x, p.y, sz.x, sz.y};
    }
    endPanel();
  }

  float right_column_bottom = h - margin;  // the alarms panel sits above the live values
  // Live values (bottom right): a three-column table (label, value, state) so long French labels never overlap.
  if (!model.tags.empty() && model.screen == Screen::Step) {
    const float tags_w = std::min(w * 0.50f * settings_.text_scale, w - card_w - 3 * margin);
    beginPanel("##tags", ImVec2(w - margin, h - margin), ImVec2(tags_w, 0), pal, border, ImVec2(1, 1));
    ImGui::TextColored(pal.dim_text, "%s", tr(lang, "live_values").data());
    if (ImGui::BeginTable("##tag_table", 3, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg)) {
      ImGui::TableSetupColumn("label", ImGuiTableColumnFlags_WidthStretch);
      ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthFixed);
      ImGui::TableSetupColumn("state", ImGuiTableColumnFlags_WidthFixed);
      for (const auto& row : model.tags) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(row.label.c_str());
        ImGui::TableNextColumn();
        if (row.freshness == Freshness::Fresh) {
          ImGui::TextUnformatted(row.value_text.c_str());
        } else {
          // Stale or bad: the last value stays visible but dimmed; the state column says why.
          ImGui::TextColored(pal.dim_text, "%s", row.value_text.empty() ? "\u2014" : row.value_text.c_str());
        }
        ImGui::TableNextColumn();
        if (row.freshness == Freshness::Fresh) {
          if (row.alarm) {
            ImGui::TextColored(pal.bad, "\u26A0 %s", tr(lang, "alarm").data());
          } else {
            ImGui::TextColored(pal.ok, "\u2713 %s", tr(lang, "ok").data());
          }
        } else if (row.freshness == Freshness::Stale) {
          ImGui::TextColored(pal.bad, "\u26A0 %s %.0f s", stateText(lang, row.freshness), row.age_s);
        } else {
          ImGui::TextColored(pal.bad, "\u2717 %s", stateText(lang, row.freshness));
        }
      }
      ImGui::EndTable();
    }
    right_column_bottom = h - margin - ImGui::GetWindowHeight() - margin;
    endPanel();
  }

  // Active alarms (right column, above the live values), thick red border and a warning symbol on every line;
  // each one the user's role may acknowledge has its button.
  if (!model.alarms.empty() || !model.alarm_rows.empty()) {
    const float alarms_w = std::min(w * 0.40f * settings_.text_scale, w - card_w - 3 * margin);
    Palette alarm_pal = pal;
    alarm_pal.accent = pal.bad;
    beginPanel("##alarms", ImVec2(w - margin, right_column_bottom), ImVec2(alarms_w, 0), alarm_pal, border * 2,
               ImVec2(1, 1), true);
    const int count = static_cast<int>(std::max(model.alarms.size(), model.alarm_rows.size()));
    ImGui::TextColored(pal.bad, "\u26A0 %s (%d)", tr(lang, "alarm").data(), count);
    ImGui::PushTextWrapPos(0.0f);
    if (model.alarm_rows.empty()) {
      for (const auto& a : model.alarms) ImGui::TextUnformatted(a.c_str());
    }
    for (const auto& a : model.alarm_rows) {
      ImGui::TextUnformatted(a.text.c_str());
      if (a.acknowledged) {
        ImGui::TextColored(pal.dim_text, "\u2713 %s", tr(lang, "acknowledged").data());
      } else if (a.can_ack) {
        if (button("ack:" + a.key, std::string(tr(lang, "acknowledge"))) && out != nullptr) {
          out->push_back({"ack_alarm", a.key, ""});
        }
      }
    }
    ImGui::PopTextWrapPos();
    endPanel();
  }

  if (settings_open_) {
    beginPanel("##settings", ImVec2(w - margin, top), ImVec2(std::min(w * 0.42f, 460.0f * scale * settings_.text_scale), 0), pal,
               border * 2, ImVec2(1, 0), true);
    settingsPanel(out);
    endPanel();
  }

  ImGui::PopStyleVar();
  ImGui::PopStyleColor(5);
  ImGui::PopFont();
  ImGui::Render();
}

void Overlay::settingsPanel(std::vector<Command>* out) {
  const Language lang = settings_.language;
  ImGui::PushFont(ImGui::GetIO().Fonts->Fonts[1]);
  ImGui::TextUnformatted(tr(lang, "settings").data());
  ImGui::PopFont();
  ImGui::TextUnformatted(tr(lang, "language").data());
  if (button("lang:fr", std::string(lang == Language::Fr ? "\u25CF " : "\u25CB ") + "Fran\u00e7ais") && out) {
    out->push_back({"language", "fr", ""});
  }
  ImGui::SameLine();
  if (button("lang:en", std::string(lang == Language::En ? "\u25CF " : "\u25CB ") + "English") && out) {
    out->push_back({"language", "en", ""});
  }
  char scale[64];
  std::snprintf(scale, sizeof scale, "%s : %.0f %%", tr(lang, "text_size").data(), settings_.text_scale * 100);
  ImGui::TextUnformatted(scale);
  if (button("text:-", "A\u2212", 0, settings_.text_scale > 0.75f) && out) {
    char v[16];
    std::snprintf(v, sizeof v, "%.2f", std::max(0.75f, settings_.text_scale - 0.25f));
    out->push_back({"text_scale", v, ""});
  }
  ImGui::SameLine();
  if (button("text:+", "A+", 0, settings_.text_scale < 2.0f) && out) {
    char v[16];
    std::snprintf(v, sizeof v, "%.2f", std::min(2.0f, settings_.text_scale + 0.25f));
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
      if (button("user:" + u, u, ImGui::GetContentRegionAvail().x) && out) out->push_back({"login_user", u, ""});
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
  if (!model.orders.message.empty()) ImGui::TextColored(pal.warn, "%s", model.orders.message.c_str());
  const float full = ImGui::GetContentRegionAvail().x;
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
  const float full = ImGui::GetContentRegionAvail().x;
  if (!step.procedure_title.empty()) ImGui::TextColored(pal.dim_text, "%s", step.procedure_title.c_str());
  if (step.finished) {
    ImGui::PushFont(title_font);
    if (step.aborted) {
      ImGui::TextColored(pal.bad, "\u2717 %s", tr(lang, "aborted").data());
    } else {
      ImGui::TextColored(pal.ok, "\u2713 %s", tr(lang, "finished").data());
    }
    ImGui::PopFont();
    if (!step.feedback.empty()) ImGui::TextUnformatted(step.feedback.c_str());
    if (button("new_session", std::string(tr(lang, "new_session")), full) && out) out->push_back({"new_session", "", ""});
    return;
  }
  if (step.count <= 0) return;
  // The step's text scrolls inside the card when it is long (large text, French); its controls stay below it,
  // always on screen. A clipped region of the card itself (a child window would take the card's pointer input);
  // heights come from the previous pass (two passes a frame, so a change settles at once).
  const float spacing = ImGui::GetStyle().ItemSpacing.y;
  const float room = std::max(card_max_h_ - controls_h_ - spacing, 3 * ImGui::GetTextLineHeightWithSpacing());
  // Not measured yet (first pass): laid out in full, unclipped, to measure it; that pass is never shown.
  const bool measuring = info_h_ <= 0;
  const bool clipped = !measuring && info_h_ > room;
  const float info_h = measuring ? 1e5f : clipped ? room : info_h_;
  ImGuiWindow* win = ImGui::GetCurrentWindow();
  const ImVec2 start = ImGui::GetCursorScreenPos();
  const float region_w = ImGui::GetContentRegionAvail().x;
  const ImRect region(start, ImVec2(start.x + region_w, start.y + info_h));
  if (clipped && ImGui::IsMouseHoveringRect(region.Min, region.Max, false)) {
    info_scroll_ -= ImGui::GetIO().MouseWheel * ImGui::GetTextLineHeightWithSpacing() * 3;
  }
  info_scroll_ = clipped ? std::clamp(info_scroll_, 0.0f, info_h_ - info_h) : 0.0f;
  const ImVec2 max_before = win->DC.CursorMaxPos;
  ImGui::PushClipRect(region.Min, region.Max, true);
  ImGui::SetCursorScreenPos(ImVec2(start.x, start.y - info_scroll_));
  ImGui::BeginGroup();
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
      if (item.done) {
        ImGui::TextColored(pal.ok, "\u2713");
      } else {
        ImGui::TextColored(pal.warn, "\u25CB");
      }
      ImGui::SameLine();
      ImGui::TextUnformatted(item.text.c_str());
    }
  }
  ImGui::Spacing();

  ImGui::EndGroup();
  info_h_ = ImGui::GetItemRectSize().y + spacing;
  ImGui::PopClipRect();
  if (clipped) {  // a scroll bar shows there is more text, and where the reader is in it
    const float bar_h = info_h * info_h / info_h_;
    const float bar_y = region.Min.y + (info_h - bar_h) * (info_scroll_ / std::max(info_h_ - info_h, 1.0f));
    win->DrawList->AddRectFilled(ImVec2(region.Max.x - 4, bar_y), ImVec2(region.Max.x, bar_y + bar_h),
                                 ImGui::GetColorU32(pal.dim_text), 2.0f);
  }
  const float region_bottom = measuring ? start.y + info_h_ : region.Max.y;
  win->DC.CursorMaxPos = ImVec2(std::max(max_before.x, region.Max.x), std::max(max_before.y, region_bottom));
  ImGui::SetCursorScreenPos(ImVec2(start.x, region_bottom));
  const float controls_top = ImGui::GetCursorPosY();
  stepControls(model, out);
  controls_h_ = ImGui::GetCursorPosY() - controls_top;
}

void Overlay::stepControls(const OverlayModel& model, std::vector<Command>* out) {
  const Language lang = settings_.language;
  const StepView& step = model.step;
  const float full = ImGui::GetContentRegionAvail().x;
  const Palette pal = paletteFor(settings_.high_contrast);
  // Gate state and the result of the last action sit with the controls, so they are never scrolled away.
  ImGui::PushTextWrapPos(0.0f);
  switch (step.gate) {
    case GateState::None: break;
    case GateState::Open: ImGui::TextColored(pal.ok, "\u2713 %s", tr(lang, "gate_open").data()); break;
    case GateState::Waiting: ImGui::TextColored(pal.warn, "\u2026 %s", tr(lang, "gate_waiting").data()); break;
    case GateState::Stale: ImGui::TextColored(pal.bad, "\u26A0 %s", tr(lang, "gate_stale").data()); break;
    case GateState::Failed: ImGui::TextColored(pal.bad, "\u2717 %s", tr(lang, "gate_failed").data()); break;
  }
  if (step.gate != GateState::None && !step.gate_reason.empty())
    ImGui::TextColored(pal.dim_text, "%s", step.gate_reason.c_str());
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
      for (const auto& s : step.signers) {
        if (button("signer:" + s, std::string(s == signer_ ? "\u25CF " : "\u25CB ") + s) && out) signer_ = s;
        ImGui::SameLine();
      }
      ImGui::NewLine();
    }
    ImGui::Text("%s : %s", tr(lang, "pin_for").data(), signer_.c_str());
    keypad("key:", true, out, {"sign_off", "", signer_});
    if (button("cancel", std::string(tr(lang, "cancel"))) && out) picker_.clear();
    return;
  }
  for (const auto& p : step.points) {
    const std::string label = std::string(p.done ? "\u2713 " : "\u25CB ") + p.label;
    if (button("point:" + p.id, label, full, !p.done) && out) out->push_back({"point", p.id, ""});
  }
  for (const auto& c : step.choices) {
    if (button("choice:" + c.id, c.label, full) && out) out->push_back({"choose", c.id, ""});
  }
  for (const auto& a : step.answers) {
    if (button("answer:" + a.id, a.label, full) && out) out->push_back({"answer", a.id, ""});
  }
  if (step.can_enter_value) {
    ImGui::Text("%s %s  %s", tr(lang, "value").data(), step.unit.c_str(), step.tolerance.c_str());
    keypad("key:", false, out, {"value", "", ""});
  }
  if (step.can_confirm && step.points.empty()) {
    if (button("confirm", "\u2713 " + std::string(tr(lang, "confirm")), full) && out) out->push_back({"confirm", "", ""});
  }
  if (step.can_pass_fail) {
    const float half = (full - ImGui::GetStyle().ItemSpacing.x) / 2;
    if (button("pass", "\u2713 " + std::string(tr(lang, "pass")), half) && out) out->push_back({"pass", "", ""});
    ImGui::SameLine();
    if (button("fail", "\u2717 " + std::string(tr(lang, "fail")), half) && out) out->push_back({"fail", "", ""});
  }
  if (step.can_sign_off) {
    if (button("sign_off", std::string(tr(lang, "sign_off")), full) && out) picker_ = "sign_off";
  }
  ImGui::Spacing();
  if (step.can_back) {
    if (button("back", "\u2190 " + std::string(tr(lang, "back"))) && out) out->push_back({"back", "", ""});
    ImGui::SameLine();
  }
  if (step.can_hint) {
    if (button("hint", std::string(tr(lang, "hint"))) && out) out->push_back({"hint", "", ""});
    ImGui::SameLine();
  }
  if (step.can_skip) {
    if (button("skip", std::string(tr(lang, "skip"))) && out) picker_ = "skip";
    ImGui::SameLine();
  }
  if (step.can_abort) {
    if (button("abort", std::string(tr(lang, "abort"))) && out) picker_ = "abort";
  }
}

}  // namespace rivet::ui
