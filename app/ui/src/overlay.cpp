// Overlay panels with Dear ImGui: tracking banner, procedure step card and live-tag list, readable on a photo.
#include "rivet/ui/overlay.hpp"

#include <imgui.h>

#include <algorithm>
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
                ImVec2 pivot = ImVec2(0, 0)) {
  ImGui::SetNextWindowPos(pos, ImGuiCond_Always, pivot);
  ImGui::SetNextWindowSize(size);
  ImGui::PushStyleColor(ImGuiCol_WindowBg, pal.panel_bg);
  ImGui::PushStyleColor(ImGuiCol_Border, pal.accent);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, border_px);
  ImGui::Begin(name, nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoInputs | ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoNav);
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
  IMGUI_CHECKVERSION();
  ImGuiContext* context = ImGui::CreateContext();
  overlay->context_ = context;
  ImGui::SetCurrentContext(context);
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.LogFilename = nullptr;
  ImFontConfig config;
  config.OversampleH = 2;
  config.OversampleV = 2;
  const float px = kBaseFontPx * s.text_scale;
  ImFont* body = io.Fonts->AddFontFromFileTTF(s.font_path.c_str(), px, &config, kGlyphRanges);
  const std::string bold_path = std::filesystem::exists(kDefaultBoldFont) && settings.font_path.empty()
                                    ? std::string(kDefaultBoldFont)
                                    : s.font_path;
  ImFont* title = io.Fonts->AddFontFromFileTTF(bold_path.c_str(), px * 1.45f, &config, kGlyphRanges);
  if (body == nullptr || title == nullptr || !io.Fonts->Build()) {
    return core::makeError("cannot load the font", s.font_path, "check that the file is a TrueType font");
  }
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = s.high_contrast ? 0.0f : 8.0f;
  style.WindowPadding = ImVec2(14, 12);
  style.ItemSpacing = ImVec2(8, 6);
  return overlay;
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
  // ImGui sizes auto-fit panels from the previous pass; two passes make every output frame complete on its own
  // (headless frames and step changes never show a half-laid-out panel). A pass costs microseconds.
  buildPass(model, width, height, 1e-4);
  buildPass(model, width, height, dt_s);
}

