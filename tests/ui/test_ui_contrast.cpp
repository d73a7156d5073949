// WCAG contrast of every text run of the real panels, rendered on lavapipe over bright and dark camera images, and
// the part styles (normal/highlight/ghost) under simulated colour blindness, measured on rendered pixels.
#include <gtest/gtest.h>
#include <imgui.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "../render/render_test_util.hpp"
#include "../render/validated_renderer_test.hpp"
#include "a11y_scenarios.hpp"
#include "colour_math.hpp"
#include "rivet/platform/frame_source.hpp"
#include "rivet/render/renderer.hpp"
#include "rivet/ui/overlay.hpp"
#include "ui_probe.hpp"

namespace rivet::ui::test {
namespace {

using render::test::pixel;

constexpr double kMinContrast = 4.5;              // WCAG 2.x SC 1.4.3 (AA), normal text
constexpr double kMinContrastHigh = 7.0;          // SC 1.4.6 (AAA): what the high-contrast mode promises
constexpr double kMinStyleDeltaE = 15.0;          // as the state colours (tests/ui/test_a11y.cpp)

std::string outputDir() {
  const std::string dir = std::string(RIVET_BINARY_DIR) + "/test-output/ui_a11y";
  std::filesystem::create_directories(dir);
  return dir;
}

std::string sharedData() {
  const char* env = std::getenv("RIVET_SHARED_DATA");
  return env != nullptr ? env : std::string(RIVET_SOURCE_DIR) + "/../shared/data";
}

Rgb rgbAt(const core::Image& image, int x, int y) {
  const auto p = pixel(image, x, y);
  return {p[0] / 255.0, p[1] / 255.0, p[2] / 255.0};
}

// Backgrounds the panels must read on: a real bright photo (white paper and light wood by a window), plain white,
// a saturated yellow with photo-like texture, and a dim shop photo.
struct Background {
  std::string name;
  core::Image image;
};

core::Image solid(int w, int h, int r, int g, int b) {
  core::Image img(w, h, core::PixelFormat::Rgba8);
  for (size_t i = 0; i < img.pixels.size(); i += 4) {
    img.pixels[i] = static_cast<std::uint8_t>(r);
    img.pixels[i + 1] = static_cast<std::uint8_t>(g);
    img.pixels[i + 2] = static_cast<std::uint8_t>(b);
    img.pixels[i + 3] = 255;
  }
  return img;
}

core::Image yellowTexture(int w, int h) {
  core::Image img(w, h, core::PixelFormat::Rgba8);
  std::uint32_t seed = 12345;
  for (int y = 0; y < h; ++y) {
    std::uint8_t* row = img.row(y);
    for (int x = 0; x < w; ++x) {
      seed = seed * 1664525u + 1013904223u;
      const int noise = static_cast<int>((seed >> 24) % 41) - 20;
      const double wave = 0.5 + 0.5 * std::sin(x * 0.05) * std::cos(y * 0.031);
      const bool glare = std::hypot(x - 0.7 * w, y - 0.3 * h) < 0.12 * h;  // a specular spot: white
      row[4 * x] = 255;
      row[4 * x + 1] = static_cast<std::uint8_t>(std::clamp(glare ? 255 : static_cast<int>(200 + 45 * wave) + noise, 0, 255));
      row[4 * x + 2] = static_cast<std::uint8_t>(std::clamp(glare ? 250 : static_cast<int>(30 * wave) + noise + 10, 0, 255));
      row[4 * x + 3] = 255;
    }
  }
  return img;
}

core::Image darkened(core::Image img, double factor) {
  for (auto& p : img.pixels) p = static_cast<std::uint8_t>(p * factor);
  if (img.format == core::PixelFormat::Rgba8) {
    for (size_t i = 3; i < img.pixels.size(); i += 4) img.pixels[i] = 255;
  }
  return img;
}

std::vector<Background> backgrounds() {
  std::vector<Background> out;
  const std::string photos = sharedData() + "/markers/opencv_contrib_aruco_tutorial/";
  auto bright = platform::readImage(photos + "gboriginal.png");
  EXPECT_TRUE(bright.ok()) << (bright.ok() ? "" : bright.error().describe());
  auto dim = platform::readImage(photos + "img_00.jpg");
  EXPECT_TRUE(dim.ok()) << (dim.ok() ? "" : dim.error().describe());
  if (bright.ok()) out.push_back({"bright_photo", std::move(*bright)});
  out.push_back({"white", solid(640, 360, 255, 255, 255)});
  out.push_back({"yellow", yellowTexture(1280, 720)});
  if (dim.ok()) out.push_back({"dark_photo", darkened(std::move(*dim), 0.25)});
  return out;
}

// One text run's contrast on the rendered frame: its colour where a glyph covers the pixel fully (the pixels
// that changed most between the frames with and without text), against every pixel behind it in its rectangle
// (the frame without text), worst case.
struct Measured {
  double ratio = 0;
  Rgb text{}, background{};
  int bg_x = 0, bg_y = 0;  // where the worst background pixel is
};

// The two renderings of a frame as per-pixel luminance and change, computed once for all its text runs.
struct FramePair {
  const core::Image* with = nullptr;
  const core::Image* without = nullptr;
  std::vector<double> lum_with, lum_without;
  std::vector<int> diff;  // largest channel change
};

FramePair pairOf(const core::Image& with, const core::Image& without) {
  static const auto lut = [] {
    std::array<double, 256> t{};
    for (int i = 0; i < 256; ++i) t[static_cast<size_t>(i)] = srgbToLinear(i / 255.0);
    return t;
  }();
  FramePair f;
  f.with = &with;
  f.without = &without;
  const size_t n = static_cast<size_t>(with.width) * static_cast<size_t>(with.height);
  f.lum_with.resize(n);
  f.lum_without.resize(n);
  f.diff.resize(n);
  EXPECT_TRUE(with.format == core::PixelFormat::Rgba8 && without.format == core::PixelFormat::Rgba8);
  const std::uint8_t* a = with.pixels.data();
  const std::uint8_t* b = without.pixels.data();
  for (size_t i = 0; i < n; ++i, a += 4, b += 4) {
    f.lum_with[i] = 0.2126 * lut[a[0]] + 0.7152 * lut[a[1]] + 0.0722 * lut[a[2]];
    f.lum_without[i] = 0.2126 * lut[b[0]] + 0.7152 * lut[b[1]] + 0.0722 * lut[b[2]];
    f.diff[i] = std::max({std::abs(a[0] - b[0]), std::abs(a[1] - b[1]), std::abs(a[2] - b[2])});
  }
  return f;
}

std::optional<Measured> measureRun(const TextRun& run, const FramePair& f) {
  const int w = f.with->width;
  const int x0 = std::max(0, static_cast<int>(std::floor(std::max(run.x0, run.clip.x))));
  const int y0 = std::max(0, static_cast<int>(std::floor(std::max(run.y0, run.clip.y))));
  const int x1 = std::min(w, static_cast<int>(std::ceil(std::min(run.x1, run.clip.z))));
  const int y1 = std::min(f.with->height, static_cast<int>(std::ceil(std::min(run.y1, run.clip.w))));
  if (x1 - x0 < 2 || y1 - y0 < 2) return std::nullopt;  // a sliver at a scrolling edge
  auto at = [w](int x, int y) { return static_cast<size_t>(y) * static_cast<size_t>(w) + static_cast<size_t>(x); };
  int max_diff = 0, bx = x0, by = y0;
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      if (f.diff[at(x, y)] > max_diff) {
        max_diff = f.diff[at(x, y)];
        bx = x;
        by = y;
      }
    }
  }
  Measured m;
  if (max_diff < 6) {  // the text does not show at all
    m.ratio = 1.0;
    m.text = rgbAt(*f.with, bx, by);
    m.background = rgbAt(*f.without, bx, by);
    return m;
  }
  // The glyphs' fully covered pixels: median luminance of those within 10 % of the largest change.
  std::vector<std::pair<double, size_t>> covered;
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      if (f.diff[at(x, y)] >= 0.9 * max_diff) covered.push_back({f.lum_with[at(x, y)], at(x, y)});
    }
  }
  std::sort(covered.begin(), covered.end());
  const auto [text_lum, text_i] = covered[covered.size() / 2];
  m.text = rgbAt(*f.with, static_cast<int>(text_i % static_cast<size_t>(w)), static_cast<int>(text_i / static_cast<size_t>(w)));
  m.ratio = 1e9;
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      const double r = contrastFromLuminance(text_lum, f.lum_without[at(x, y)]);
      if (r < m.ratio) {
        m.ratio = r;
        m.bg_x = x;
        m.bg_y = y;
      }
    }
  }
  m.background = rgbAt(*f.without, m.bg_x, m.bg_y);
  return m;
}

