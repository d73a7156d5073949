// Tests the rivet-track and rivet-synthcam command lines: JSON output fields, a synthcam -> rivet-track round trip
// against ground truth, and a clear error for a bad dictionary.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "../common/run_command.hpp"

namespace {

using rivet::test::CommandResult;

CommandResult run(const std::string& cmd) { return rivet::test::runCommand(cmd); }

std::vector<nlohmann::json> jsonLines(const std::string& text) {
  std::vector<nlohmann::json> v;
  std::istringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) {
    if (!line.empty() && line[0] == '{') v.push_back(nlohmann::json::parse(line));
  }
  return v;
}

std::string tutorial() {
  const char* env = std::getenv("RIVET_SHARED_DATA");
  return std::string(env != nullptr ? env : RIVET_SOURCE_DIR "/../shared/data") + "/markers/opencv_contrib_aruco_tutorial/";
}

TEST(RivetTrack, JsonLineForARealPhoto) {
  const CommandResult r = run(std::string(RIVET_TRACK_EXE) + " " + tutorial() + "singlemarkersoriginal.jpg --calib " + tutorial() +
                    "tutorial_camera_params.yml --dict DICT_6X6_250 --marker-mm 50 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto lines = jsonLines(r.out);
  ASSERT_EQ(lines.size(), 1u) << r.out;
  const auto& j = lines[0];
  EXPECT_EQ(j["frame"], 0);
  EXPECT_EQ(j["file"], "singlemarkersoriginal.jpg");
  EXPECT_TRUE(j["T_camera_map"].is_null());  // no map given
  EXPECT_GT(j["ms"].get<double>(), 0.0);
  std::vector<int> ids;
  for (const auto& m : j["markers"]) {
    ids.push_back(m["id"]);
    ASSERT_EQ(m["corners"].size(), 4u);
    for (const auto& c : m["corners"]) ASSERT_EQ(c.size(), 2u);
    const auto& T = m["T_camera_marker"];
    ASSERT_EQ(T.size(), 16u);
    EXPECT_DOUBLE_EQ(T[12].get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(T[15].get<double>(), 1.0);
    EXPECT_GT(T[11].get<double>(), 0.1);  // in front of the camera, tens of centimetres away
    EXPECT_LT(T[11].get<double>(), 2.0);
  }
  EXPECT_EQ(ids, (std::vector<int>{23, 40, 62, 98, 124, 203}));
}

TEST(RivetTrack, SynthcamRoundTripMatchesGroundTruth) {
  const auto dir = std::filesystem::path(RIVET_BINARY_DIR) / "test-tmp" / "tracking" / "roundtrip";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string markers = (dir / "markers.yaml").string();
  std::ofstream(markers) << "# test map\ndictionary: tag36h11\nmarkers:\n"
                            "  - {id: 4, size_mm: 80, position_m: [0, 0, 0], normal: [0, 0, 1], up: [0, 1, 0]}\n"
                            "  - {id: 7, size_mm: 80, position_m: [0.2, 0.05, 0], normal: [0, 0, 1], up: [0, 1, 0]}\n";
  const std::string frames = (dir / "frames").string();
  const CommandResult s = run(std::string(RIVET_SYNTHCAM_EXE) + " --markers " + markers + " --out " + frames +
                    " --frames 3 --seed 4 --noise 2 --min-dist 0.6 --max-dist 1.0 --distortion -0.05,0.01,0,0,0");
  ASSERT_EQ(s.code, 0) << s.out;
  const CommandResult t = run(std::string(RIVET_TRACK_EXE) + " " + frames + " --calib " + frames + "/camera.yaml --map " +
                    markers + " --json --no-filter");
  ASSERT_EQ(t.code, 0) << t.out;
  const auto got = jsonLines(t.out);
  std::ifstream gt_file(frames + "/ground_truth.jsonl");
  std::stringstream gt_text;
  gt_text << gt_file.rdbuf();
  const auto truth = jsonLines(gt_text.str());
  ASSERT_EQ(got.size(), 3u);
  ASSERT_EQ(truth.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i]["file"], truth[i]["file"]);
    ASSERT_FALSE(got[i]["T_camera_map"].is_null()) << "frame " << i;
    const auto& a = got[i]["T_camera_map"];
    const auto& b = truth[i]["T_camera_machine"];
    const double dt = std::hypot(a[3].get<double>() - b[3].get<double>(), a[7].get<double>() - b[7].get<double>(),
                                 a[11].get<double>() - b[11].get<double>());
    EXPECT_LT(dt, 0.002) << "frame " << i;
    EXPECT_GT(got[i]["quality"]["registration_error_mm"].get<double>(), 0.0);
    EXPECT_EQ(got[i]["registration"]["state"], "tracked") << got[i]["registration"].dump();
  }
  // The same frames against a map with marker 7 turned 90°: never tracked, and the line says which marker and how.
  std::ofstream(markers, std::ios::trunc)
      << "dictionary: tag36h11\nmarkers:\n"
         "  - {id: 4, size_mm: 80, position_m: [0, 0, 0], normal: [0, 0, 1], up: [0, 1, 0]}\n"
         "  - {id: 7, size_mm: 80, position_m: [0.2, 0.05, 0], normal: [0, 0, 1], up: [1, 0, 0]}\n";
  const CommandResult bad = run(std::string(RIVET_TRACK_EXE) + " " + frames + " --calib " + frames + "/camera.yaml --map " +
                                markers + " --json --no-filter");
  ASSERT_EQ(bad.code, 0) << bad.out;
  const auto lines = jsonLines(bad.out);
  ASSERT_EQ(lines.size(), 3u);
  for (const auto& l : lines) {
    EXPECT_TRUE(l["T_camera_map"].is_null()) << l.dump();
    EXPECT_NE(l["registration"]["state"], "tracked");
    EXPECT_NE(l["registration"]["reason"].get<std::string>().find("seems rotated 90°"), std::string::npos)
        << l["registration"].dump();
  }
}

TEST(RivetTrack, BadDictionaryIsOneClearError) {
  const CommandResult r = run(std::string(RIVET_TRACK_EXE) + " " + tutorial() + "singlemarkersoriginal.jpg --calib " + tutorial() +
                    "tutorial_camera_params.yml --dict DICT_6X6_999 --marker-mm 50");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("unknown marker dictionary 'DICT_6X6_999'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("DICT_6X6_250"), std::string::npos);
  const CommandResult c = run(std::string(RIVET_TRACK_EXE) + " /nonexistent.png --calib /nonexistent.yaml --dict DICT_6X6_250 "
                    "--marker-mm 50");
  EXPECT_EQ(c.code, 2);
  EXPECT_NE(c.out.find("/nonexistent.yaml"), std::string::npos) << c.out;
}

}  // namespace
