// rivet-pack release and diff as a user runs them on the built sample pack: version bump with pack.yaml otherwise
// byte-identical, CHANGELOG.md entries with the diff, refusal on lint failure with nothing touched, signed output that
// `rivet-pack verify` accepts, diff --json / --lang / --fail-on-safety exit codes.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "../common/run_command.hpp"
#include "rivet/packtool/release.hpp"

namespace fs = std::filesystem;
using namespace rivet;
using test::runCommand;

namespace {

const fs::path kPack = fs::path(RIVET_BINARY_DIR) / "content" / "robot-cell";
const fs::path kSchemas = fs::path(RIVET_SOURCE_DIR) / "content" / "schemas";
const fs::path kTool = fs::path(RIVET_BINARY_DIR) / "tools" / "rivet-pack" / "rivet-pack";
const char* kFingers = "procedures/robot-cell3-gripper-fingers.yaml";

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void replaceOnce(const fs::path& p, const std::string& from, const std::string& to) {
  std::string t = readAll(p);
  const auto at = t.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << p;
  t.replace(at, from.size(), to);
  std::ofstream(p, std::ios::binary | std::ios::trunc) << t;
}

// Every file under `dir` with its bytes: what "left untouched" compares.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).generic_string()] = readAll(e.path());
  return files;
}

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

class PackReleaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(kPack / "models" / "robot.rmdl")) << "build the sample_packs target first";
    root_ = fs::temp_directory_path() / ("rivet_release_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    previous_ = root_ / "v1.0.0";
    pack_ = root_ / "robot-cell";
    fs::copy(kPack, previous_, fs::copy_options::recursive);
    fs::copy(kPack, pack_, fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string tool() const { return "RIVET_SCHEMAS=" + q(kSchemas) + " " + q(kTool); }

  fs::path root_, previous_, pack_;
};

}  // namespace

