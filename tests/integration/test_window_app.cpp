// Window test of the technician's app: rivet --window on a private Xvfb (lavapipe swapchain, validation on), driven
// by real X input (xdotool clicks and typing); the screen is compared with the offscreen rendering of the same state.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "../common/xvfb.hpp"
#include "app_harness.hpp"
#include "rivet/platform/frame_source.hpp"
#include "rivet/records/store.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace rivet;
using namespace rivet::apptest;

namespace {

struct Rect {
  int x = 0, y = 0, w = 0, h = 0;
};

Rect rectOf(const json& r) {
  return {static_cast<int>(std::lround(r[0].get<double>())), static_cast<int>(std::lround(r[1].get<double>())),
          static_cast<int>(std::lround(r[2].get<double>())), static_cast<int>(std::lround(r[3].get<double>()))};
}

// Share of the pixels inside `r` whose colour differs by more than `tol` (any channel), and the mean difference.
std::pair<double, double> compareRegion(const core::Image& a, const core::Image& b, Rect r, int tol) {
  r.x = std::max(r.x, 0);
  r.y = std::max(r.y, 0);
  r.w = std::min(r.w, std::min(a.width, b.width) - r.x);
  r.h = std::min(r.h, std::min(a.height, b.height) - r.y);
  std::size_t differing = 0, n = 0;
  double sum = 0;
  const int ch = a.channels();
  for (int y = r.y; y < r.y + r.h; ++y) {
    const std::uint8_t* pa = a.row(y);
    const std::uint8_t* pb = b.row(y);
    for (int x = r.x; x < r.x + r.w; ++x) {
      int worst = 0;
      for (int c = 0; c < 3; ++c) {
        const int d = std::abs(pa[x * ch + c] - pb[x * ch + c]);
        worst = std::max(worst, d);
        sum += d;
      }
      differing += worst > tol ? 1 : 0;
      ++n;
    }
  }
  if (n == 0) return {1.0, 255.0};
  return {static_cast<double>(differing) / static_cast<double>(n), sum / (3.0 * static_cast<double>(n))};
}

class WindowApp : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    xvfb_ = test::Xvfb::start(&error, "1280x800x24");
    ASSERT_NE(xvfb_, nullptr) << error;
    char tmpl[] = "/tmp/rivet-window-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    camera_ = dir_ / "camera";
    int code = 0;
    // One camera picture played in a loop: the window and the offscreen reference show the same background.
    const std::string out = sh(std::string(RIVET_SYNTHCAM) + " --pack " RIVET_SAMPLE_PACK " --out " + camera_.string() +
                               " --frames 1 --width 1280 --height 720 --path orbit --min-dist 0.9 --max-dist 1.0 --seed 4", &code);
    ASSERT_EQ(code, 0) << out;
    db_ = dir_ / "records.db";
    sh("RIVET_SECRET=24681357 " + std::string(RIVET_RECORDS) + " add-user " + db_.string() +
       " --name jdupont --role technician --kdf-n 1024", &code);
    ASSERT_EQ(code, 0);
    orders_ = dir_ / "orders.csv";
    writeFile(orders_, "number,asset,procedure,title\nOT-2001,RC3-ROB-01,robot-cell3-gripper-fingers,Replace the gripper fingers\n");
  }
  void TearDown() override {  // kept on failure, or with RIVET_KEEP_TEST_FILES=1, to look at the screenshots
    if (!HasFailure() && std::getenv("RIVET_KEEP_TEST_FILES") == nullptr) fs::remove_all(dir_);
  }

  std::vector<std::string> appArgs(const std::string& mode, const fs::path& out, const fs::path& db) const {
    std::vector<std::string> a = {RIVET_APP, mode, "--validation", "--pack", RIVET_SAMPLE_PACK, "--camera",
                                  camera_.string(), "--calib", (camera_ / "camera.yaml").string(), "--out", out.string(),
                                  "--fps", "10", "--loop", "--db", db.string(), "--work-orders", orders_.string(),
                                  "--lang", "en", "--simulate", "normal", "--log-widgets"};
    return a;
  }

  // The newest run-log line, once one satisfies `pred`.
  json waitFor(const fs::path& log, const std::function<bool(const json&)>& pred, Child& app, double timeout_s = 60) {
    json found;
    const bool ok = waitLog(log, [&](const json& l) {
      if (!pred(l)) return false;
      found = l;
      return true;
    }, timeout_s, &app);
    EXPECT_TRUE(ok) << "timed out; app output:\n" << app.output();
    return found;
  }

  std::unique_ptr<test::Xvfb> xvfb_;
  fs::path dir_, camera_, db_, orders_;
};

bool hasWidget(const json& l, const std::string& name) { return l.contains("widgets") && l["widgets"].contains(name); }