std::string hex(const Rgb& c) {
  char s[8];
  std::snprintf(s, sizeof s, "#%02x%02x%02x", static_cast<int>(std::lround(c[0] * 255)),
                static_cast<int>(std::lround(c[1] * 255)), static_cast<int>(std::lround(c[2] * 255)));
  return s;
}

class UiContrastTest : public render::test::ValidatedRendererTest {
 protected:
  // The validation layer on (any message fails the test), without its synchronisation checks: these frames are
  // rendered one at a time (renderFrame waits), and the ~250 frames would take minutes with them.
  void SetUp() override {
    render::RendererOptions options;
    options.enable_validation = true;
    options.prefer_software = true;
    auto created = render::Renderer::create(options);
    ASSERT_TRUE(created.ok()) << created.error().describe();
    renderer_ = std::move(*created);
  }
  void beforeDestroy() override {
    if (ui_up_) renderer_->shutdownUi();
    ui_up_ = false;
  }
  // Makes `overlay` the one whose fonts the renderer draws (the ImGui backend follows the current context).
  void useOverlay() {
    if (ui_up_) renderer_->shutdownUi();
    auto ui = renderer_->initUi();
    ASSERT_TRUE(ui.ok()) << ui.error().describe();
    ui_up_ = true;
  }
  core::Image render(int target, int w, int h) {
    render::FrameDesc frame;
    frame.draw_ui = true;
    frame.model_visible = false;
    frame.views.push_back(render::test::makeView(render::test::testCamera(w, h), render::test::lookAtOrigin(0.5, 0, 0), target));
    const auto st = renderer_->renderFrame(frame);
    EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().describe());
    auto image = renderer_->readback(target);
    EXPECT_TRUE(image.ok());
    return image.ok() ? std::move(*image) : core::Image();
  }
  bool ui_up_ = false;
};