TEST_F(PackReleaseTest, BumpsTheVersionInPlaceAndWritesTheChangelog) {
  const std::string manifest_before = readAll(pack_ / "pack.yaml");
  replaceOnce(pack_ / kFingers, "      nominal: 1.2\n", "      nominal: 1.4\n");
  replaceOnce(pack_ / kFingers, "version: 2.0.1\n", "version: 2.1.0\n");
  auto r = runCommand(tool() + " release " + q(pack_) + " --bump minor --note 'Finger screws: torque raised after "
                      "supplier bulletin SB-12.' --author 'A. Auteur' --date 2025-03-01 --previous " + q(previous_));
  ASSERT_EQ(r.code, 0) << r.out;

  // pack.yaml: only the version's characters changed; comments, order and quoting are as they were.
  std::string want = manifest_before;
  want.replace(want.find("version: 1.0.0"), 14, "version: 1.1.0");
  EXPECT_EQ(readAll(pack_ / "pack.yaml"), want);

  const std::string log = readAll(pack_ / "CHANGELOG.md");
  EXPECT_EQ(log.rfind("<!-- Changelog of the content pack robot-cell", 0), 0u) << log;
  EXPECT_NE(log.find("## 1.1.0 — 2025-03-01 — A. Auteur\n\nFinger screws: torque raised after supplier bulletin SB-12.\n"),
            std::string::npos) << log;
  EXPECT_NE(log.find("Changes since 1.0.0 (2, 1 safety-relevant):"), std::string::npos) << log;
  EXPECT_NE(log.find("- robot-cell3-gripper-fingers / Step torque: torque 1.2 → 1.4 N·m (tolerance ±10 % unchanged) "
                     "[safety]\n"), std::string::npos) << log;
  EXPECT_NE(log.find("- robot-cell3-gripper-fingers / version 2.0.1 → 2.1.0\n"), std::string::npos) << log;
  EXPECT_EQ(log.find("Warning"), std::string::npos) << "the release sets the pack version itself: " << log;
  EXPECT_NE(r.out.find("robot-cell 1.0.0 → 1.1.0: pack.yaml and CHANGELOG.md updated"), std::string::npos) << r.out;

  // A second release (in French) goes on top of the first.
  auto r2 = runCommand(tool() + " release " + q(pack_) + " --bump patch --lang fr --note 'Correction du titre.' "
                       "--author 'B. Autrice' --date 2025-03-02 --previous " + q(previous_));
  ASSERT_EQ(r2.code, 0) << r2.out;
  const std::string log2 = readAll(pack_ / "CHANGELOG.md");
  const auto second = log2.find("## 1.1.1 — 2025-03-02 — B. Autrice"), first = log2.find("## 1.1.0 — 2025-03-01");
  ASSERT_NE(second, std::string::npos) << log2;
  ASSERT_NE(first, std::string::npos) << log2;
  EXPECT_LT(second, first);
  EXPECT_NE(log2.find("Modifications depuis 1.0.0 (2, dont 1 liée à la sécurité) :"), std::string::npos) << log2;
  EXPECT_NE(log2.find("Étape torque : couple 1,2 → 1,4 N·m (tolérance ±10 % inchangée) [sécurité]"), std::string::npos);
  EXPECT_NE(readAll(pack_ / "pack.yaml").find("version: 1.1.1\n"), std::string::npos);
  // No temporary file is left in the pack.
  for (const auto& e : fs::directory_iterator(pack_))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

TEST_F(PackReleaseTest, RefusesAPackThatFailsLintAndTouchesNothing) {
  replaceOnce(pack_ / kFingers, "highlight: [robot/hand]\n", "highlight: [robot/hnad]\n");
  const auto before = snapshot(pack_);
  const fs::path out = root_ / "signed";
  auto r = runCommand(tool() + " keygen -o " + q(root_ / "site"));
  ASSERT_EQ(r.code, 0) << r.out;
  r = runCommand(tool() + " release " + q(pack_) + " --bump patch --note 'x' --key " + q(root_ / "site.pem") + " -o " +
                 q(out));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("robot-cell3-gripper-fingers.yaml:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("part 'robot/hnad' is not in the model"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("release refused"), std::string::npos) << r.out;
  EXPECT_EQ(snapshot(pack_), before) << "nothing written, no temporary left";
  EXPECT_FALSE(fs::exists(out));
  for (const auto& e : fs::directory_iterator(root_))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();

  // The library says the same, with every problem.
  packtool::ReleaseOptions o;
  o.pack = pack_;
  o.schemas = kSchemas;
  o.note = "x";
  std::vector<packtool::LintFinding> problems;
  auto rr = packtool::releasePack(o, &problems);
  ASSERT_FALSE(rr);
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems.front().describe().find("robot/hnad"), std::string::npos);
  EXPECT_EQ(snapshot(pack_), before);
}

TEST_F(PackReleaseTest, SignedOutputVerifies) {
  auto r = runCommand(tool() + " keygen -o " + q(root_ / "site"));
  ASSERT_EQ(r.code, 0) << r.out;
  const fs::path out = root_ / "robot-cell-signed";
  r = runCommand(tool() + " release " + q(pack_) + " --bump major --note 'First signed release.' --author ci "
                 "--date 2025-04-01 --key " + q(root_ / "site.pem") + " -o " + q(out));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("signed pack " + out.string()), std::string::npos) << r.out;
  auto v = runCommand(tool() + " verify " + q(out) + " --key " + q(root_ / "site.pub.pem"));
  EXPECT_EQ(v.code, 0) << v.out;
  EXPECT_NE(v.out.find("OK robot-cell 2.0.0"), std::string::npos) << v.out;
  EXPECT_EQ(readAll(out / "pack.yaml"), readAll(pack_ / "pack.yaml"));
  EXPECT_EQ(readAll(out / "CHANGELOG.md"), readAll(pack_ / "CHANGELOG.md"));
  EXPECT_FALSE(fs::exists(out / "assembly.yaml")) << "the import recipe does not ship";

  // Released again over the same output: replaced, still verifies; the diff of the two signed packs reads both.
  fs::copy(out, root_ / "robot-cell-2.0.0", fs::copy_options::recursive);
  replaceOnce(pack_ / "tags.yaml", "        limit: 85\n", "        limit: 80\n");
  r = runCommand(tool() + " release " + q(pack_) + " --bump patch --note 'Bearing trip lowered.' --author ci "
                 "--date 2025-04-02 --previous " + q(root_ / "robot-cell-2.0.0") + " --previous-key " +
                 q(root_ / "site.pub.pem") + " --key " + q(root_ / "site.pem") + " -o " + q(out));
  ASSERT_EQ(r.code, 0) << r.out;
  v = runCommand(tool() + " verify " + q(out) + " --key " + q(root_ / "site.pub.pem"));
  EXPECT_EQ(v.code, 0) << v.out;
  auto d = runCommand(tool() + " diff " + q(root_ / "robot-cell-2.0.0") + " " + q(out) + " --key " +
                      q(root_ / "site.pub.pem") + " --lang en");
  EXPECT_EQ(d.code, 0) << d.out;
  EXPECT_NE(d.out.find("Pack robot-cell: 2.0.0 → 2.0.1"), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("Tag robot.bearing_temp: alarm high_high (high) limit 85 → 80 °C [safety]"), std::string::npos)
      << d.out;
  EXPECT_NE(d.out.find("signed pack, signature verified"), std::string::npos) << d.out;

  // A signed pack is not an authoring folder: releasing it in place is refused.
  const auto signed_before = snapshot(out);
  r = runCommand(tool() + " release " + q(out) + " --bump patch --note x");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("is a signed pack"), std::string::npos) << r.out;
  EXPECT_EQ(snapshot(out), signed_before);
}

