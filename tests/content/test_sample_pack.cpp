// Checks the built sample pack (build/content/robot-cell): loads, part tree and names, robot pose, markers; writes
// orthographic previews (PGM) next to it for people to look at.
#include <gtest/gtest.h>

#include <filesystem>

#include "preview.hpp"
#include "rivet/content/model_file.hpp"
#include "rivet/content/pack.hpp"

namespace fs = std::filesystem;
using namespace rivet;

namespace {
const fs::path kPack = fs::path(RIVET_BINARY_DIR) / "content" / "robot-cell";
}

TEST(SamplePack, LoadsWithModelAndMarkers) {
  ASSERT_TRUE(fs::exists(kPack / "pack.yaml")) << "build the sample_packs target first";
  auto pack = content::loadPack(kPack.string());
  ASSERT_TRUE(pack.ok()) << pack.error().describe();
  EXPECT_EQ(pack->manifest.id, "robot-cell");
  EXPECT_TRUE(fs::exists(kPack / "licenses" / "franka-description" / "NOTICE"));
  auto model = content::loadModel(pack->model_path.string());
  ASSERT_TRUE(model.ok()) << model.error().describe();
  const content::Model& m = *model;
  for (const char* id : {"robot", "robot/link0", "robot/link1", "robot/link2", "robot/link3", "robot/link4",
                         "robot/link5", "robot/link6", "robot/link7", "robot/hand", "robot/finger_left",
                         "robot/finger_right"})
    EXPECT_GE(m.findPart(id), 0) << id;
  EXPECT_EQ(m.parts[static_cast<std::size_t>(m.findPart("robot/link4"))].name, "Axis 4 (elbow)");
  EXPECT_EQ(m.parts[static_cast<std::size_t>(m.findPart("robot/link5"))].parent, m.findPart("robot/link4"));

  // Y-up, base on the table plane y = 0, a ready-pose arm about 0.6-0.9 m tall and reaching towards +x.
  EXPECT_NEAR(m.bounds.min[1], 0.0, 0.01);
  EXPECT_GT(m.bounds.max[1], 0.6);
  EXPECT_LT(m.bounds.max[1], 0.95);
  const auto& hand = m.parts[static_cast<std::size_t>(m.findPart("robot/hand"))].bounds;
  const auto& base = m.parts[static_cast<std::size_t>(m.findPart("robot/link0"))].bounds;
  EXPECT_GT((hand.min[0] + hand.max[0]) / 2, 0.2) << "ready pose: gripper in front of the base (+x)";
  EXPECT_GT((hand.min[1] + hand.max[1]) / 2, 0.2) << "gripper above the table";
  EXPECT_LT(base.max[1], 0.2);
  // Fingers point down (ready pose): finger centres below the hand centre, and either side of it.
  const auto& fl = m.parts[static_cast<std::size_t>(m.findPart("robot/finger_left"))].bounds;
  const auto& fr = m.parts[static_cast<std::size_t>(m.findPart("robot/finger_right"))].bounds;
  EXPECT_LT((fl.min[1] + fl.max[1]) / 2, (hand.min[1] + hand.max[1]) / 2);
  EXPECT_LT((fr.min[1] + fr.max[1]) / 2, (hand.min[1] + hand.max[1]) / 2);

  // Markers lie outside the robot base's footprint and within 1 m of it.
  for (const auto& mk : pack->marker_map.markers) {
    const auto& t = mk.T_machine_marker.t;
    EXPECT_TRUE(t.x > base.max[0] || t.x < base.min[0] || t.z > base.max[2] || t.z < base.min[2]) << mk.id;
    EXPECT_LT(std::hypot(t.x, t.z), 1.0);
  }

  // Previews: front (camera on +x looking at -x), side (+z), top (looking down).
  const test::V3 lo = {-0.5, 0.0, -0.45}, hi = {0.5, 0.85, 0.45};
  struct View {
    const char* name;
    test::V3 forward, up;
  } views[] = {{"front", {-1, -0.3, 0}, {0, 1, 0}}, {"side", {0, -0.2, -1}, {0, 1, 0}}, {"top", {0, -1, 0}, {-1, 0, 0}}};
  for (const auto& v : views) {
    test::Rasteriser r(480, 480, v.forward, v.up, lo, hi);
    r.markers(pack->marker_map);
    r.model(m);
    EXPECT_GT(r.image().covered(), 480u * 480u / 50) << v.name;
    EXPECT_TRUE(r.image().writePgm((kPack.parent_path() / (std::string("robot-cell-") + v.name + ".pgm")).string()));
  }
}
