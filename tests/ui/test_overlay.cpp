// Unit tests for the overlay panels: fonts cover French text and status symbols, panels build in both modes.
#include <gtest/gtest.h>
#include <imgui.h>
#include <imgui_internal.h>

#include "rivet/ui/overlay.hpp"

using namespace rivet::ui;

namespace {
OverlayModel sampleModel(bool tracked) {
  OverlayModel m;
  m.tracking = {tracked, 3, 4, 0.4, 1.2, tracked ? 0 : 12};
  m.step.procedure_title = "Remplacer les doigts de la pince";
  m.step.index = 2;
  m.step.count = 12;
  m.step.kind = "Consignation";
  m.step.title = "Vérifier l'absence d'énergie";
  m.step.text = "Contrôlez que la pression d'air est à 0 bar et que le contacteur général est ouvert. Œillet à déposer.";
  m.step.highlighted_parts = {"Pince", "Doigt gauche"};
  m.step.gate = GateState::Stale;
  m.tags = {{"Pression d'air", "0.0 bar", Freshness::Fresh, 0.2, false, ""},
            {"Vitesse axe", "—", Freshness::Stale, 12, false, ""}};
  return m;
}
}  // namespace

TEST(Overlay, FontCoversFrenchAndStatusSymbols) {
  auto overlay = Overlay::create({});
  ASSERT_TRUE(overlay.ok()) << overlay.error().describe();
  ImFont* font = ImGui::GetIO().Fonts->Fonts[0];
  for (ImWchar c : {0x00E9, 0x00E8, 0x00E0, 0x00E7, 0x00C9, 0x0153, 0x0152, 0x00B1, 0x00B7, 0x2026, 0x2014, 0x2019,
                    0x26A0, 0x2713, 0x2717, 0x25CF, 0x25CB, 0x25D0, 0x25B6}) {
    EXPECT_NE(font->FindGlyphNoFallback(c), nullptr) << "missing glyph U+" << std::hex << c;
  }
}

TEST(Overlay, BuildsPanelsTrackedAndSearching) {
  auto overlay = Overlay::create({Language::Fr, 1.0f, false, ""});
  ASSERT_TRUE(overlay.ok());
  (*overlay)->frame(sampleModel(true), 1280, 720, 1 / 30.0);
  const int tracked_vertices = (*overlay)->lastVertexCount();
  EXPECT_GT(tracked_vertices, 1000);
  (*overlay)->frame(sampleModel(false), 1280, 720, 1 / 30.0);
  EXPECT_GT((*overlay)->lastVertexCount(), 1000);
  OverlayModel ambiguous = sampleModel(false);
  ambiguous.tracking.ambiguous = true;  // one marker, orientation undecided: its own banner, not "searching"
  (*overlay)->frame(ambiguous, 1280, 720, 1 / 30.0);
  EXPECT_GT((*overlay)->lastVertexCount(), 1000);
}

TEST(Overlay, LargerTextScaleMakesLargerPanels) {
  auto small = Overlay::create({Language::En, 1.0f, false, ""});
  ASSERT_TRUE(small.ok());
  (*small)->frame(sampleModel(true), 1280, 720, 0.03);
  const ImVec2 small_size = ImGui::FindWindowByName("##step")->Size;
  small->reset();
  auto large = Overlay::create({Language::En, 1.6f, true, ""});
  ASSERT_TRUE(large.ok());
  (*large)->frame(sampleModel(true), 1280, 720, 0.03);
  const ImVec2 large_size = ImGui::FindWindowByName("##step")->Size;
  EXPECT_GT(large_size.x, small_size.x * 1.3f);
  EXPECT_GT(large_size.y, small_size.y * 1.2f);
}

TEST(Overlay, RejectsMissingFontAndBadScale) {
  auto missing = Overlay::create({Language::En, 1.0f, false, "/nonexistent/font.ttf"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().describe().find("/nonexistent/font.ttf"), std::string::npos);
  auto bad_scale = Overlay::create({Language::En, 9.0f, false, ""});
  ASSERT_FALSE(bad_scale.ok());
}

TEST(Strings, EveryKeyHasBothLanguages) {
  for (const char* key : {"searching", "tracked", "ambiguous", "ambiguous_hint", "stale", "missing", "bad", "gate_stale", "gate_failed", "finished",
                          "alarm", "step", "live_values"}) {
    EXPECT_NE(tr(Language::En, key), key);
    EXPECT_NE(tr(Language::Fr, key), key);
  }
  EXPECT_EQ(tr(Language::Fr, "stale"), "PÉRIMÉ");
}

TEST(Overlay, PanelsNeverOverlapAtLargeTextScale) {
  for (float scale : {1.0f, 1.4f, 2.0f}) {
    auto overlay = Overlay::create({Language::Fr, scale, true, ""});
    ASSERT_TRUE(overlay.ok());
    OverlayModel m = sampleModel(true);
    m.alarms = {"Critique — Pression d'air trop basse : la pince peut lâcher la pièce (0.3)"};
    (*overlay)->frame(m, 1280, 720, 0.03);
    std::vector<ImRect> rects;
    for (const char* name : {"##step", "##tags", "##alarms"}) {
      const ImGuiWindow* win = ImGui::FindWindowByName(name);
      ASSERT_NE(win, nullptr) << name;
      rects.push_back(win->Rect());
    }
    for (size_t i = 0; i < rects.size(); ++i) {
      for (size_t j = i + 1; j < rects.size(); ++j) {
        EXPECT_FALSE(rects[i].Overlaps(rects[j])) << "panels " << i << " and " << j << " overlap at scale " << scale;
      }
    }
  }
}