void Overlay::buildPass(const OverlayModel& model, int width, int height, double dt_s) {
  ImGui::SetCurrentContext(ctx(context_));
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(static_cast<float>(width), static_cast<float>(height));
  io.DeltaTime = static_cast<float>(std::max(dt_s, 1e-4));
  const float scale = std::max(0.5f, static_cast<float>(height) / kReferenceHeightPx);
  io.FontGlobalScale = scale;
  const Language lang = settings_.language;
  const Palette pal = paletteFor(settings_.high_contrast);
  const float border = settings_.high_contrast ? 3.0f : 1.5f;
  ImFont* body = io.Fonts->Fonts[0];
  ImFont* title_font = io.Fonts->Fonts[1];
  const float w = static_cast<float>(width), h = static_cast<float>(height);
  const float margin = 12.0f * scale;

  ImGui::NewFrame();
  ImGui::PushFont(body);
  ImGui::PushStyleColor(ImGuiCol_Text, pal.text);

  // Tracking banner: symbol + words, never colour alone.
  const float banner_h = ImGui::GetFrameHeight() * 1.6f * settings_.text_scale;
  beginPanel("##tracking", ImVec2(margin, margin), ImVec2(w - 2 * margin, banner_h), pal, border);
  char line[256];
  if (model.tracking.tracked) {
    std::snprintf(line, sizeof line, "\u25CF %s \u00B7 %d/%d %s \u00B7 %s \u00B1%.1f mm", tr(lang, "tracked").data(),
                  model.tracking.markers_seen, model.tracking.markers_in_map, tr(lang, "markers").data(),
                  tr(lang, "accuracy").data(), model.tracking.registration_error_mm);
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
  if (!model.asset.empty() || !model.work_order.empty()) {
    std::string right = model.asset;
    if (!model.work_order.empty()) right += "   " + std::string(tr(lang, "work_order")) + " " + model.work_order;
    const float tw = ImGui::CalcTextSize(right.c_str()).x;
    ImGui::SameLine(std::max(ImGui::GetCursorPosX() + 20, ImGui::GetWindowWidth() - tw - 16 * scale));
    ImGui::TextColored(pal.dim_text, "%s", right.c_str());
  }
  endPanel();

  // Procedure step card (left).
  // Layout: the step card owns the left column, live values and alarms share the right one, so no panel covers
  // another whatever the text scale (large text gets a wider card and a narrower, clipped value list).
  const float card_w = std::min(w * 0.36f * settings_.text_scale, w * 0.5f - 1.5f * margin);
  const float card_top = margin * 2 + banner_h;
  beginPanel("##step", ImVec2(margin, card_top), ImVec2(card_w, 0), pal, border);
  ImGui::PushTextWrapPos(0.0f);
  const StepView& step = model.step;
  if (!step.procedure_title.empty()) ImGui::TextColored(pal.dim_text, "%s", step.procedure_title.c_str());
  if (step.finished) {
    ImGui::PushFont(title_font);
    ImGui::TextColored(pal.ok, "\u2713 %s", tr(lang, "finished").data());
    ImGui::PopFont();
  } else if (step.count > 0) {
    ImGui::TextColored(pal.accent, "%s %d/%d \u00B7 %s", tr(lang, "step").data(), step.index + 1, step.count,
                       step.kind.c_str());
    ImGui::PushFont(title_font);
    ImGui::TextUnformatted(step.title.c_str());
    ImGui::PopFont();
    ImGui::Spacing();
    ImGui::TextUnformatted(step.text.c_str());
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
    switch (step.gate) {
      case GateState::None: break;
      case GateState::Open: ImGui::TextColored(pal.ok, "\u2713 %s", tr(lang, "gate_open").data()); break;
      case GateState::Waiting: ImGui::TextColored(pal.warn, "\u2026 %s", tr(lang, "gate_waiting").data()); break;
      case GateState::Stale: ImGui::TextColored(pal.bad, "\u26A0 %s", tr(lang, "gate_stale").data()); break;
      case GateState::Failed: ImGui::TextColored(pal.bad, "\u2717 %s", tr(lang, "gate_failed").data()); break;
    }
    if (step.gate != GateState::None && !step.gate_reason.empty())
      ImGui::TextColored(pal.dim_text, "%s", step.gate_reason.c_str());
    if (!step.actions.empty()) {
      ImGui::Spacing();
      std::string acts;
      for (const auto& a : step.actions) acts += "[ " + a + " ]  ";
      ImGui::TextColored(pal.accent, "%s", acts.c_str());
    }
  }
  ImGui::PopTextWrapPos();
  endPanel();

  float right_column_bottom = h - margin;  // the alarms panel sits above the live values
  // Live values (bottom right): a three-column table (label, value, state) so long French labels never overlap.
  if (!model.tags.empty()) {
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

  // Active alarms (right column, above the live values), thick red border and a warning symbol on every line.
  if (!model.alarms.empty()) {
    const float alarms_w = std::min(w * 0.40f * settings_.text_scale, w - card_w - 3 * margin);
    Palette alarm_pal = pal;
    alarm_pal.accent = pal.bad;
    beginPanel("##alarms", ImVec2(w - margin, right_column_bottom), ImVec2(alarms_w, 0), alarm_pal, border * 2,
               ImVec2(1, 1));
    ImGui::TextColored(pal.bad, "\u26A0 %s (%d)", tr(lang, "alarm").data(), static_cast<int>(model.alarms.size()));
    ImGui::PushTextWrapPos(0.0f);
    for (const auto& a : model.alarms) ImGui::TextUnformatted(a.c_str());
    ImGui::PopTextWrapPos();
    endPanel();
  }

  ImGui::PopStyleColor();
  ImGui::PopFont();
  ImGui::Render();
}

}  // namespace rivet::ui
