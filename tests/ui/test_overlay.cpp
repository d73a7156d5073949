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
  // Registration verdicts: degraded (error in mm, ghosted) and rejected (diagnosis) have their own banners.
  OverlayModel degraded = sampleModel(false);
  degraded.tracking.degraded = true;
  degraded.tracking.registration_error_mm = 24;
  degraded.tracking.registration_reason = "marker 11 seems rotated 180° on the machine";
  (*overlay)->frame(degraded, 1280, 720, 1 / 30.0);
  EXPECT_GT((*overlay)->lastVertexCount(), 1000);
  OverlayModel rejected = sampleModel(false);
  rejected.tracking.rejected = true;
  rejected.tracking.registration_reason = std::string(600, 'x');  // a long diagnosis is cut, not overflowed
  (*overlay)->frame(rejected, 1280, 720, 1 / 30.0);
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
                          "alarm", "step", "live_values", "degraded", "degraded_hint", "registration_rejected"}) {
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
    // Side by side, the card, live values and alarms all show; stacked (larger text), one at a time.
    const auto& panels = (*overlay)->panels();
    ASSERT_TRUE(panels.count("step"));
    if (!(*overlay)->stacked()) {
      EXPECT_TRUE(panels.count("tags") && panels.count("alarms")) << "scale " << scale;
    }
    for (auto a = panels.begin(); a != panels.end(); ++a) {
      for (auto b = std::next(a); b != panels.end(); ++b) {
        const ImRect ra(a->second.x, a->second.y, a->second.x + a->second.w, a->second.y + a->second.h);
        const ImRect rb(b->second.x, b->second.y, b->second.x + b->second.w, b->second.y + b->second.h);
        EXPECT_FALSE(ra.Overlaps(rb)) << "panels " << a->first << " and " << b->first << " overlap at scale " << scale;
      }
    }
  }
}

namespace {
// Presses and releases the pointer on a named widget of the last frame, as a person clicking it.
std::vector<Command> click(Overlay& o, const OverlayModel& m, const std::string& name) {
  auto r = o.widget(name);
  EXPECT_TRUE(r.has_value()) << "no widget " << name;
  if (!r) return {};
  Input in;
  in.pointer_valid = true;
  in.x = r->cx();
  in.y = r->cy();
  in.pointer_down = true;
  auto first = o.frame(m, in, 1280, 720, 0.03);
  in.pointer_down = false;
  auto second = o.frame(m, in, 1280, 720, 0.03);
  first.insert(first.end(), second.begin(), second.end());
  return first;
}

OverlayModel interactiveStep() {
  OverlayModel m = sampleModel(true);
  m.step.step_id = "s1";
  m.step.can_confirm = true;
  m.step.can_back = true;
  m.step.can_abort = true;
  return m;
}
}  // namespace

TEST(OverlayInput, ClickOnConfirmEmitsOneConfirm) {
  auto overlay = Overlay::create({Language::En, 1.0f, false, ""});
  ASSERT_TRUE(overlay.ok());
  Overlay& o = **overlay;
  const OverlayModel m = interactiveStep();
  EXPECT_TRUE(o.frame(m, Input{}, 1280, 720, 0.03).empty());
  auto cmds = click(o, m, "confirm");
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0].name, "confirm");
  // Pointer that stays down elsewhere never fires anything.
  Input in;
  in.pointer_valid = true;
  in.x = 1200;
  in.y = 400;
  in.pointer_down = true;
  EXPECT_TRUE(o.frame(m, in, 1280, 720, 0.03).empty());
}

TEST(OverlayInput, EveryTargetIsAtLeast44Pixels) {
  for (float scale : {0.75f, 1.0f, 2.0f}) {
    auto overlay = Overlay::create({Language::Fr, scale, false, ""});
    ASSERT_TRUE(overlay.ok());
    OverlayModel m = interactiveStep();
    m.step.can_enter_value = true;
    m.step.can_pass_fail = true;
    m.step.points = {{"LOTO-1", "Sectionneur", false}};
    (*overlay)->frame(m, Input{}, 1280, 720, 0.03);
    ASSERT_FALSE((*overlay)->widgets().empty());
    for (const auto& [name, r] : (*overlay)->widgets()) {
      EXPECT_GE(r.w, kMinTargetPx - 0.5f) << name << " at scale " << scale;
      EXPECT_GE(r.h, kMinTargetPx - 0.5f) << name << " at scale " << scale;
    }
  }
}

