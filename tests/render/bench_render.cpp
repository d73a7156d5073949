// Benchmark: renderFrame time at 1280x720, one view, photo background, outlines, highlight and UI, on lavapipe.
#include <gtest/gtest.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "render_test_util.hpp"
#include "rivet/content/model_file.hpp"
#include "rivet/core/clock.hpp"
#include "rivet/render/renderer.hpp"

namespace rivet::render {
namespace {

// A torus of `rings` x `sides` quads (2 triangles each) as one extra part: a stand-in for dense CAD geometry.
content::Model boxesAndTorus(const std::vector<test::Box>& boxes, int rings, int sides) {
  content::Model base = test::makeBoxes(boxes);
  std::vector<content::Vertex> vertices = content::decodeVertices(base);
  std::vector<std::uint32_t> indices(base.indices.begin(), base.indices.end());
  std::vector<content::Part> parts = base.parts;
  content::Part torus;
  torus.id = "torus";
  torus.first_index = static_cast<std::uint32_t>(indices.size());
  const auto first_vertex = static_cast<std::uint32_t>(vertices.size());
  const double major = 0.05, minor = 0.015;
  for (int i = 0; i < rings; ++i) {
    const double u = 2 * M_PI * i / rings;
    for (int j = 0; j < sides; ++j) {
      const double v = 2 * M_PI * j / sides;
      const double cx = std::cos(u), sx = std::sin(u), cv = std::cos(v), sv = std::sin(v);
      content::Vertex vertex{};
      vertex.position = {static_cast<float>((major + minor * cv) * cx), static_cast<float>(0.06 + minor * sv),
                         static_cast<float>((major + minor * cv) * sx)};
      vertex.normal = {static_cast<float>(cv * cx), static_cast<float>(sv), static_cast<float>(cv * sx)};
      vertices.push_back(vertex);
    }
  }
  for (int i = 0; i < rings; ++i) {
    for (int j = 0; j < sides; ++j) {
      const auto a = first_vertex + static_cast<std::uint32_t>(i * sides + j);
      const auto b = first_vertex + static_cast<std::uint32_t>(((i + 1) % rings) * sides + j);
      const auto c = first_vertex + static_cast<std::uint32_t>(((i + 1) % rings) * sides + (j + 1) % sides);
      const auto d = first_vertex + static_cast<std::uint32_t>(i * sides + (j + 1) % sides);
      indices.insert(indices.end(), {a, b, c, a, c, d});
    }
  }
  torus.index_count = static_cast<std::uint32_t>(indices.size()) - torus.first_index;
  parts.push_back(torus);
  return content::makeModel(std::move(vertices), std::move(indices), std::move(parts));
}

void runBench(bool validation, int msaa_samples) {
  RendererOptions options;
  options.enable_validation = validation;
  options.msaa_samples = msaa_samples;
  options.prefer_software = true;
  auto created = Renderer::create(options);
  ASSERT_TRUE(created.ok()) << created.error().describe();
  auto& renderer = **created;
  constexpr int kW = 1280, kH = 720;
  auto target = renderer.createOffscreenTarget(kW, kH);
  ASSERT_TRUE(target.ok());
  const core::Image camera_frame = test::makeGradientImage(kW, kH, core::PixelFormat::Bgr8);
  const std::vector<test::Box> boxes{{"base", {0, -0.045, 0}, {0.11, 0.01, 0.08}},
                                     {"housing", {-0.02, 0.0, 0}, {0.06, 0.035, 0.05}},
                                     {"plug", {-0.02, -0.015, 0.055}, {0.012, 0.012, 0.008}}};
  // RIVET_RENDER_SAMPLE_MODEL=path.rmdl measures a real imported model instead (e.g. the robot-cell pack's robot).
  const char* model_path = std::getenv("RIVET_RENDER_SAMPLE_MODEL");
  content::Model model = boxesAndTorus(boxes, 400, 125);  // 100k triangles in the torus
  core::Pose pose = test::lookAtOrigin(0.42, 30, 28);
  if (model_path != nullptr) {
    auto loaded = content::loadModel(model_path);
    ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
    model = std::move(*loaded);
    const auto& b = model.bounds;
    const core::Vec3d centre{(b.min[0] + b.max[0]) / 2.0, (b.min[1] + b.max[1]) / 2.0, (b.min[2] + b.max[2]) / 2.0};
    const double radius = 0.5 * core::Vec3d{b.max[0] - b.min[0], b.max[1] - b.min[1], b.max[2] - b.min[2]}.norm();
    pose = test::lookAtOrigin(2.0 * radius, 35, 20);
    pose.t = pose.t - pose.R * centre;
  }
  ASSERT_TRUE(renderer.setModel(model).ok());
  struct Case {
    const char* name;
    bool model_visible;
    std::vector<PartStyle> styles;
    bool ui = false;
    int views = 1;  // 2: a second target with its own view, as a headset's two eyes
  };
  const std::vector<Case> cases{
      {"background only", false, {}},
      {"background only + UI window", false, {}, true},
      {"background only + UI window", false, {}, true, 2},
      {"model, no highlight", true, {}},
      {"model + highlight", true, {PartStyle::Normal, PartStyle::Normal, PartStyle::Highlight}},
      {"model + highlight + UI window", true, {PartStyle::Normal, PartStyle::Normal, PartStyle::Highlight}, true}};
  // A step-card-like ImGui window for the UI case (drawn once per frame as the app does).
  ImGui::CreateContext();
  ImGui::GetIO().DisplaySize = ImVec2(static_cast<float>(kW), static_cast<float>(kH));
  ImGui::GetIO().IniFilename = nullptr;
  ASSERT_TRUE(renderer.initUi().ok());
  auto buildUi = [] {
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(20, 400));
    ImGui::SetNextWindowSize(ImVec2(520, 300));
    ImGui::Begin("Step 3 of 7");
    for (int line = 0; line < 12; ++line) ImGui::TextUnformatted("Loosen the drain plug and let the oil run out.");
    ImGui::Button("Done");
    ImGui::End();
    ImGui::Render();
  };
  auto second_target = renderer.createOffscreenTarget(kW, kH);
  ASSERT_TRUE(second_target.ok());
  FrameDesc frame;
  for (const Case& c : cases) {
    frame.model_visible = c.model_visible;
    frame.part_styles = c.styles;
    frame.draw_ui = c.ui;
    frame.views = {test::makeView(test::testCamera(kW, kH), pose, *target)};
    if (c.views == 2) frame.views.push_back(test::makeView(test::testCamera(kW, kH), pose, *second_target));
    std::vector<double> total, cpu;
    for (int i = 0; i < 12; ++i) {
      frame.time_s = i / 30.0;
      const std::clock_t cpu_start = std::clock();
      const core::Stopwatch wall;
      if (c.ui) buildUi();
      for (const auto& view : frame.views) {  // a new camera frame every frame, as in the app
        ASSERT_TRUE(renderer.setBackground(view.target, camera_frame).ok());
      }
      ASSERT_TRUE(renderer.renderFrame(frame).ok());
      const double wall_ms = wall.elapsedMs();
      const double cpu_ms = 1000.0 * static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
      if (i >= 2) {  // the first frames compile shader variants
        total.push_back(wall_ms);
        cpu.push_back(cpu_ms);
      }
    }
    std::sort(total.begin(), total.end());
    std::sort(cpu.begin(), cpu.end());
    std::printf("render_ms (setBackground Bgr8 + renderFrame) %dx%d, %d view(s), %s (%zu triangles), %dx MSAA, validation %s: median %.1f ms, "
                "min %.1f ms, max %.1f ms; CPU time (all lavapipe threads) median %.1f ms [%s]\n",
                kW, kH, c.views, c.name, model.indices.size() / 3, renderer.msaaSamples(), validation ? "on" : "off",
                total[total.size() / 2], total.front(), total.back(), cpu[cpu.size() / 2],
                renderer.deviceName().c_str());
  }
  auto image = renderer.readback(*target);
  ASSERT_TRUE(image.ok());
  test::writeTestPng(std::string(validation ? "bench_frame_validation" : "bench_frame") + "_msaa" +
                         std::to_string(renderer.msaaSamples()),
                     *image);
  EXPECT_EQ(renderer.validationMessageCount(), 0u);
  renderer.shutdownUi();
  ImGui::DestroyContext();
}

TEST(RenderBench, Frame1280x720NoValidation) { runBench(false, 4); }
TEST(RenderBench, Frame1280x720NoValidationNoMsaa) { runBench(false, 1); }
TEST(RenderBench, Frame1280x720WithValidation) { runBench(true, 4); }

}  // namespace
}  // namespace rivet::render
