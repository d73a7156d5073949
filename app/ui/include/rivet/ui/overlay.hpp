// The AR overlay's ImGui panels (procedure step, live tags, tracking state) drawn from plain view values.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rivet/core/result.hpp"

namespace rivet::ui {

enum class Language { En, Fr };

struct UiSettings {
  Language language = Language::Fr;
  float text_scale = 1.0f;      // 1.0 = 20 px at 720 p; users with low vision raise it (up to 3)
  bool high_contrast = false;   // opaque black panels, white text, yellow accents
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
  std::vector<std::string> actions;            // localised, e.g. "Confirmer"
  bool finished = false;
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

struct OverlayModel {
  TrackingView tracking;
  StepView step;
  std::vector<TagRow> tags;
  std::vector<std::string> alarms;  // active alarms, most severe first, localised ("Bearing temperature high: 74 °C")
  std::string asset;          // e.g. "Cellule 3 — robot FER"
  std::string work_order;     // CMMS work order number, may be empty
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
  [[nodiscard]] const UiSettings& settings() const { return settings_; }
  // Vertex count of the last frame's draw data (tests, diagnostics).
  [[nodiscard]] int lastVertexCount() const;

 private:
  explicit Overlay(UiSettings settings) : settings_(std::move(settings)) {}
  void buildPass(const OverlayModel& model, int width, int height, double dt_s);
  UiSettings settings_;
  void* context_ = nullptr;  // ImGuiContext*, kept opaque so this header sees no third-party type
};

// Fixed UI strings in the chosen language ("searching", "tracked", "stale", ...). Unknown keys return the key.
std::string_view tr(Language language, std::string_view key);

}  // namespace rivet::ui
