// `rivet --xr` against a real OpenXR runtime (headless Monado through the Khronos loader, core validation layer).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rivet/content/model_file.hpp"
#include "rivet/content/pack.hpp"
#include "rivet/core/camera.hpp"
#include "rivet/platform/frame_source.hpp"
#include "rivet/render/renderer.hpp"
#include "../common/run_command.hpp"
#include "../common/run_log.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace rivet;

namespace {

using test::maskIou;
using test::poseFrom;
using test::readJsonLines;

// Pixels that differ from the clear colour (read at the image's corner) by more than a few grey levels.
core::Image silhouette(const core::Image& rgba) {  // any 3- or 4-channel image
  core::Image mask(rgba.width, rgba.height, core::PixelFormat::Gray8);
  const std::uint8_t* bg = rgba.pixels.data();
  const auto channels = static_cast<size_t>(core::channelCount(rgba.format));
  for (size_t i = 0; i < mask.pixels.size(); ++i) {
    const std::uint8_t* p = rgba.pixels.data() + i * channels;
    int d = 0;
    for (int c = 0; c < 3; ++c) d = std::max(d, std::abs(int(p[c]) - int(bg[c])));
    mask.pixels[i] = d > 6 ? 255 : 0;
  }
  return mask;
}

double centroidX(const core::Image& mask) {
  double sx = 0, n = 0;
  for (int y = 0; y < mask.height; ++y) {
    for (int x = 0; x < mask.width; ++x) {
      if (mask.pixels[static_cast<size_t>(y * mask.width + x)] > 127) {
        sx += x;
        n += 1;
      }
    }
  }
  return n > 0 ? sx / n : -1;
}

// The environment a Monado in-process headless runtime needs, with the Khronos core validation layer.
std::string monadoEnv() {
  const fs::path dir = std::getenv("RIVET_MONADO_DIR") ? fs::path(std::getenv("RIVET_MONADO_DIR")) : fs::path(RIVET_MONADO_DIR);
  const fs::path manifest = dir / "share/openxr/1/openxr_monado.json";
  if (!fs::exists(manifest)) return {};
  return "XR_RUNTIME_JSON=" + manifest.string() +
         " XRT_COMPOSITOR_NULL=1 SIMULATED_ENABLE=1 VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json ";
}

class XrHeadset : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    work_ = fs::temp_directory_path() / ("rivet-xr-" + std::to_string(::getpid()));
    fs::remove_all(work_);
    fs::create_directories(work_);
    env_ = monadoEnv();
    if (env_.empty()) return;
    // 60 display frames; the synthetic headset camera (10 fps) looks away after its first 40 placed frames.
    main_ = test::runCommand(env_ + RIVET_APP " --xr --validation --pack " RIVET_SAMPLE_PACK
                " --camera synthetic --fps 10 --synthetic-dark 40:1000000 --no-camera-background"
                " --procedure robot-cell3-loto --step-every 1000000 --frames 60 --save-every 2 --mirror " +
                (work_ / "mirror").string() + " --out " + (work_ / "out").string());
  }
  static void TearDownTestSuite() { fs::remove_all(work_); }
  void SetUp() override {
    ASSERT_FALSE(env_.empty()) << "headless Monado is not installed at " << RIVET_MONADO_DIR
                               << ": run tools/setup/build-monado.sh (the test command does)";
  }

  static inline fs::path work_;
  static inline std::string env_;
  static inline test::CommandResult main_;
};