TEST_F(PackReleaseTest, RefusesAVersionThatIsNotNewerThanThePrevious) {
  replaceOnce(previous_ / "pack.yaml", "version: 1.0.0", "version: 1.2.0");
  const auto before = snapshot(pack_);
  auto r = runCommand(tool() + " release " + q(pack_) + " --bump minor --note x --previous " + q(previous_));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("the previous release is version 1.2.0: 1.0.0 bumped gives 1.1.0, which is not newer"),
            std::string::npos) << r.out;
  EXPECT_EQ(snapshot(pack_), before);
  // Usage errors exit 2 and say what is missing.
  r = runCommand(tool() + " release " + q(pack_) + " --note x");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("--bump"), std::string::npos);
  r = runCommand(tool() + " release " + q(pack_) + " --bump patch");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("--note"), std::string::npos);
  // A dry run prints the entry and writes nothing.
  r = runCommand(tool() + " release " + q(pack_) + " --bump patch --note 'Try.' --author me --date 2025-05-05 --dry-run");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("## 1.0.1 — 2025-05-05 — me"), std::string::npos) << r.out;
  EXPECT_EQ(snapshot(pack_), before);
}

TEST_F(PackReleaseTest, DiffCommandLine) {
  replaceOnce(pack_ / kFingers, "      nominal: 1.2\n", "      nominal: 1.4\n");
  auto en = runCommand(tool() + " diff " + q(previous_) + " " + q(pack_) + " --lang en", false);
  EXPECT_EQ(en.code, 0) << en.out;
  EXPECT_NE(en.out.find("  Step torque: torque 1.2 → 1.4 N·m (tolerance ±10 % unchanged) [safety]"), std::string::npos)
      << en.out;
  auto fr = runCommand(tool() + " diff " + q(previous_) + " " + q(pack_) + " --lang fr", false);
  EXPECT_NE(fr.out.find("  Étape torque : couple 1,2 → 1,4 N·m (tolérance ±10 % inchangée) [sécurité]"),
            std::string::npos) << fr.out;
  auto js = runCommand(tool() + " diff " + q(previous_) + " " + q(pack_) + " --json", false);
  EXPECT_EQ(js.code, 0);
  const auto j = nlohmann::json::parse(js.out);
  EXPECT_EQ(j["format"], "rivet-pack-diff/1");
  EXPECT_EQ(j["summary"]["safety"], 1);
  auto gate = runCommand(tool() + " diff " + q(previous_) + " " + q(pack_) + " --fail-on-safety");
  EXPECT_EQ(gate.code, 3) << gate.out;
  auto same = runCommand(tool() + " diff " + q(previous_) + " " + q(previous_) + " --fail-on-safety --lang en");
  EXPECT_EQ(same.code, 0) << same.out;
  EXPECT_NE(same.out.find("No differences."), std::string::npos);
  auto bad = runCommand(tool() + " diff " + q(previous_) + " " + q(root_ / "nope"));
  EXPECT_EQ(bad.code, 1) << bad.out;
  EXPECT_NE(bad.out.find("nope"), std::string::npos) << bad.out;
}