TEST(OverlayInput, KeypadEntersAValueWithUnit) {
  auto overlay = Overlay::create({Language::En, 1.0f, false, ""});
  ASSERT_TRUE(overlay.ok());
  Overlay& o = **overlay;
  OverlayModel m = interactiveStep();
  m.step.can_confirm = false;
  m.step.can_enter_value = true;
  m.step.unit = "N·m";
  o.frame(m, Input{}, 1280, 720, 0.03);
  for (const char* k : {"key:6", "key:.", "key:2"}) EXPECT_TRUE(click(o, m, k).empty());
  EXPECT_EQ(o.keypadEntry(), "6.2");
  auto cmds = click(o, m, "key:ok");
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0].name, "value");
  EXPECT_EQ(cmds[0].arg, "6.2");
  // Typed digits (keyboard, decimal comma) and Enter do the same.
  Input typed;
  typed.text = "5,9";
  typed.keys = {"Enter"};
  cmds = o.frame(m, typed, 1280, 720, 0.03);
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0].arg, "5.9");
}

TEST(OverlayInput, AbortAsksForAReasonAndSignOffForAPin) {
  auto overlay = Overlay::create({Language::Fr, 1.0f, false, ""});
  ASSERT_TRUE(overlay.ok());
  Overlay& o = **overlay;
  OverlayModel m = interactiveStep();
  o.frame(m, Input{}, 1280, 720, 0.03);
  EXPECT_TRUE(click(o, m, "abort").empty());
  auto cmds = click(o, m, "reason:1");
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0].name, "abort");
  EXPECT_EQ(cmds[0].arg, "Unsafe to continue");

  m.step.step_id = "s9";
  m.step.can_confirm = false;
  m.step.can_sign_off = true;
  m.step.signers = {"alice", "bob"};
  o.frame(m, Input{}, 1280, 720, 0.03);
  EXPECT_TRUE(click(o, m, "sign_off").empty());
  EXPECT_TRUE(click(o, m, "signer:bob").empty());
  for (const char* k : {"key:4", "key:2"}) click(o, m, k);
  cmds = click(o, m, "key:ok");
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0].name, "sign_off");
  EXPECT_EQ(cmds[0].arg, "42");
  EXPECT_EQ(cmds[0].arg2, "bob");
}

TEST(OverlayInput, NamedCommandsActOnTheScreen) {
  auto overlay = Overlay::create({Language::En, 1.0f, false, ""});
  ASSERT_TRUE(overlay.ok());
  OverlayModel m = interactiveStep();
  m.step.can_confirm = false;
  m.step.points = {{"LOTO-1", "Main switch", true}, {"LOTO-2", "Air valve", false}};
  Input in;
  in.commands = {"confirm", "back"};
  auto cmds = (*overlay)->frame(m, in, 1280, 720, 0.03);
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0].name, "point");  // in the order they were given
  EXPECT_EQ(cmds[0].arg, "LOTO-2");  // the first point not yet locked
  EXPECT_EQ(cmds[1].name, "back");
}

TEST(OverlayInput, SettingsSwitchWhileRunning) {
  auto overlay = Overlay::create({Language::Fr, 1.0f, false, ""});
  ASSERT_TRUE(overlay.ok());
  Overlay& o = **overlay;
  const OverlayModel m = interactiveStep();
  o.frame(m, Input{}, 1280, 720, 0.03);
  EXPECT_TRUE(click(o, m, "settings").empty());
  EXPECT_TRUE(o.settingsOpen());
  auto cmds = click(o, m, "text:+");
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0].name, "text_scale");
  UiSettings s = o.settings();
  s.text_scale = std::stof(cmds[0].arg);
  s.language = Language::En;
  ASSERT_TRUE(o.applySettings(s).ok());
  EXPECT_TRUE(o.takeFontsChanged());
  EXPECT_FALSE(o.takeFontsChanged());
  o.frame(m, Input{}, 1280, 720, 0.03);
  EXPECT_TRUE(o.widget("contrast").has_value());
  EXPECT_FALSE(o.applySettings({Language::En, 9.0f, false, ""}).ok());
}

TEST(OverlayInput, LoginPicksUserThenPin) {
  auto overlay = Overlay::create({Language::Fr, 1.0f, false, ""});
  ASSERT_TRUE(overlay.ok());
  Overlay& o = **overlay;
  OverlayModel m;
  m.screen = Screen::Login;
  m.login.users = {"alice", "bob"};
  o.frame(m, Input{}, 1280, 720, 0.03);
  auto cmds = click(o, m, "user:bob");
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0].arg, "bob");
  m.login.selected = "bob";
  o.frame(m, Input{}, 1280, 720, 0.03);
  for (const char* k : {"key:1", "key:2", "key:3", "key:4"}) click(o, m, k);
  EXPECT_FALSE(o.widget("key:.").has_value()) << "a PIN pad has no decimal point";
  cmds = click(o, m, "key:ok");
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0].name, "pin");
  EXPECT_EQ(cmds[0].arg, "1234");
  EXPECT_EQ(cmds[0].arg2, "bob");
}