struct Worst {
  double ratio = 1e9;
  std::string what;
};

TEST_F(UiContrastTest, EveryTextRunMeetsWcagOverBrightAndDarkImages) {
  const auto bgs = backgrounds();
  ASSERT_EQ(bgs.size(), 4u);
  std::string table = "WCAG 2.x contrast, worst text run per panel state (text colour vs worst pixel behind it)\n";
  struct Config {
    bool hc;
    float scale;
    int w, h;
  };
  int runs_measured = 0;
  for (const Config cfg : {Config{false, 1.0f, 1280, 720}, Config{true, 1.0f, 1280, 720}, Config{false, 3.0f, 960, 540}}) {
    const double limit = cfg.hc ? kMinContrastHigh : kMinContrast;
    auto overlay = Overlay::create({Language::Fr, cfg.scale, cfg.hc, ""});
    ASSERT_TRUE(overlay.ok()) << overlay.error().describe();
    useOverlay();
    if (HasFatalFailure()) return;
    const std::string mode = std::string(cfg.hc ? "high-contrast" : "normal") + (cfg.scale > 1 ? " 3x 960x540" : "");
    // One view per background, each its own target: a frame renders the UI once and composites it over all.
    std::vector<const Background*> used;
    for (const auto& bg : bgs) {
      if (cfg.scale == 1.0f || bg.name == "bright_photo" || bg.name == "yellow") used.push_back(&bg);  // 3x: layout
    }
    std::vector<int> targets;
    render::FrameDesc frame;
    frame.draw_ui = true;
    frame.model_visible = false;
    for (const Background* bg : used) {
      auto target = renderer_->createOffscreenTarget(cfg.w, cfg.h);
      ASSERT_TRUE(target.ok());
      ASSERT_TRUE(renderer_->setBackground(*target, bg->image).ok());
      targets.push_back(*target);
      frame.views.push_back(render::test::makeView(render::test::testCamera(cfg.w, cfg.h),
                                                   render::test::lookAtOrigin(0.5, 0, 0), *target));
    }
    auto renderAll = [&] {
      std::vector<core::Image> out;
      const auto st = renderer_->renderFrame(frame);
      EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().describe());
      for (const int t : targets) {
        auto image = renderer_->readback(t);
        EXPECT_TRUE(image.ok());
        out.push_back(image.ok() ? std::move(*image) : core::Image());
      }
      return out;
    };
    std::vector<Worst> worst(used.size());
    for (const auto& s : scenarios(Language::Fr)) {
      show(**overlay, s, cfg.w, cfg.h);
      const auto runs = textRuns(*ImGui::GetDrawData());
      const auto with = renderAll();
      hideText(*ImGui::GetDrawData());
      const auto without = renderAll();
      for (size_t b = 0; b < used.size(); ++b) {
        const std::string& bg = used[b]->name;
        ASSERT_FALSE(with[b].empty() || without[b].empty());
        if (s.name == "step_lockout_waiting" || s.name == "step_sign_off" || (s.name == "login_pin" && bg == "yellow")) {
          render::test::writeTestPng("a11y_" + std::string(cfg.hc ? "hc_" : "") + (cfg.scale > 1 ? "3x_" : "") + s.name + "_" + bg, with[b]);
        }
        const FramePair pair = pairOf(with[b], without[b]);
        for (const auto& run : runs) {
          if (run.hidden()) continue;
          const auto m = measureRun(run, pair);
          if (!m) continue;
          ++runs_measured;
          if (m->ratio < worst[b].ratio) {
            worst[b].ratio = m->ratio;
            worst[b].what = s.name + ": \"" + run.text.substr(0, 40) + "\" " + hex(m->text) + " on " + hex(m->background);
          }
          EXPECT_GE(m->ratio, limit) << mode << " over " << bg << ", " << s.name << ": \"" << run.text << "\" "
                                     << hex(m->text) << " on " << hex(m->background) << " (at " << m->bg_x << ","
                                     << m->bg_y << ") is " << m->ratio << ":1";
        }
      }
    }
    for (size_t b = 0; b < used.size(); ++b) {
      char line[512];
      std::snprintf(line, sizeof line, "  %-26s %-13s worst %5.2f:1  (%s)\n", mode.c_str(), used[b]->name.c_str(),
                    worst[b].ratio, worst[b].what.c_str());
      table += line;
    }
    for (const int t : targets) renderer_->destroyTarget(t);
    renderer_->shutdownUi();
    ui_up_ = false;
  }
  std::printf("%s%d text runs measured\n", table.c_str(), runs_measured);
  std::ofstream(outputDir() + "/contrast.txt") << table << runs_measured << " text runs measured\n";
  EXPECT_GT(runs_measured, 1000);
}