TEST_F(XrHeadset, SessionRunsFramesAndEndsCleanlyWithoutValidationMessages) {
  ASSERT_EQ(main_.code, 0) << main_.out;
  EXPECT_NE(main_.out.find("Monado"), std::string::npos) << main_.out;
  EXPECT_EQ(main_.out.find("openxr validation"), std::string::npos) << main_.out;
  EXPECT_EQ(main_.out.find("Validation Error"), std::string::npos) << main_.out;
  const json summary = json::parse(std::ifstream(work_ / "out" / "summary.json"));
  EXPECT_EQ(summary.at("frames").get<int>(), 60);
  EXPECT_EQ(summary.at("validation_messages").get<int>(), 0);
  EXPECT_EQ(summary.at("openxr_validation_messages").get<int>(), 0);
  const auto lines = readJsonLines(work_ / "mirror" / "xr.jsonl");
  ASSERT_EQ(lines.size(), 60u);
  std::int64_t last_time = 0;
  for (const auto& l : lines) {
    EXPECT_EQ(l.at("eyes").size(), 2u);
    EXPECT_EQ(l.at("blend").get<std::string>(), "opaque");  // Monado lists OPAQUE only
    const auto t = l.at("predicted_display_time").get<std::int64_t>();
    EXPECT_GT(t, last_time);  // display times move forward
    last_time = t;
  }
  EXPECT_EQ(lines.back().at("state").get<std::string>(), "focused");
}

TEST_F(XrHeadset, StereoEyesAreAnIpdApartAndSeeTheModelShifted) {
  ASSERT_EQ(main_.code, 0) << main_.out;
  const auto lines = readJsonLines(work_ / "mirror" / "xr.jsonl");
  ASSERT_GE(lines.size(), 9u);
  const auto& l = lines[8];
  const core::Pose left = poseFrom(l.at("eyes")[0].at("T_world_eye"));
  const core::Pose right = poseFrom(l.at("eyes")[1].at("T_world_eye"));
  const double ipd = core::translationDifferenceM(left, right);
  EXPECT_GT(ipd, 0.05);
  EXPECT_LT(ipd, 0.08);
  EXPECT_LT(left.t.x, right.t.x);  // the left eye is on the left
  auto a = platform::readImage((work_ / "mirror" / "eye0-00008.png").string());
  auto b = platform::readImage((work_ / "mirror" / "eye1-00008.png").string());
  ASSERT_TRUE(a.ok() && b.ok());
  const core::Image ma = silhouette(*a), mb = silhouette(*b);
  EXPECT_NE(a->pixels, b->pixels);
  // A point in front of the viewer appears further right in the left eye than in the right eye.
  EXPECT_GT(centroidX(ma), centroidX(mb) + 2.0);
}

TEST_F(XrHeadset, ModelIsDrawnWhereTheTruePoseProjectsAndStaysWhenMarkersLeaveView) {
  ASSERT_EQ(main_.code, 0) << main_.out;
  const auto lines = readJsonLines(work_ / "mirror" / "xr.jsonl");
  auto pack = content::loadPack(RIVET_SAMPLE_PACK);
  ASSERT_TRUE(pack.ok()) << pack.error().describe();
  auto model = content::loadModel(pack->model_path.string());
  ASSERT_TRUE(model.ok()) << model.error().describe();
  auto renderer = render::Renderer::create({});
  ASSERT_TRUE(renderer.ok()) << renderer.error().describe();
  ASSERT_TRUE((*renderer)->setModel(*model).ok());

  int anchored_seen = 0, kept_seen = 0;
  double worst_iou = 1, worst_mm = 0, worst_deg = 0;
  std::optional<core::Pose> kept_pose;
  for (const auto& l : lines) {
    const int frame = l.at("frame").get<int>();
    const bool anchored = l.at("anchor_valid").get<bool>();
    const bool tracked = l.at("tracked").get<bool>();
    if (anchored && !tracked) {
      // Markers out of view: the anchor does not move.
      const core::Pose p = poseFrom(l.at("T_world_machine"));
      if (kept_pose) {
        EXPECT_LT(core::translationDifferenceM(p, *kept_pose), 1e-9) << "frame " << frame;
      }
      kept_pose = p;
    }
    if (frame % 2 != 0 || !anchored) continue;
    const core::Pose truth = poseFrom(l.at("T_world_machine_truth"));
    for (int eye = 0; eye < 2; ++eye) {
      char name[32];
      std::snprintf(name, sizeof name, "eye%d-%05d.png", eye, frame);
      auto image = platform::readImage((work_ / "mirror" / name).string());
      ASSERT_TRUE(image.ok()) << image.error().describe();
      const auto& e = l.at("eyes")[static_cast<size_t>(eye)];
      const core::Pose T_world_eye = poseFrom(e.at("T_world_eye"));
      const auto fov = e.at("fov");
      const render::ViewSetup view{
          core::Mat4f::fromPose(T_world_eye.inverse() * truth),
          core::fovProjection(fov[0].get<double>(), fov[1].get<double>(), fov[2].get<double>(), fov[3].get<double>(), 0.05, 20),
          0};
      auto mask = (*renderer)->renderMask(view, image->width, image->height);
      ASSERT_TRUE(mask.ok()) << mask.error().describe();
      const double score = maskIou(silhouette(*image), *mask);
      const core::Pose anchor = poseFrom(l.at("T_world_machine"));
      const render::ViewSetup est_view{core::Mat4f::fromPose(T_world_eye.inverse() * anchor), view.projection, 0};
      auto est = (*renderer)->renderMask(est_view, image->width, image->height);
      ASSERT_TRUE(est.ok());
      EXPECT_GE(score, 0.9) << name << (tracked ? " (tracked)" : " (markers out of view)") << ": anchor off by "
                            << core::translationDifferenceM(anchor, truth) * 1000 << " mm, "
                            << core::rotationDifferenceDeg(anchor, truth) << " deg; anchor mask vs truth IoU "
                            << maskIou(*est, *mask);
      worst_iou = std::min(worst_iou, score);
      worst_mm = std::max(worst_mm, core::translationDifferenceM(anchor, truth) * 1000);
      worst_deg = std::max(worst_deg, core::rotationDifferenceDeg(anchor, truth));
    }
    if (tracked) ++anchored_seen;
    else ++kept_seen;
  }
  std::printf("xr: %d tracked + %d out-of-view mirrored frames; worst eye silhouette IoU %.3f, anchor error %.1f mm %.2f deg\n",
              anchored_seen, kept_seen, worst_iou, worst_mm, worst_deg);
  EXPECT_GE(anchored_seen, 1) << "no mirrored frame while the markers were tracked";
  EXPECT_GE(kept_seen, 2) << "no mirrored frame after the markers left the view";
  EXPECT_EQ((*renderer)->validationMessageCount(), 0u);
}

