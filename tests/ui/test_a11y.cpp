// Accessibility of the overlay, measured on what it draws: words and symbols for every state, state colours under
// simulated colour blindness, text scale up to 3x without overlap or clipping, every command by button/key/gaze.
#include <gtest/gtest.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "a11y_scenarios.hpp"
#include "colour_math.hpp"
#include "rivet/ui/keys.hpp"
#include "rivet/ui/overlay.hpp"
#include "rivet/xr/logic.hpp"
#include "ui_probe.hpp"

using namespace rivet::ui;
using namespace rivet::ui::test;

namespace {

// Pairs of states that must be told apart by colour keep at least this CIEDE2000 difference for every simulated
// vision. ΔE00 ≈ 1 is a just-noticeable difference between large patches side by side; state colours are small
// (a symbol and a word, 0.3-0.5° at reading distance), seen apart and on a see-through display, where the
// difference needed grows several-fold as marks get smaller (Stone, Szafir & Setlur, "An Engineering Model for
// Color Difference as a Function of Size", IS&T CIC 2014). 15 keeps an order of magnitude of margin.
constexpr double kMinStateDeltaE = 15.0;

std::string outputDir() {
  const std::string dir = std::string(RIVET_BINARY_DIR) + "/test-output/ui_a11y";
  std::filesystem::create_directories(dir);
  return dir;
}

Rgb rgbOf(ImU32 c) {
  return {((c >> IM_COL32_R_SHIFT) & 0xFF) / 255.0, ((c >> IM_COL32_G_SHIFT) & 0xFF) / 255.0,
          ((c >> IM_COL32_B_SHIFT) & 0xFF) / 255.0};
}

std::vector<TextRun> visibleRuns() {
  std::vector<TextRun> out;
  for (auto& r : textRuns(*ImGui::GetDrawData())) {
    if (!r.hidden()) out.push_back(std::move(r));
  }
  return out;
}

// The visible run that shows `symbol` and `word` together (one piece of text, as the overlay draws a state).
std::optional<TextRun> stateRun(unsigned symbol, std::string_view word) {
  const std::string w = squeezed(std::string(word));
  for (const auto& r : visibleRuns()) {
    if (r.has(symbol) && squeezed(r.text).find(w) != std::string::npos) return r;
  }
  return std::nullopt;
}

std::string dump(const std::vector<TextRun>& runs) {
  std::string s;
  for (const auto& r : runs) s += "  [" + r.window + "] " + r.text + "\n";
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// Every state of every state enum, the model that shows it, its symbol, word and colour class.
enum class Class { Good, Caution, Blocked, Info };
struct StateCase {
  std::string group;  // gate, freshness, severity, tracking, checklist, isolation point
  std::string name;
  unsigned symbol;
  const char* word;   // tr() key
  Class cls;
  std::function<void(OverlayModel&)> set;
};

OverlayModel quietModel() {
  OverlayModel m;
  m.tracking = {true, 3, 4, 0.4, 1.0, 0};
  m.step.step_id = "s1";
  m.step.index = 0;
  m.step.count = 3;
  m.step.kind = "Check";
  m.step.title = "Title";
  m.step.text = "Text.";
  return m;
}

std::vector<StateCase> stateCases() {
  std::vector<StateCase> c;
  auto gate = [](GateState g) { return [g](OverlayModel& m) { m.step.gate = g; }; };
  c.push_back({"gate", "open", 0x2713, "gate_open", Class::Good, gate(GateState::Open)});
  c.push_back({"gate", "waiting", 0x25D4, "gate_waiting", Class::Caution, gate(GateState::Waiting)});
  c.push_back({"gate", "stale", 0x25F7, "gate_stale", Class::Blocked, gate(GateState::Stale)});
  c.push_back({"gate", "failed", 0x2717, "gate_failed", Class::Blocked, gate(GateState::Failed)});
  auto tag = [](Freshness f, bool alarm) {
    return [f, alarm](OverlayModel& m) { m.tags = {{"Air", "1.0 bar", f, 12, alarm, alarm ? "high" : ""}}; };
  };
  c.push_back({"freshness", "fresh", 0x2713, "ok", Class::Good, tag(Freshness::Fresh, false)});
  c.push_back({"freshness", "alarm", 0x26A0, "alarm", Class::Blocked, tag(Freshness::Fresh, true)});
  c.push_back({"freshness", "stale", 0x25F7, "stale", Class::Blocked, tag(Freshness::Stale, false)});
  c.push_back({"freshness", "missing", 0x2205, "missing", Class::Blocked, tag(Freshness::Missing, false)});
  c.push_back({"freshness", "bad", 0x2717, "bad", Class::Blocked, tag(Freshness::Bad, false)});
  auto sev = [](AlarmSeverity s) {
    return [s](OverlayModel& m) { m.alarm_rows = {{"k", "Message", false, false, s}}; };
  };
  c.push_back({"severity", "info", 0x2139, "sev_info", Class::Info, sev(AlarmSeverity::Info)});
  c.push_back({"severity", "warning", 0x26A0, "sev_warning", Class::Caution, sev(AlarmSeverity::Warning)});
  c.push_back({"severity", "critical", 0x2716, "sev_critical", Class::Blocked, sev(AlarmSeverity::Critical)});
  auto track = [](std::function<void(TrackingView&)> f) {
    return [f](OverlayModel& m) {
      m.tracking = {};
      m.tracking.markers_in_map = 4;
      f(m.tracking);
    };
  };
  c.push_back({"tracking", "tracked", 0x25CF, "tracked", Class::Good, track([](TrackingView& t) { t.tracked = true; })});
  c.push_back({"tracking", "world_anchored", 0x25D1, "world_anchored", Class::Good,
               track([](TrackingView& t) { t.world_anchored = true; })});
  c.push_back({"tracking", "degraded", 0x25D0, "degraded", Class::Caution, track([](TrackingView& t) { t.degraded = true; })});
  c.push_back({"tracking", "ambiguous", 0x21C4, "ambiguous", Class::Caution, track([](TrackingView& t) { t.ambiguous = true; })});
  c.push_back({"tracking", "searching", 0x25CB, "searching", Class::Caution, track([](TrackingView&) {})});
  c.push_back({"tracking", "rejected", 0x2716, "registration_rejected", Class::Blocked,
               track([](TrackingView& t) { t.rejected = true; })});
  c.push_back({"checklist", "done", 0x2713, "item_done", Class::Good,
               [](OverlayModel& m) { m.step.checklist = {{"Pressure < 0.1 bar", true}}; }});
  c.push_back({"checklist", "to_do", 0x25CB, "item_todo", Class::Caution,
               [](OverlayModel& m) { m.step.checklist = {{"Pressure < 0.1 bar", false}}; }});
  c.push_back({"isolation point", "locked", 0x2713, "locked", Class::Good,
               [](OverlayModel& m) { m.step.points = {{"P1", "Main switch", true}}; }});
  c.push_back({"isolation point", "to_lock", 0x25CB, "to_lock", Class::Caution,
               [](OverlayModel& m) { m.step.points = {{"P1", "Main switch", false}}; }});
  return c;
}

const char* className(Class c) {
  switch (c) {
    case Class::Good: return "good";
    case Class::Caution: return "caution";
    case Class::Blocked: return "blocked";
    case Class::Info: return "info";
  }
  return "?";
}

}  // namespace

TEST(ColourMath, MatchesPublishedReferenceValues) {
  // WCAG 2.x: black on white is 21:1; #777 on white is the classic just-failing 4.48:1.
  EXPECT_NEAR(contrastRatio({0, 0, 0}, {1, 1, 1}), 21.0, 1e-9);
  EXPECT_NEAR(contrastRatio({0x77 / 255.0, 0x77 / 255.0, 0x77 / 255.0}, {1, 1, 1}), 4.48, 0.01);
  // CIEDE2000 test pairs from Sharma, Wu & Dalal (2005), table 1 (pairs 1, 7, 17, 25).
  EXPECT_NEAR(deltaE2000({50, 2.6772, -79.7751}, {50, 0, -82.7485}), 2.0425, 1e-4);
  EXPECT_NEAR(deltaE2000({50, 0, 0}, {50, -1, 2}), 2.3669, 1e-4);
  EXPECT_NEAR(deltaE2000({50, 2.5, 0}, {73, 25, -18}), 27.1492, 1e-4);
  EXPECT_NEAR(deltaE2000({60.2574, -34.0099, 36.2677}, {60.4626, -34.1751, 39.4387}), 1.2644, 1e-4);
  // Machado et al. keep achromatic colours achromatic (rows sum to 1) and fold red onto green for dichromats.
  for (Vision v : {Vision::Protanopia, Vision::Deuteranopia, Vision::Tritanopia}) {
    const Rgb grey = simulate({0.5, 0.5, 0.5}, v);
    EXPECT_NEAR(grey[0], 0.5, 1e-3) << visionName(v);
    EXPECT_NEAR(grey[2], 0.5, 1e-3) << visionName(v);
  }
  EXPECT_LT(deltaE2000Seen({1, 0, 0}, {0.5, 0.5, 0}, Vision::Deuteranopia),
            0.5 * deltaE2000Seen({1, 0, 0}, {0.5, 0.5, 0}, Vision::Normal));
}

// Every state is told by a word (French and English) and a symbol drawn together, the symbol from the font itself
// (no fallback glyph), and the states of one kind never share both; colour comes on top.
TEST(Accessibility, EveryStateHasWordsAndASymbol) {
  const auto cases = stateCases();
  for (Language lang : {Language::Fr, Language::En}) {
    auto overlay = Overlay::create({lang, 1.0f, false, ""});
    ASSERT_TRUE(overlay.ok()) << overlay.error().describe();
    for (const ImFont* font : ImGui::GetIO().Fonts->Fonts) {
      for (const auto& c : cases) {
        EXPECT_NE(font->FindGlyphNoFallback(static_cast<ImWchar>(c.symbol)), nullptr)
            << "the font atlas lacks U+" << std::hex << c.symbol << " (" << c.group << " " << c.name << ")";
      }
    }
    std::map<std::string, std::set<std::pair<unsigned, std::string>>> looks;
    for (const auto& c : cases) {
      OverlayModel m = quietModel();
      c.set(m);
      (*overlay)->frame(m, 1280, 720, 0.03);
      const std::string word(tr(lang, c.word));
      EXPECT_NE(word, c.word) << "no translation for " << c.word;
      const auto run = stateRun(c.symbol, word);
      EXPECT_TRUE(run.has_value()) << c.group << " " << c.name << ": no text shows symbol U+" << std::hex << c.symbol
                                   << std::dec << " with \"" << word << "\" in "
                                   << (lang == Language::Fr ? "French" : "English") << "; drawn:\n"
                                   << dump(visibleRuns());
      looks[c.group].insert({c.symbol, word});
    }
    for (const auto& [group, set] : looks) {
      size_t n = 0;
      for (const auto& c : cases) n += c.group == group ? 1 : 0;
      EXPECT_EQ(set.size(), n) << group << ": two states look the same without colour";
    }
  }
}

// The colours of states that mean different things stay apart for protanopes, deuteranopes and tritanopes.
TEST(Accessibility, StateColoursStayApartUnderColourBlindness) {
  const auto cases = stateCases();
  std::string table = "CIEDE2000 between state colours of different meaning (minimum over the pair's visions)\n";
  for (bool hc : {false, true}) {
    auto overlay = Overlay::create({Language::En, 1.0f, hc, ""});
    ASSERT_TRUE(overlay.ok());
    std::map<std::string, Rgb> colour;
    for (const auto& c : cases) {
      OverlayModel m = quietModel();
      c.set(m);
      (*overlay)->frame(m, 1280, 720, 0.03);
      const auto run = stateRun(c.symbol, tr(Language::En, c.word));
      ASSERT_TRUE(run.has_value()) << c.name;
      colour[c.group + "/" + c.name] = rgbOf(run->colour);
    }
    double worst = 1e9;
    std::string worst_what;
    for (size_t i = 0; i < cases.size(); ++i) {
      for (size_t j = i + 1; j < cases.size(); ++j) {
        const auto& a = cases[i];
        const auto& b = cases[j];
        // Isolation points are buttons (white labels): their state is told by symbol and word only, not colour.
        if (a.group != b.group || a.cls == b.cls || a.group == "isolation point") continue;
        const Rgb ca = colour[a.group + "/" + a.name], cb = colour[b.group + "/" + b.name];
        char line[256];
        std::snprintf(line, sizeof line, "  %-13s %-15s %-9s vs %-15s %-9s", hc ? "high-contrast" : "normal",
                      (a.group + "/" + a.name).c_str(), className(a.cls), b.name.c_str(), className(b.cls));
        table += line;
        for (Vision v : {Vision::Normal, Vision::Protanopia, Vision::Deuteranopia, Vision::Tritanopia}) {
          const double de = deltaE2000Seen(ca, cb, v);
          std::snprintf(line, sizeof line, "  %s %5.1f", visionName(v), de);
          table += line;
          if (de < worst) {
            worst = de;
            worst_what = a.group + " " + a.name + " vs " + b.name + " (" + visionName(v) + (hc ? ", high contrast)" : ")");
          }
          EXPECT_GE(de, kMinStateDeltaE) << a.group << " " << a.name << " vs " << b.name << " under " << visionName(v)
                                         << (hc ? " (high contrast)" : "");
        }
        table += "\n";
      }
    }
    table += std::string("  worst ") + (hc ? "high contrast: " : "normal: ") + std::to_string(worst) + " (" + worst_what + ")\n";
  }
  std::ofstream(outputDir() + "/state_colours_cvd.txt") << table;
  std::printf("%s", table.c_str());
}

// ---------------------------------------------------------------------------------------------------------------
namespace {

bool inside(float x0, float y0, float x1, float y1, const WidgetRect& r, float tol = 0.5f) {
  return x0 >= r.x - tol && y0 >= r.y - tol && x1 <= r.x + r.w + tol && y1 <= r.y + r.h + tol;
}
bool overlaps(float ax0, float ay0, float ax1, float ay1, float bx0, float by0, float bx1, float by1, float tol) {
  return std::min(ax1, bx1) - std::max(ax0, bx0) > tol && std::min(ay1, by1) - std::max(ay0, by0) > tol;
}
bool overlaps(const WidgetRect& a, const WidgetRect& b, float tol = 0.5f) {
  return overlaps(a.x, a.y, a.x + a.w, a.y + a.h, b.x, b.y, b.x + b.w, b.y + b.h, tol);
}

// Checks the last frame: panels on screen and apart; controls >= 44 px, apart, inside a panel; every visible text
// run inside the screen and a panel, not cut (except at the top/bottom edge of a scrolling region), apart from
// other text, and either inside a control (its label) or clear of all controls.
void checkLayout(const Overlay& o, int w, int h, const std::string& where, int* failures) {
  auto fail = [&](const std::string& what) {
    ++*failures;
    ADD_FAILURE() << where << ": " << what;
  };
  const auto& panels = o.panels();
  if (panels.empty()) fail("no panels");
  for (const auto& [name, p] : panels) {
    if (!inside(p.x, p.y, p.x + p.w, p.y + p.h, {0, 0, static_cast<float>(w), static_cast<float>(h)})) {
      fail("panel " + name + " leaves the screen");
    }
  }
  for (auto a = panels.begin(); a != panels.end(); ++a) {
    for (auto b = std::next(a); b != panels.end(); ++b) {
      if (overlaps(a->second, b->second)) fail("panels " + a->first + " and " + b->first + " overlap");
    }
  }
  const auto& widgets = o.widgets();
  for (auto a = widgets.begin(); a != widgets.end(); ++a) {
    const WidgetRect& r = a->second;
    if (r.w < kMinTargetPx - 0.5f || r.h < kMinTargetPx - 0.5f) {
      fail("control " + a->first + " is " + std::to_string(r.w) + " x " + std::to_string(r.h) + " px (< 44)");
    }
    bool in_panel = false;
    for (const auto& [name, p] : panels) in_panel |= inside(r.x, r.y, r.x + r.w, r.y + r.h, p);
    if (!in_panel) fail("control " + a->first + " is outside every panel");
    for (auto b = std::next(a); b != widgets.end(); ++b) {
      if (overlaps(r, b->second)) fail("controls " + a->first + " and " + b->first + " overlap");
    }
  }
  const auto runs = textRuns(*ImGui::GetDrawData());
  std::vector<const TextRun*> shown;
  for (const auto& r : runs) {
    if (r.hidden()) continue;
    if (r.cutSideways()) fail("text cut at a side: \"" + r.text + "\"");
    if (r.cut()) {
      // Cut at the top or bottom: legitimate only at the edge of a scrolling region (it scrolls into view).
      bool scrolling = false;
      for (const auto& [name, v] : o.scrollViews()) {
        scrolling |= v.clipped() && std::abs(r.clip.y - v.viewport.y) < 1 && std::abs(r.clip.w - (v.viewport.y + v.viewport.h)) < 1;
      }
      if (!scrolling) fail("text cut: \"" + r.text + "\"");
    }
    shown.push_back(&r);
  }
  for (size_t i = 0; i < shown.size(); ++i) {
    const TextRun& r = *shown[i];
    // The visible part (a run at a scrolling edge is partly out of view).
    const float x0 = std::max(r.x0, r.clip.x), y0 = std::max(r.y0, r.clip.y);
    const float x1 = std::min(r.x1, r.clip.z), y1 = std::min(r.y1, r.clip.w);
    if (!inside(x0, y0, x1, y1, {0, 0, static_cast<float>(w), static_cast<float>(h)})) fail("text off screen: \"" + r.text + "\"");
    bool in_panel = false;
    for (const auto& [name, p] : panels) in_panel |= inside(x0, y0, x1, y1, p);
    if (!in_panel) fail("text outside every panel: \"" + r.text + "\"");
    for (const auto& [name, wr] : widgets) {
      if (overlaps(x0, y0, x1, y1, wr.x, wr.y, wr.x + wr.w, wr.y + wr.h, 1.0f) && !inside(x0, y0, x1, y1, wr)) {
        fail("text \"" + r.text + "\" overlaps control " + name);
      }
    }
    for (size_t j = i + 1; j < shown.size(); ++j) {
      const TextRun& q = *shown[j];
      const float qx0 = std::max(q.x0, q.clip.x), qy0 = std::max(q.y0, q.clip.y);
      const float qx1 = std::min(q.x1, q.clip.z), qy1 = std::min(q.y1, q.clip.w);
      if (overlaps(x0, y0, x1, y1, qx0, qy0, qx1, qy1, 2.0f)) fail("texts \"" + r.text + "\" and \"" + q.text + "\" overlap");
    }
  }
}

}  // namespace

// Every panel at text scales 1 to 3, on 1280x720 and a small 960x540, in both languages and both contrast modes:
// nothing overlaps, nothing is cut, nothing leaves the screen, every control stays >= 44 px. Screenshots of the
// draw data's rectangles are not needed: the rules are checked on the draw data itself.
TEST(Accessibility, TextScaleUpTo3NeverOverlapsOrClips) {
  int failures = 0;
  int frames = 0;
  for (bool hc : {false, true}) {
    for (float scale : {1.0f, 1.5f, 2.0f, 2.5f, 3.0f}) {
      for (Language lang : {Language::Fr, Language::En}) {
        if (hc && lang == Language::En) continue;  // high contrast changes borders only; French is the longer text
        auto overlay = Overlay::create({lang, scale, hc, ""});
        ASSERT_TRUE(overlay.ok());
        for (const auto& [w, h] : {std::pair{1280, 720}, std::pair{960, 540}}) {
          for (const auto& s : scenarios(lang)) {
            show(**overlay, s, w, h);
            char where[160];
            std::snprintf(where, sizeof where, "%s at %.1fx, %dx%d, %s%s", s.name.c_str(), scale, w, h,
                          lang == Language::Fr ? "fr" : "en", hc ? ", high contrast" : "");
            checkLayout(**overlay, w, h, where, &failures);
            ++frames;
            if (failures > 40) FAIL() << "too many layout failures; stopping";
          }
        }
      }
    }
  }
  std::printf("layout checked on %d frames\n", frames);
}

// Large text on a small screen stacks the panels; the step text and controls scroll, and the keyboard focus
// brings a control that was scrolled away into view.
TEST(Accessibility, LargeTextStacksAndScrollsWithFocus) {
  auto overlay = Overlay::create({Language::Fr, 3.0f, false, ""});
  ASSERT_TRUE(overlay.ok());
  Overlay& o = **overlay;
  Scenario s = scenarios(Language::Fr)[3];  // lockout with points, checklist, tags, alarms
  ASSERT_EQ(s.name, "step_lockout_waiting");
  show(o, s, 960, 540);
  EXPECT_TRUE(o.stacked());
  ASSERT_TRUE(o.scrollViews().count("step"));
  EXPECT_TRUE(o.scrollViews().at("step").clipped()) << "3x text on 960x540 cannot show the whole step at once";
  EXPECT_TRUE(o.widget("scroll_down:step").has_value());
  // PageDown scrolls the main area.
  const float before = o.scrollViews().at("step").scroll;
  Input page;
  page.keys = {"PageDown"};
  o.frame(s.model, page, 960, 540, 0.03);
  EXPECT_GT(o.scrollViews().at("step").scroll, before);
  // Abort is below the fold: Tab reaches it, scrolls it into view, and Enter opens its reason list.
  page.keys = {"PageUp", "PageUp", "PageUp"};
  o.frame(s.model, page, 960, 540, 0.03);
  EXPECT_FALSE(o.widget("abort").has_value());
  bool found = false;
  const auto cmds = press(o, s.model, "abort", 960, 540, &found);
  EXPECT_TRUE(found);
  EXPECT_TRUE(cmds.empty());
  bool reasons = false;
  for (const auto& [name, r] : o.widgets()) reasons |= name.rfind("reason:", 0) == 0;
  EXPECT_TRUE(reasons || o.widget("cancel").has_value()) << "the abort reasons are not shown";
  // At 1x on 1280x720 the same step is side by side and needs no scrolling.
  auto small = Overlay::create({Language::Fr, 1.0f, false, ""});
  ASSERT_TRUE(small.ok());
  show(**small, s, 1280, 720);
  EXPECT_FALSE((*small)->stacked());
  EXPECT_FALSE((*small)->scrollViews().at("step").clipped());
}

// ---------------------------------------------------------------------------------------------------------------
namespace {

struct Route {
  std::string command;   // what the overlay must emit
  std::string arg;       // its argument ("" = any)
  std::string scenario;  // where (a11y_scenarios name)
  std::vector<std::string> pointer;  // widgets pressed in turn (pointer, touch, controller, gaze dwell)
  std::vector<std::string> keys;     // "key:<name>" through ui::applyKey, "type:<text>", "focus:<widget>" (Tab
                                     // until it is focused, then Enter; "focus?:" only where that control is
                                     // shown: the large-text layout's panel buttons)
};

// Every named command of ui::Command. "repeat" (say the instruction again) is a key and voice command; its
// button comes with the voice feature ("read aloud", issue 14 part 1).
std::vector<Route> routes() {
  return {
      {"login_user", "jdupont", "login_users", {"user:jdupont"}, {"focus:user:jdupont"}},
      {"pin", "1234", "login_pin", {"key:1", "key:2", "key:3", "key:4", "key:ok"}, {"type:1234", "key:Enter"}},
      {"logout", "", "orders", {"logout"}, {"focus:logout"}},
      {"order", "WO-4711", "orders", {"order:WO-4711"}, {"focus:order:WO-4711"}},
      {"procedure", "robot-cell3-check", "orders", {"procedure:robot-cell3-check"}, {"focus:procedure:robot-cell3-check"}},
      {"confirm", "", "step_skip_reasons_closed", {"confirm"}, {"key:Enter"}},
      {"pass", "", "step_check_open", {"pass"}, {"key:p"}},
      {"fail", "", "step_check_open", {"fail"}, {"key:f"}},
      {"point", "LOTO-2", "step_lockout_waiting", {"point:LOTO-2"}, {"key:Enter"}},
      {"value", "6.2", "step_measure_failed", {"key:6", "key:.", "key:2", "key:ok"}, {"type:6.2", "key:Enter"}},
      {"choose", "ok", "step_choice", {"choice:ok"}, {"focus:choice:ok"}},
      {"answer", "1", "step_quiz", {"answer:1"}, {"focus:answer:1"}},
      {"hint", "", "step_check_open", {"hint"}, {"key:h"}},
      {"back", "", "step_check_open", {"back"}, {"key:Left"}},
      {"skip", "Not applicable to this machine", "step_check_open", {"skip", "reason:0"}, {"focus:skip", "focus:reason:0"}},
      {"abort", "Unsafe to continue", "step_check_open", {"abort", "reason:1"}, {"focus:abort", "focus:reason:1"}},
      {"sign_off", "42", "step_sign_off_closed", {"sign_off", "key:4", "key:2", "key:ok"}, {"focus:sign_off", "type:42", "key:Enter"}},
      {"ack_alarm", "air_low", "step_check_open", {"ack:air_low"}, {"focus?:view:alarms", "focus:ack:air_low"}},
      {"language", "en", "step_check_open", {"settings", "lang:en"}, {"focus:settings", "focus:lang:en"}},
      {"text_scale", "", "step_check_open", {"settings", "text:-"}, {"focus:settings", "focus:text:-"}},
      {"high_contrast", "1", "step_check_open", {"settings", "contrast"}, {"focus:settings", "focus:contrast"}},
      {"new_session", "", "finished", {"new_session"}, {"key:Right"}},
  };
}

Scenario scenarioNamed(const std::string& name) {
  std::string base = name;
  const bool closed = base.size() > 7 && base.substr(base.size() - 7) == "_closed";  // without its `opens`
  if (closed) base = base.substr(0, base.size() - 7);
  for (auto s : scenarios(Language::Fr)) {
    if (s.name == base) {
      if (closed) s.opens.clear();
      return s;
    }
  }
  ADD_FAILURE() << "no scenario " << name;
  return {};
}

using Emitted = std::vector<Command>;
void append(Emitted& all, const Emitted& more) { all.insert(all.end(), more.begin(), more.end()); }

std::string names(const Emitted& e) {
  std::string s;
  for (const auto& c : e) s += c.name + "(" + c.arg + ") ";
  return s;
}

// The emitted commands are exactly one `route.command` (with its argument), nothing else.
void expectOnly(const Emitted& e, const Route& r, const std::string& how) {
  ASSERT_EQ(e.size(), 1u) << r.command << " by " << how << ": emitted " << names(e);
  EXPECT_EQ(e[0].name, r.command) << how;
  if (!r.arg.empty()) {
    EXPECT_EQ(e[0].arg, r.arg) << r.command << " by " << how;
  }
}

Emitted byPointer(Overlay& o, const Scenario& s, const Route& r, int w, int h) {
  Emitted all;
  for (const auto& name : r.pointer) {
    auto rect = o.widget(name);
    EXPECT_TRUE(rect.has_value()) << r.command << ": no button " << name << " on screen";
    if (!rect) return all;
    Input in;
    in.pointer_valid = true;
    in.x = rect->cx();
    in.y = rect->cy();
    in.pointer_down = true;
    append(all, o.frame(s.model, in, w, h, 0.03));
    in.pointer_down = false;
    append(all, o.frame(s.model, in, w, h, 0.03));
  }
  return all;
}

Emitted byKeys(Overlay& o, const Scenario& s, const Route& r, int w, int h) {
  Emitted all;
  for (const auto& step : r.keys) {
    if (step.rfind("key:", 0) == 0) {
      Input in;
      applyKey(step.substr(4), in);
      append(all, o.frame(s.model, in, w, h, 0.03));
    } else if (step.rfind("type:", 0) == 0) {
      Input in;
      in.text = step.substr(5);
      append(all, o.frame(s.model, in, w, h, 0.03));
    } else if (step.rfind("focus", 0) == 0) {
      const bool optional = step.rfind("focus?:", 0) == 0;
      const std::string target = step.substr(optional ? 7 : 6);
      if (optional && !o.widget(target)) continue;
      for (int i = 0; i < 100 && o.focused() != target; ++i) {
        Input tab;
        applyKey("Tab", tab);
        append(all, o.frame(s.model, tab, w, h, 0.03));
      }
      EXPECT_EQ(o.focused(), target) << r.command << ": Tab never reaches " << target;
      EXPECT_TRUE(o.widget(target).has_value()) << r.command << ": focused " << target << " is not scrolled into view";
      Input enter;
      applyKey("Enter", enter);
      append(all, o.frame(s.model, enter, w, h, 0.03));
    }
  }
  return all;
}

// Headset gaze: the head looks at the control's place on the panel (ray/panel hit as the XR display does); after
// the dwell time the click is pressed for one frame and released the next.
Emitted byGaze(Overlay& o, const Scenario& s, const Route& r, int w, int h, double* dwell_s) {
  using rivet::core::Vec3d;
  rivet::xr::Panel panel;
  panel.T_world_panel.t = Vec3d{0, 1.5, -0.9};
  panel.width_m = 0.6;
  panel.height_m = 0.6 * h / w;
  panel.ui_width = w;
  panel.ui_height = h;
  const Vec3d eye{0, 1.6, 0};
  Emitted all;
  for (const auto& name : r.pointer) {
    auto rect = o.widget(name);
    EXPECT_TRUE(rect.has_value()) << r.command << ": no button " << name << " to look at";
    if (!rect) return all;
    const Vec3d target = rivet::xr::panelPoint(panel, rect->cx(), rect->cy());
    const Vec3d d = target - eye;
    const auto hit = rivet::xr::hitPanel({eye, d * (1.0 / d.norm())}, panel);
    EXPECT_TRUE(hit.has_value());
    if (!hit) return all;
    rivet::xr::DwellClicker dwell;
    double t = 0;
    bool fired = false;
    for (int f = 0; f < 120 && !fired; ++f) {
      const double dt = 1.0 / 30;
      fired = dwell.update(hit, dt);
      t += dt;
      Input in;
      in.pointer_valid = true;
      in.x = static_cast<float>(hit->x);
      in.y = static_cast<float>(hit->y);
      in.pointer_down = fired;
      append(all, o.frame(s.model, in, w, h, dt));
    }
    EXPECT_TRUE(fired) << r.command << ": gaze on " << name << " never clicked";
    *dwell_s = t;
    Input release;
    release.pointer_valid = true;
    release.x = static_cast<float>(hit->x);
    release.y = static_cast<float>(hit->y);
    append(all, o.frame(s.model, release, w, h, 1.0 / 30));
  }
  return all;
}

}  // namespace

// Table-driven: every named command is reachable by a button (pointer/touch/controller), by the keyboard (a
// shortcut or Tab to its button and Enter) and by gaze dwell on the headset, at 1x and at 3x text.
TEST(Accessibility, EveryCommandByButtonKeyAndGaze) {
  std::string table = "command         button(s)                         keyboard\n";
  for (const Route& r : routes()) {
    char line[256];
    std::string buttons, keys;
    for (const auto& b : r.pointer) buttons += b + " ";
    for (const auto& k : r.keys) keys += k + " ";
    std::snprintf(line, sizeof line, "%-15s %-33s %s\n", r.command.c_str(), buttons.c_str(), keys.c_str());
    table += line;
    for (const auto& [scale, w, h] : {std::tuple{1.0f, 1280, 720}, std::tuple{3.0f, 960, 540}}) {
      const std::string where = r.command + " at " + std::to_string(scale) + "x " + std::to_string(w);
      const Scenario s = scenarioNamed(r.scenario);
      auto fresh = [&] {
        auto o = Overlay::create({Language::Fr, scale, false, ""});
        EXPECT_TRUE(o.ok());
        show(**o, s, w, h);
        return std::move(*o);
      };
      SCOPED_TRACE(where);
      {
        auto o = fresh();
        expectOnly(byKeys(*o, s, r, w, h), r, "keyboard");
      }
      if (scale > 1.0f) continue;  // pointer and gaze need the control on screen: checked at 1x (3x: scroll first)
      {
        auto o = fresh();
        expectOnly(byPointer(*o, s, r, w, h), r, "pointer");
      }
      {
        auto o = fresh();
        double dwell_s = 0;
        expectOnly(byGaze(*o, s, r, w, h, &dwell_s), r, "gaze dwell");
        EXPECT_GE(dwell_s, 1.2 - 1e-6) << "a glance must not click";
      }
    }
  }
  // Every key of the table reaches the overlay as a key or a command.
  for (const auto& b : keyBindings()) {
    Input in;
    applyKey(b.key, in);
    EXPECT_FALSE(in.keys.empty() && in.commands.empty()) << b.key;
    EXPECT_FALSE(b.en.empty() || b.fr.empty()) << b.key;
  }
  std::ofstream(outputDir() + "/commands.txt") << table;
}