// The measurement itself: grey text on a grey panel is caught, white on black is 21:1.
TEST_F(UiContrastTest, MeasurementCatchesPoorContrast) {
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;
  ImGui::GetIO().Fonts->AddFontFromFileTTF("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 24.0f);
  useOverlay();
  const int w = 320, h = 120;
  auto target = renderer_->createOffscreenTarget(w, h);
  ASSERT_TRUE(target.ok());
  ASSERT_TRUE(renderer_->setBackground(*target, solid(w, h, 0, 0, 0)).ok());
  double ratios[2] = {0, 0};
  const ImU32 colours[2] = {IM_COL32(255, 255, 255, 255), IM_COL32(0x77, 0x77, 0x77, 255)};
  for (int i = 0; i < 2; ++i) {
    ImGui::GetIO().DisplaySize = ImVec2(w, h);
    ImGui::NewFrame();
    ImDrawList* d = ImGui::GetForegroundDrawList();
    if (i == 1) d->AddRectFilled(ImVec2(0, 0), ImVec2(w, h), IM_COL32(255, 255, 255, 255));
    d->AddText(ImVec2(20, 40), colours[i], "Contraste mesur\u00e9");
    ImGui::Render();
    const auto runs = textRuns(*ImGui::GetDrawData());
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].text, "Contraste mesur\u00e9");
    const core::Image with = render(*target, w, h);
    hideText(*ImGui::GetDrawData());
    const core::Image without = render(*target, w, h);
    const auto m = measureRun(runs[0], pairOf(with, without));
    ASSERT_TRUE(m.has_value());
    ratios[i] = m->ratio;
  }
  renderer_->shutdownUi();
  ui_up_ = false;
  ImGui::DestroyContext();
  EXPECT_NEAR(ratios[0], 21.0, 0.05);
  EXPECT_NEAR(ratios[1], 4.48, 0.05);
}