TEST_F(WindowApp, RealClicksLogInStartTheOrderAndConfirmTheStep) {
  const fs::path out = dir_ / "out";
  Child app = Child::spawn(appArgs("--window", out, db_), dir_ / "app.log");
  const fs::path log = out / "run.jsonl";

  json l = waitFor(log, [](const json& j) { return j.value("screen", "") == "login" && hasWidget(j, "user:jdupont"); }, app);
  ASSERT_FALSE(l.is_null());
  int code = 0;
  std::string wid = sh("xdotool search --sync --name '^Rivet$' | head -1", &code);
  ASSERT_EQ(code, 0) << wid;
  wid.erase(wid.find_last_not_of(" \n") + 1);
  ASSERT_FALSE(wid.empty());
  auto click = [&](const json& line, const std::string& name) {
    ASSERT_TRUE(hasWidget(line, name)) << name << " not on screen: " << line.dump();
    const Rect r = rectOf(line["widgets"][name]);
    const std::string cmd = "xdotool mousemove --window " + wid + " " + std::to_string(r.x + r.w / 2) + " " +
                            std::to_string(r.y + r.h / 2) + " click 1";
    int rc = 0;
    const std::string o = sh(cmd, &rc);
    ASSERT_EQ(rc, 0) << cmd << ": " << o;
  };

  // Login: pick the user with a click, type the PIN on the keyboard, Enter.
  click(l, "user:jdupont");
  l = waitFor(log, [](const json& j) { return hasWidget(j, "key:0"); }, app);  // OK is enabled once digits are in
  sh("xdotool type --delay 40 24681357; xdotool key Return");
  l = waitFor(log, [](const json& j) { return j.value("screen", "") == "orders" && hasWidget(j, "order:OT-2001"); }, app);
  ASSERT_EQ(l.value("user", ""), "jdupont");
  click(l, "order:OT-2001");
  l = waitFor(log, [](const json& j) { return j.value("step", "") == "prepare" && hasWidget(j, "confirm"); }, app);

  // The pointer off the window (no hover highlight), a few frames, then the screen as the technician sees it.
  sh("xdotool mousemove 640 790");
  const int shown_from = l.value("frame", 0) + 3;
  l = waitFor(log, [&](const json& j) { return j.value("frame", 0) >= shown_from; }, app);
  const fs::path shot = dir_ / "window.png";
  ASSERT_EQ((sh("import -window " + wid + " " + shot.string(), &code), code), 0);
  const json card = l["panels"]["step"];
  const json confirm_at = l;

  // A real click on Confirm: the step advances and the action is in the records.
  click(confirm_at, "confirm");
  waitFor(log, [](const json& j) { return j.value("step", "") == "park"; }, app);
  ::kill(app.pid, SIGTERM);
  ASSERT_EQ(app.wait(60), 0) << app.output();
  const json summary = json::parse(std::ifstream(out / "summary.json"));
  EXPECT_EQ(summary.at("validation_messages").get<int>(), 0) << app.output();

  auto store = records::Store::open(db_.string());
  ASSERT_TRUE(store.ok()) << store.error().describe();
  auto session = store->findOpenSession("jdupont", "robot-cell3-gripper-fingers");
  ASSERT_TRUE(session.has_value());
  EXPECT_EQ(session->info.work_order, "OT-2001");
  auto events = store->events(session->id);
  ASSERT_TRUE(events.ok());
  bool confirmed = false;
  for (const auto& e : *events) {
    confirmed |= e.record.from_step == "prepare" && e.record.event.type == procedure::EventType::Confirm &&
                 e.record.to_step == "park";
  }
  EXPECT_TRUE(confirmed);

  // The same state rendered offscreen (headless, same camera picture, a second records file): the step card on
  // the window's screenshot matches it within tolerance.
  const fs::path script = dir_ / "reference.jsonl";
  writeFile(script, "{\"click\":\"user:jdupont\"}\n{\"type\":\"24681357\"}\n{\"click\":\"key:ok\"}\n"
                    "{\"click\":\"order:OT-2001\"}\n{\"wait\":{\"step\":\"prepare\"}}\n{\"wait\":{\"frames\":3}}\n");
  const fs::path ref_db = dir_ / "reference.db";
  sh("RIVET_SECRET=24681357 " + std::string(RIVET_RECORDS) + " add-user " + ref_db.string() +
     " --name jdupont --role technician --kdf-n 1024");
  std::vector<std::string> args = appArgs("--headless", dir_ / "ref", ref_db);
  args.insert(args.end(), {"--input", script.string(), "--save-every", "1"});
  Child ref = Child::spawn(args, dir_ / "ref.log");
  ASSERT_EQ(ref.wait(180), 0) << ref.output();
  const auto lines = readLog(dir_ / "ref" / "run.jsonl");
  ASSERT_FALSE(lines.empty());
  char name[32];
  std::snprintf(name, sizeof name, "frame-%05d.png", lines.back().value("frame", 0));
  auto window_img = platform::readImage(shot.string());
  auto ref_img = platform::readImage((dir_ / "ref" / name).string());
  ASSERT_TRUE(window_img.ok()) << window_img.error().describe();
  ASSERT_TRUE(ref_img.ok()) << ref_img.error().describe();
  ASSERT_EQ(window_img->width, ref_img->width);
  ASSERT_EQ(window_img->height, ref_img->height);
  const auto [share, mean] = compareRegion(*window_img, *ref_img, rectOf(card), 24);
  EXPECT_LT(share, 0.02) << "step card differs from the offscreen rendering on " << share * 100 << " % of its pixels";
  EXPECT_LT(mean, 3.0);
  // And the card is really there: it differs from the bare camera picture.
  auto bare = platform::readImage((camera_ / lines.back().value("file", "")).string());
  if (bare.ok() && bare->width == window_img->width) {
    EXPECT_GT(compareRegion(*window_img, *bare, rectOf(card), 24).first, 0.2);
  }
}

TEST_F(WindowApp, WithoutADisplayItSaysSoAndSuggestsHeadless) {
  const fs::path out = dir_ / "nodisplay";
  std::string cmd = "DISPLAY= ";
  for (const auto& a : appArgs("--window", out, db_)) cmd += "'" + a + "' ";
  int rc = 0;
  const std::string text = sh(cmd, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(text.find("--headless"), std::string::npos) << text;
}

}  // namespace
