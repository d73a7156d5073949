// End-to-end test of `rivet --headless`: synthetic frames in, poses, overlay frames and run log out, checked against ground truth.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "rivet/content/model_file.hpp"
#include "rivet/content/pack.hpp"
#include "rivet/core/camera.hpp"
#include "rivet/platform/frame_source.hpp"
#include "rivet/render/renderer.hpp"
#include "rivet/tracking/camera_io.hpp"
#include "../common/run_log.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace rivet;

namespace {

struct RunResult {
  int exit_code = -1;
  std::string output;
};

// Runs a shell command, capturing stdout and stderr.
RunResult run(const std::string& command) {
  RunResult r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  while (fgets(buf, sizeof buf, pipe) != nullptr) r.output += buf;
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

using test::maskIou;
using test::poseFrom;
using test::readJsonLines;

class HeadlessApp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    work_ = fs::temp_directory_path() / ("rivet-it-" + std::to_string(::getpid()));
    fs::remove_all(work_);
    fs::create_directories(work_);
    // 1280x720, 100 mm markers, camera 0.5-1.5 m from the machine, blur, noise and lighting changes.
    const std::string synth = std::string(RIVET_SYNTHCAM) + " --pack " RIVET_SAMPLE_PACK " --out " +
                              (work_ / "camera").string() +
                              " --frames 10 --width 1280 --height 720 --path orbit --min-dist 0.5 --max-dist 1.5"
                              " --blur 0.8 --noise 2 --lighting --seed 11";
    synth_ = run(synth);
    const std::string app = std::string(RIVET_APP) + " --headless --validation --pack " RIVET_SAMPLE_PACK " --camera " +
                            (work_ / "camera").string() + " --calib " + (work_ / "camera" / "camera.yaml").string() +
                            " --out " + (work_ / "out").string() + " --lang fr --step-every 3 --simulate normal";
    app_ = run(app);
  }
  static void TearDownTestSuite() {
    if (!::testing::Test::HasFailure()) fs::remove_all(work_);
  }

  static inline fs::path work_;
  static inline RunResult synth_, app_;
};

TEST_F(HeadlessApp, RunsAndWritesFramesAndLog) {
  ASSERT_EQ(synth_.exit_code, 0) << synth_.output;
  ASSERT_EQ(app_.exit_code, 0) << app_.output;
  const auto lines = readJsonLines(work_ / "out" / "run.jsonl");
  ASSERT_EQ(lines.size(), 10u);
  for (size_t i = 0; i < lines.size(); ++i) {
    const json& l = lines[i];
    EXPECT_EQ(l.at("frame").get<int>(), static_cast<int>(i));
    for (const char* key : {"tracked", "markers", "T_camera_machine", "tracking_ms", "render_ms"}) {
      EXPECT_TRUE(l.contains(key)) << key;
    }
    char name[32];
    std::snprintf(name, sizeof name, "frame-%05d.png", static_cast<int>(i));
    auto image = platform::readImage((work_ / "out" / name).string());
    ASSERT_TRUE(image.ok()) << image.error().describe();
    EXPECT_EQ(image->width, 1280);
    EXPECT_EQ(image->height, 720);
  }
  const json summary = json::parse(std::ifstream(work_ / "out" / "summary.json"));
  EXPECT_EQ(summary.at("validation_messages").get<int>(), 0);
}

TEST_F(HeadlessApp, PoseMatchesGroundTruth) {
  ASSERT_EQ(app_.exit_code, 0) << app_.output;
  const auto lines = readJsonLines(work_ / "out" / "run.jsonl");
  const auto truth = readJsonLines(work_ / "camera" / "ground_truth.jsonl");
  ASSERT_EQ(lines.size(), truth.size());
  int compared = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (truth[i].at("visible_markers").empty()) continue;
    ASSERT_TRUE(lines[i].at("tracked").get<bool>()) << "frame " << i << " lost although markers are visible";
    const core::Pose est = poseFrom(lines[i].at("T_camera_machine"));
    const core::Pose gt = poseFrom(truth[i].at("T_camera_machine"));
    EXPECT_LT(core::translationDifferenceM(est, gt) * 1000.0, 5.0) << "frame " << i;
    EXPECT_LT(core::rotationDifferenceDeg(est, gt), 1.0) << "frame " << i;
    ++compared;
  }
  EXPECT_GE(compared, 8);
}