TEST_F(XrHeadset, ScriptedSelectOnThePanelConfirmsTheStep) {
  // The script's click becomes an aim from the head at the button's place on the world panel, then select.
  const fs::path script = work_ / "select.jsonl";
  std::ofstream(script) << "{\"wait\": {\"frames\": 4}}\n{\"click\": \"confirm\"}\n{\"wait\": {\"frames\": 2}}\n";
  const test::CommandResult r = test::runCommand(env_ + RIVET_APP " --xr --validation --pack " RIVET_SAMPLE_PACK
                          " --camera synthetic --procedure robot-cell3-loto --step-every 1000000 --save-every 0 --input " +
                          script.string() + " --mirror " + (work_ / "select-mirror").string() + " --out " +
                          (work_ / "select-out").string());
  ASSERT_EQ(r.code, 0) << r.out;
  const auto lines = readJsonLines(work_ / "select-out" / "run.jsonl");
  bool confirmed = false;
  for (const auto& l : lines) {
    if (!l.contains("commands")) continue;
    for (const auto& c : l.at("commands")) {
      if (c.at("command") == "confirm" && c.at("accepted").get<bool>()) confirmed = true;
    }
  }
  EXPECT_TRUE(confirmed) << r.out;
  EXPECT_NE(lines.back().at("step").get<std::string>(), "notify");
  bool aimed = false;
  for (const auto& l : readJsonLines(work_ / "select-mirror" / "xr.jsonl")) {
    if (l.at("pointer_source") == "script" && l.at("select").get<bool>() && l.contains("pointer")) aimed = true;
  }
  EXPECT_TRUE(aimed);
}

TEST_F(XrHeadset, NoRuntimeGivesAClearError) {
  const test::CommandResult r = test::runCommand("XR_RUNTIME_JSON=" + (work_ / "missing.json").string() + " " RIVET_APP
                          " --xr --pack " RIVET_SAMPLE_PACK " --camera synthetic --frames 1");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("rivet: error:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("XR_RUNTIME_JSON"), std::string::npos) << r.out;
}

}  // namespace