// Part styles as rendered (normal steel, highlight amber hatching, ghost) keep apart for dichromats, over light,
// mid and dark backgrounds: the mean colour of each part's inside.
TEST_F(UiContrastTest, PartStylesStayApartUnderColourBlindness) {
  const int w = 480, h = 320;
  const render::test::Box boxes[3] = {{"normal", {-0.13, 0, 0}, {0.04, 0.04, 0.04}},
                                      {"highlight", {0, 0, 0}, {0.04, 0.04, 0.04}},
                                      {"ghost", {0.13, 0, 0}, {0.04, 0.04, 0.04}}};
  ASSERT_TRUE(renderer_->setModel(render::test::makeBoxes({boxes[0], boxes[1], boxes[2]})).ok());
  auto target = renderer_->createOffscreenTarget(w, h);
  ASSERT_TRUE(target.ok());
  const auto camera = render::test::testCamera(w, h);
  const core::Pose pose = render::test::lookAtOrigin(0.5, 10, 15);
  std::string table = "CIEDE2000 between rendered part styles (each part's darker/lighter half, linear mean)\n";
  double worst = 1e9;
  for (const auto& [name, rgb] : std::vector<std::pair<std::string, std::array<int, 3>>>{
           {"white", {255, 255, 255}}, {"wood", {200, 170, 120}}, {"grey", {128, 128, 128}}, {"dark", {30, 30, 30}}}) {
    ASSERT_TRUE(renderer_->setBackground(*target, solid(w, h, rgb[0], rgb[1], rgb[2])).ok());
    render::FrameDesc frame;
    frame.views.push_back(render::test::makeView(camera, pose, *target));
    frame.part_styles = {render::PartStyle::Normal, render::PartStyle::Highlight, render::PartStyle::Ghost};
    ASSERT_TRUE(renderer_->renderFrame(frame).ok());
    auto image = renderer_->readback(*target);
    ASSERT_TRUE(image.ok());
    render::test::writeTestPng("a11y_part_styles_" + name, *image);
    // Each part's two dominant colours (the highlight's hatching has two; plain styles give two alike): its pixels
    // well inside the silhouette (6 px from the outline) and clear of the other parts (an occluded highlight shows
    // through), split at their median luminance, each half averaged in linear light.
    std::array<std::array<Rgb, 2>, 3> tones{};
    for (int b = 0; b < 3; ++b) {
      const auto hull = render::test::projectedHull(camera, pose, boxes[b]);
      std::vector<std::vector<core::Vec2d>> others;
      for (int o = 0; o < 3; ++o) {
        if (o != b) others.push_back(render::test::projectedHull(camera, pose, boxes[o]));
      }
      std::vector<std::pair<double, Rgb>> px;
      for (int y = 6; y < h - 6; ++y) {
        for (int x = 6; x < w - 6; ++x) {
          bool deep = true;
          for (int dy = -6; dy <= 6 && deep; dy += 6) {
            for (int dx = -6; dx <= 6 && deep; dx += 6) {
              const core::Vec2d p{x + 0.5 + dx, y + 0.5 + dy};
              deep = render::test::insidePolygon(hull, p);
              for (const auto& other : others) deep = deep && !render::test::insidePolygon(other, p);
            }
          }
          if (deep) px.push_back({relativeLuminance(rgbAt(*image, x, y)), toLinear(rgbAt(*image, x, y))});
        }
      }
      ASSERT_GT(px.size(), 200u) << boxes[b].id;
      std::sort(px.begin(), px.end(), [](const auto& p, const auto& q) { return p.first < q.first; });
      for (int half = 0; half < 2; ++half) {
        Rgb sum{0, 0, 0};
        const size_t from = half == 0 ? 0 : px.size() / 2, to = half == 0 ? px.size() / 2 : px.size();
        for (size_t i = from; i < to; ++i) {
          for (int c = 0; c < 3; ++c) sum[c] += px[i].second[c];
        }
        for (int c = 0; c < 3; ++c) tones[b][half][c] = linearToSrgb(sum[c] / static_cast<double>(to - from));
      }
    }
    // Two styles are told apart when one of them shows a tone far from both tones of the other.
    auto apart = [&](int a, int b, Vision v) {
      double d = 0;
      for (int i = 0; i < 2; ++i) {
        d = std::max(d, std::min(deltaE2000Seen(tones[a][i], tones[b][0], v), deltaE2000Seen(tones[a][i], tones[b][1], v)));
        d = std::max(d, std::min(deltaE2000Seen(tones[b][i], tones[a][0], v), deltaE2000Seen(tones[b][i], tones[a][1], v)));
      }
      return d;
    };
    for (int a = 0; a < 3; ++a) {
      for (int b = a + 1; b < 3; ++b) {
        char line[256];
        std::snprintf(line, sizeof line, "  %-6s %-9s %s/%s vs %-9s %s/%s", name.c_str(), boxes[a].id.c_str(),
                      hex(tones[a][0]).c_str(), hex(tones[a][1]).c_str(), boxes[b].id.c_str(), hex(tones[b][0]).c_str(),
                      hex(tones[b][1]).c_str());
        table += line;
        for (Vision v : {Vision::Normal, Vision::Protanopia, Vision::Deuteranopia, Vision::Tritanopia}) {
          const double de = apart(a, b, v);
          worst = std::min(worst, de);
          std::snprintf(line, sizeof line, "  %s %5.1f", visionName(v), de);
          table += line;
          EXPECT_GE(de, kMinStyleDeltaE) << boxes[a].id << " vs " << boxes[b].id << " over " << name << " under "
                                         << visionName(v);
        }
        table += "\n";
      }
    }
  }
  table += "  worst " + std::to_string(worst) + "\n";
  std::printf("%s", table.c_str());
  std::ofstream(outputDir() + "/part_styles_cvd.txt") << table;
}

}  // namespace
}  // namespace rivet::ui::test