TEST_F(HeadlessApp, SilhouetteMatchesGroundTruthRender) {
  ASSERT_EQ(app_.exit_code, 0) << app_.output;
  auto pack = content::loadPack(RIVET_SAMPLE_PACK);
  ASSERT_TRUE(pack.ok()) << pack.error().describe();
  auto model = content::loadModel(pack->model_path.string());
  ASSERT_TRUE(model.ok()) << model.error().describe();
  auto camera = tracking::loadCamera((work_ / "camera" / "camera.yaml").string());
  ASSERT_TRUE(camera.ok()) << camera.error().describe();
  auto renderer = render::Renderer::create({});
  ASSERT_TRUE(renderer.ok()) << renderer.error().describe();
  ASSERT_TRUE((*renderer)->setModel(*model).ok());
  const core::Mat4f projection = core::vulkanProjection(*camera, 0.03, 30.0);
  const auto lines = readJsonLines(work_ / "out" / "run.jsonl");
  const auto truth = readJsonLines(work_ / "camera" / "ground_truth.jsonl");
  for (size_t i = 0; i < lines.size(); i += 3) {
    if (!lines[i].at("tracked").get<bool>()) continue;
    const render::ViewSetup est{core::Mat4f::fromPose(poseFrom(lines[i].at("T_camera_machine"))), projection, 0};
    const render::ViewSetup gt{core::Mat4f::fromPose(poseFrom(truth[i].at("T_camera_machine"))), projection, 0};
    auto mask_est = (*renderer)->renderMask(est, camera->width, camera->height);
    auto mask_gt = (*renderer)->renderMask(gt, camera->width, camera->height);
    ASSERT_TRUE(mask_est.ok() && mask_gt.ok());
    EXPECT_GE(maskIou(*mask_est, *mask_gt), 0.95) << "frame " << i;
  }
  EXPECT_EQ((*renderer)->validationMessageCount(), 0u);
}

TEST_F(HeadlessApp, NoMarkerFramesStillRenderSearchingState) {
  // A camera looking at a blank wall: nothing to track, but every frame is rendered with the panel.
  const fs::path blank = work_ / "blank";
  fs::create_directories(blank);
  core::Image wall(1280, 720, core::PixelFormat::Bgr8);
  for (size_t i = 0; i < wall.pixels.size(); ++i) wall.pixels[i] = static_cast<std::uint8_t>(120 + (i / 3 % 1280) / 40);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(platform::writePng((blank / ("wall-" + std::to_string(i) + ".png")).string(), wall).ok());
  }
  const RunResult r = run(std::string(RIVET_APP) + " --headless --validation --pack " RIVET_SAMPLE_PACK " --camera " +
                          blank.string() + " --calib " + (work_ / "camera" / "camera.yaml").string() + " --out " +
                          (work_ / "blank-out").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto lines = readJsonLines(work_ / "blank-out" / "run.jsonl");
  ASSERT_EQ(lines.size(), 3u);
  for (const auto& l : lines) {
    EXPECT_FALSE(l.at("tracked").get<bool>());
    EXPECT_TRUE(l.at("T_camera_machine").is_null());
  }
  auto frame = platform::readImage((work_ / "blank-out" / "frame-00002.png").string());
  ASSERT_TRUE(frame.ok());
  // The panel is drawn over the wall: the top-left banner region differs from the plain wall.
  int changed = 0;
  for (int y = 14; y < 40; ++y) {
    for (int x = 14; x < 600; ++x) {
      const auto* p = frame->row(y) + x * 3;
      const auto* q = wall.row(y) + x * 3;
      changed += std::abs(int(p[0]) - int(q[0])) > 30 ? 1 : 0;
    }
  }
  EXPECT_GT(changed, 2000);
}

TEST_F(HeadlessApp, BadInputsGiveOneClearError) {
  const std::string calib = (work_ / "camera" / "camera.yaml").string();
  RunResult r = run(std::string(RIVET_APP) + " --headless --pack /nonexistent/pack --camera " + (work_ / "camera").string() +
                    " --calib " + calib + " --out " + (work_ / "bad1").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("/nonexistent/pack"), std::string::npos) << r.output;

  r = run(std::string(RIVET_APP) + " --headless --pack " RIVET_SAMPLE_PACK " --camera /nonexistent/video.mp4 --calib " +
          calib + " --out " + (work_ / "bad2").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("/nonexistent/video.mp4"), std::string::npos) << r.output;

  // A calibration for another resolution must be refused, naming the frame.
  const fs::path small_calib = work_ / "small.yaml";
  auto cam = tracking::loadCamera(calib);
  ASSERT_TRUE(cam.ok());
  core::CameraModel other = *cam;
  other.width = 640;
  other.height = 480;
  ASSERT_TRUE(tracking::saveCamera(small_calib.string(), other).ok());
  r = run(std::string(RIVET_APP) + " --headless --pack " RIVET_SAMPLE_PACK " --camera " + (work_ / "camera").string() +
          " --calib " + small_calib.string() + " --out " + (work_ / "bad3").string() + " --frames 1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("calibration"), std::string::npos) << r.output;
}

}  // namespace

namespace {

void replaceIn(const fs::path& p, const std::string& from, const std::string& to) {
  std::ifstream in(p);
  std::string t((std::istreambuf_iterator<char>(in)), {});
  const auto at = t.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << p;
  t.replace(at, from.size(), to);
  std::ofstream(p, std::ios::trunc) << t;
}

}  // namespace

// A pack whose markers.yaml has marker 2 turned 180° and whose first step needs the overlay within 10 mm: the run log
// never shows a frame with marker 2 in view as tracked, names the marker, and the step only advances on a good verdict.
TEST_F(HeadlessApp, BrokenMapIsNeverTrackedAndBlocksStepsThatNeedTheOverlay) {
  ASSERT_EQ(synth_.exit_code, 0) << synth_.output;
  const fs::path pack = work_ / "broken-pack";
  fs::remove_all(pack);
  fs::copy(RIVET_SAMPLE_PACK, pack, fs::copy_options::recursive);
  replaceIn(pack / "markers.yaml", "position_m: [0.30, 0.0, -0.25]\n    normal: [0, 1, 0]\n    up: [-1, 0, 0]",
            "position_m: [0.30, 0.0, -0.25]\n    normal: [0, 1, 0]\n    up: [1, 0, 0]");
  fs::path proc;
  for (const auto& e : fs::directory_iterator(pack / "procedures")) {
    std::ifstream in(e.path());
    const std::string t((std::istreambuf_iterator<char>(in)), {});
    if (t.find("  - id: prepare\n    kind: instruction\n") != std::string::npos) proc = e.path();
  }
  ASSERT_FALSE(proc.empty());
  replaceIn(proc, "  - id: prepare\n    kind: instruction\n",
            "  - id: prepare\n    kind: instruction\n    requires_registration_mm: 10\n");
  const RunResult r = run(std::string(RIVET_APP) + " --headless --validation --pack " + pack.string() + " --camera " +
                          (work_ / "camera").string() + " --calib " + (work_ / "camera" / "camera.yaml").string() +
                          " --out " + (work_ / "broken-out").string() + " --step-every 1 --simulate normal");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto lines = readJsonLines(work_ / "broken-out" / "run.jsonl");
  const auto truth = readJsonLines(work_ / "camera" / "ground_truth.jsonl");
  ASSERT_EQ(lines.size(), truth.size());
  int diagnosed = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const json& l = lines[i];
    ASSERT_TRUE(l.contains("registration")) << i;
    const json& reg = l.at("registration");
    bool sees_2 = false;
    for (const auto& id : l.at("markers")) sees_2 = sees_2 || id.get<int>() == 2;
    for (const auto& id : reg.at("outliers")) sees_2 = sees_2 || id.get<int>() == 2;
    if (sees_2) {
      EXPECT_FALSE(l.at("tracked").get<bool>()) << "frame " << i << ": " << reg.dump();
      EXPECT_NE(reg.at("state").get<std::string>(), "tracked") << i;
    }
    if (reg.at("reason").get<std::string>().find("marker 2 seems rotated 180° on the machine") != std::string::npos) {
      ++diagnosed;
    }
    // The step that needs the overlay advances only on a frame whose verdict is good.
    if (l.contains("commands")) {
      for (const auto& c : l.at("commands")) {
        if (c.value("from", "") != "prepare") continue;
        if (c.value("accepted", false) && c.value("to", "") != "prepare") {
          EXPECT_EQ(reg.at("state").get<std::string>(), "tracked") << "frame " << i << ": " << c.dump();
        }
        if (reg.at("state").get<std::string>() != "tracked") {
          EXPECT_EQ(c.value("outcome", ""), "gate_blocked") << "frame " << i << ": " << c.dump();
        }
      }
    }
  }
  EXPECT_GE(diagnosed, 3) << "marker 2's turn should be named in the frames that see it";
}
