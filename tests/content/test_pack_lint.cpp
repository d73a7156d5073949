// rivet-pack lint and the schema validator: the sample pack is clean; each injected mistake is reported at its line;
// the CLI builds, verifies and refuses tampered packs with the right exit codes.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lint.hpp"

namespace fs = std::filesystem;
using rivet::pack::Problem;

namespace {

const fs::path kPack = fs::path(RIVET_BINARY_DIR) / "content" / "robot-cell";
const fs::path kSchemas = fs::path(RIVET_SOURCE_DIR) / "content" / "schemas";
const fs::path kTool = fs::path(RIVET_BINARY_DIR) / "tools" / "rivet-pack" / "rivet-pack";

std::string readAll(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void replaceOnce(const fs::path& p, const std::string& from, const std::string& to) {
  std::string t = readAll(p);
  const auto at = t.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << p;
  t.replace(at, from.size(), to);
  std::ofstream(p, std::ios::trunc) << t;
}

int lineOf(const fs::path& p, const std::string& needle) {
  std::ifstream in(p);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (line.find(needle) != std::string::npos) return n;
  return -1;
}

bool has(const std::vector<Problem>& ps, const std::string& file_end, int line, const std::string& text) {
  for (const auto& p : ps)
    if (p.file.size() >= file_end.size() && p.file.compare(p.file.size() - file_end.size(), file_end.size(), file_end) == 0 &&
        (line < 0 || p.line == line) && p.message.find(text) != std::string::npos)
      return true;
  return false;
}

fs::path copyPack(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("rivet_lint_" + std::to_string(::getpid())) / name;
  fs::remove_all(d);
  fs::create_directories(d.parent_path());
  fs::copy(kPack, d, fs::copy_options::recursive);
  return d;
}

std::string dump(const std::vector<Problem>& ps) {
  std::string s;
  for (const auto& p : ps) s += p.describe() + "\n";
  return s;
}

}  // namespace

TEST(PackLint, SamplePackIsClean) {
  ASSERT_TRUE(fs::exists(kPack / "pack.yaml")) << "build the sample_packs target first";
  const auto problems = rivet::pack::lintPack({kPack, kSchemas, {}});
  EXPECT_TRUE(problems.empty()) << dump(problems);
}

TEST(PackLint, ReportsEachMistakeAtItsLine) {
  const fs::path d = copyPack("broken");
  // A part that is not in the model, an unbound tag, a call to a missing procedure, a missing translation, a
  // missing media file, a duplicate marker id, a marker without size, a pack title without English.
  fs::path proc;
  for (const auto& e : fs::directory_iterator(d / "procedures"))
    if (readAll(e.path()).find("highlight: [robot/finger_left") != std::string::npos) proc = e.path();
  ASSERT_FALSE(proc.empty());
  const int hl_line = lineOf(proc, "highlight: [robot/finger_left");
  replaceOnce(proc, "highlight: [robot/finger_left", "highlight: [robot/finger_middle");
  const int tag_line = lineOf(proc, "tag: ");
  const std::string tag_text = readAll(proc);
  const auto tpos = tag_text.find("tag: ") + 5;
  const std::string tag_name = tag_text.substr(tpos, tag_text.find_first_of(",}\n", tpos) - tpos);
  replaceOnce(proc, "tag: " + tag_name, "tag: no.such_tag");
  std::ofstream(proc, std::ios::app) << "# appended by the test\n";
  std::ofstream(d / "procedures" / "extra.yaml")
      << "id: extra-check\nversion: 1.0.0\ntype: preventive\ntitle: Check only in English\nsteps:\n"
         "  - id: s1\n    kind: call\n    title: {en: \"Call\", fr: \"Appel\"}\n    procedure: not-there\n"
         "  - id: s2\n    kind: instruction\n    title: {en: \"Look\"}\n    image: media/missing.png\n";
  replaceOnce(d / "markers.yaml", "  - id: 2\n", "  - id: 1\n");
  replaceOnce(d / "markers.yaml", "size_mm: 100\n    position_m: [-0.25", "position_m: [-0.25");
  replaceOnce(d / "pack.yaml", "  en: \"Robot cell 3", "  english: \"Robot cell 3");

  const auto ps = rivet::pack::lintPack({d, kSchemas, {}});
  const std::string all = dump(ps);
  EXPECT_TRUE(has(ps, proc.filename().string(), hl_line, "part 'robot/finger_middle' is not in the model")) << all;
  EXPECT_TRUE(has(ps, proc.filename().string(), hl_line, "did you mean 'robot/finger_")) << all;
  EXPECT_TRUE(has(ps, proc.filename().string(), tag_line, "tag 'no.such_tag' is not bound")) << all;
  EXPECT_TRUE(has(ps, "extra.yaml", 4, "title: user-visible text 'Check only in English' has no fr/en")) << all;
  EXPECT_TRUE(has(ps, "extra.yaml", 9, "calls procedure 'not-there'")) << all;
  EXPECT_TRUE(has(ps, "extra.yaml", 12, "has 'en' but no 'fr'")) << all;
  EXPECT_TRUE(has(ps, "extra.yaml", 13, "media file 'media/missing.png' is missing")) << all;
  EXPECT_TRUE(has(ps, "markers.yaml", -1, "marker id 1 appears twice")) << all;
  EXPECT_TRUE(has(ps, "markers.yaml", -1, "missing required 'size_mm'")) << all;
  EXPECT_TRUE(has(ps, "pack.yaml", lineOf(d / "pack.yaml", "english:"), "unknown key 'english'")) << all;
  EXPECT_TRUE(has(ps, "pack.yaml", -1, "missing required 'en'")) << all;
  for (const auto& p : ps) EXPECT_GT(p.line, 0) << p.describe();
}

TEST(PackLint, PartsNamedByProceduresNeedFrenchAndEnglishNames) {
  const fs::path d = copyPack("partnames");
  // parts.yaml: a part without French, a part id the model does not have; a procedure naming a part by its CAD
  // name whose id has no entry any more.
  const fs::path parts = d / "parts.yaml";
  replaceOnce(parts, "  robot/hand: {fr: \"Préhenseur (Franka Hand)\", en: \"Gripper (Franka Hand)\"}\n", "");
  replaceOnce(parts, "robot/link4: {fr: \"Axe 4 (coude)\", en: \"Axis 4 (elbow)\"}",
              "robot/link4: {en: \"Axis 4 (elbow)\"}");
  std::ofstream(parts, std::ios::app) << "  robot/link9: {fr: \"Axe 9\", en: \"Axis 9\"}\n";
  fs::path proc;
  for (const auto& e : fs::directory_iterator(d / "procedures"))
    if (readAll(e.path()).find("highlight: [robot/hand]") != std::string::npos) proc = e.path();
  ASSERT_FALSE(proc.empty());
  const int hand_line = lineOf(proc, "highlight: [robot/hand]");
  replaceOnce(proc, "highlight: [robot/hand]", "highlight: [\"Gripper (Franka Hand)\"]");

  const auto ps = rivet::pack::lintPack({d, kSchemas, {}});
  const std::string all = dump(ps);
  EXPECT_TRUE(has(ps, "parts.yaml", lineOf(parts, "robot/link4:"), "missing required 'fr'")) << all;
  EXPECT_TRUE(has(ps, "parts.yaml", lineOf(parts, "robot/link9:"), "part id 'robot/link9' is not in the model")) << all;
  EXPECT_TRUE(has(ps, proc.filename().string(), hand_line,
                  "part 'Gripper (Franka Hand)' has no fr/en display name in parts.yaml (add 'robot/hand: {fr:"))
      << all;
  // Only the references to robot/hand (now without names) are reported in procedures; the parts that keep both
  // names are not.
  int reported = 0;
  for (const auto& p : ps) {
    if (p.file.find("procedures") != std::string::npos) {
      ++reported;
      EXPECT_NE(p.message.find("add 'robot/hand: {fr:"), std::string::npos) << p.describe();
    }
  }
  EXPECT_GE(reported, 2);
  for (const auto& p : ps) EXPECT_GT(p.line, 0) << p.describe();

  // Without parts.yaml every part reference is reported (here the first one).
  fs::remove(parts);
  const auto none = rivet::pack::lintPack({d, kSchemas, {}});
  EXPECT_TRUE(has(none, proc.filename().string(), hand_line, "(the pack has no parts.yaml)")) << dump(none);
}

TEST(PackLint, MissingModelIsReported) {
  const fs::path d = copyPack("nomodel");
  fs::remove(d / "models" / "robot.rmdl");
  const auto ps = rivet::pack::lintPack({d, kSchemas, {}});
  EXPECT_TRUE(has(ps, "pack.yaml", -1, "does not exist (run rivet-import")) << dump(ps);
}

TEST(SchemaValidator, CoreKeywords) {
  auto v = rivet::pack::SchemaValidator::fromJson(nlohmann::json::parse(R"({
    "type": "object", "additionalProperties": false, "required": ["a"],
    "properties": {
      "a": {"type": "integer", "minimum": 1},
      "b": {"type": "string", "pattern": "^x"},
      "c": {"type": "array", "minItems": 2, "items": {"$ref": "#/$defs/num"}},
      "d": {"oneOf": [{"type": "string"}, {"type": "number"}]},
      "e": {"type": "object", "if": {"properties": {"k": {"const": "torque"}}, "required": ["k"]},
            "then": {"required": ["value_nm"]}},
      "f": {"enum": ["red", "green"]},
      "q": {"type": "string"}
    },
    "$defs": {"num": {"type": "number", "exclusiveMaximum": 10}}
  })"), "t.json");
  ASSERT_TRUE(v.ok());
  const auto run = [&](const std::string& yaml) {
    std::vector<Problem> out;
    v->validate(YAML::Load(yaml), "f.yaml", out);
    return out;
  };
  EXPECT_TRUE(run("a: 3\nb: xyz\nc: [1, 2.5]\nd: hi\ne: {k: torque, value_nm: 4}\nf: red\nq: \"12\"\n").empty())
      << dump(run("a: 3\nb: xyz\nc: [1, 2.5]\nd: hi\ne: {k: torque, value_nm: 4}\nf: red\nq: \"12\"\n"));
  EXPECT_TRUE(has(run("b: x\n"), "f.yaml", 1, "missing required 'a'"));
  EXPECT_TRUE(has(run("a: 0\n"), "f.yaml", 1, "below the minimum"));
  EXPECT_TRUE(has(run("a: 1.5\n"), "f.yaml", 1, "expected integer"));
  EXPECT_TRUE(has(run("a: 1\nb: yes\n"), "f.yaml", 2, "does not have the expected form"));
  EXPECT_TRUE(has(run("a: 1\nc: [1]\n"), "f.yaml", 2, "at least 2 items"));
  EXPECT_TRUE(has(run("a: 1\nc:\n  - 1\n  - 11\n"), "f.yaml", 4, "must be less than 10"));
  EXPECT_TRUE(has(run("a: 1\nd: [1]\n"), "f.yaml", 2, "matches none of the 2 allowed forms"));
  EXPECT_TRUE(has(run("a: 1\ne: {k: torque}\n"), "f.yaml", 2, "missing required 'value_nm'"));
  EXPECT_TRUE(run("a: 1\ne: {k: other}\n").empty());
  EXPECT_TRUE(has(run("a: 1\nf: blue\n"), "f.yaml", 2, "is not one of: red, green"));
  EXPECT_TRUE(has(run("a: 1\nq: 12\n"), "f.yaml", 2, "expected string"));
  EXPECT_TRUE(has(run("a: 1\nzz: 1\n"), "f.yaml", 2, "unknown key 'zz'"));
}

TEST(PackTool, BuildVerifyAndRefuseTampering) {
  ASSERT_TRUE(fs::exists(kTool));
  const fs::path tmp = fs::temp_directory_path() / ("rivet_packtool_" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  const std::string tool = kTool.string() + " ";
  const auto sh = [](const std::string& cmd) {
    const int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  };
  ASSERT_EQ(sh(tool + "keygen -o " + (tmp / "k").string()), 0);
  EXPECT_NE(sh(tool + "keygen -o " + (tmp / "k").string()), 0);  // never overwrites a key
  ASSERT_EQ(sh(tool + "build " + kPack.string() + " -o " + (tmp / "pack").string() + " --key " + (tmp / "k.pem").string() +
               " --schemas " + kSchemas.string()), 0);
  EXPECT_EQ(sh(tool + "verify " + (tmp / "pack").string() + " --key " + (tmp / "k.pub.pem").string()), 0);
  // Another publisher's key: refused.
  ASSERT_EQ(sh(tool + "keygen -o " + (tmp / "other").string()), 0);
  EXPECT_EQ(sh(tool + "verify " + (tmp / "pack").string() + " --key " + (tmp / "other.pub.pem").string()), 1);
  // A byte of the model changed: refused.
  {
    std::fstream f(tmp / "pack" / "models" / "robot.rmdl", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(5000);
    f.put('\x7f');
  }
  EXPECT_EQ(sh(tool + "verify " + (tmp / "pack").string() + " --key " + (tmp / "k.pub.pem").string()), 1);
  // Lint problems stop a build.
  const fs::path broken = copyPack("tobuild");
  replaceOnce(broken / "markers.yaml", "  - id: 2\n", "  - id: 1\n");
  EXPECT_EQ(sh(tool + "build " + broken.string() + " -o " + (tmp / "pack2").string() + " --key " +
               (tmp / "k.pem").string() + " --schemas " + kSchemas.string()), 1);
  EXPECT_FALSE(fs::exists(tmp / "pack2" / "MANIFEST.sig"));
  EXPECT_EQ(sh(tool + "lint " + kPack.string() + " --schemas " + kSchemas.string()), 0);
  EXPECT_EQ(sh(tool + "lint " + broken.string() + " --schemas " + kSchemas.string()), 1);
  EXPECT_EQ(sh(tool + "frobnicate"), 2);
}

#include "rivet/content/pack.hpp"
#include "rivet/tracking/camera_io.hpp"
#include "rivet/tracking/image_io.hpp"
#include "rivet/tracking/synthcam.hpp"

// Steps that need the overlay: a limit below the pack's good verdict and a step that shows nothing are reported.
TEST(PackLint, RequiresRegistrationChecks) {
  const fs::path d = copyPack("registration");
  fs::path proc;
  for (const auto& e : fs::directory_iterator(d / "procedures"))
    if (readAll(e.path()).find("  - id: remove-fingers\n    kind: instruction\n") != std::string::npos) proc = e.path();
  ASSERT_FALSE(proc.empty());
  replaceOnce(proc, "  - id: remove-fingers\n    kind: instruction\n",
              "  - id: remove-fingers\n    kind: instruction\n    requires_registration_mm: 4\n");
  replaceOnce(proc, "  - id: prepare\n    kind: instruction\n",
              "  - id: prepare\n    kind: instruction\n    requires_registration_mm: 20\n");
  const int low_line = lineOf(proc, "requires_registration_mm: 4");
  auto ps = rivet::pack::lintPack({d, kSchemas, {}});
  EXPECT_TRUE(has(ps, proc.filename().string(), low_line, "below the pack's good registration limit (10 mm)"))
      << dump(ps);
  EXPECT_EQ(ps.size(), 1u) << dump(ps);  // "prepare" highlights a part and 20 mm is above the limit
  // The pack may lower its good limit in markers.yaml: then 4 mm is fine.
  std::ofstream(d / "markers.yaml", std::ios::app) << "registration:\n  good_error_mm: 3\n";
  ps = rivet::pack::lintPack({d, kSchemas, {}});
  EXPECT_TRUE(ps.empty()) << dump(ps);
}

// --check-map: photos of the machine against a markers.yaml with a marker turned and one of the wrong size.
TEST(PackLint, CheckMapDiagnosesTheMapFromPhotos) {
  const fs::path d = copyPack("checkmap");
  auto pack = rivet::content::loadPack(d.string());
  ASSERT_TRUE(pack.ok()) << pack.error().describe();
  const auto cam = rivet::tracking::cameraFromFov(1280, 720, 60);
  const fs::path photos = d.parent_path() / "checkmap-photos";
  fs::create_directories(photos);
  ASSERT_TRUE(rivet::tracking::saveCamera((d.parent_path() / "camera.yaml").string(), cam).ok());
  rivet::tracking::SynthPathOptions po;
  po.frames = 3;
  po.min_dist_m = 0.9;
  po.max_dist_m = 1.1;
  po.max_tilt_deg = 30;
  const auto path = rivet::tracking::synthCameraPath(pack->marker_map, po);
  for (size_t i = 0; i < path.size(); ++i) {
    auto f = rivet::tracking::renderSynthFrame(pack->marker_map, nullptr, cam, path[i], {}, static_cast<int>(i));
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(rivet::tracking::saveImage((photos / ("photo-" + std::to_string(i) + ".png")).string(), f->image).ok());
  }
  // The clean map: no problem.
  rivet::pack::MapCheckSummary s;
  auto ps = rivet::pack::checkMap(d, photos, d.parent_path() / "camera.yaml", &s);
  EXPECT_TRUE(ps.empty()) << dump(ps);
  EXPECT_EQ(s.tracked, 3);
  // markers.yaml says marker 2 is turned 180° and marker 3 is 200 mm: what the author would see.
  replaceOnce(d / "markers.yaml", "  - id: 2\n    size_mm: 100\n    position_m: [0.30, 0.0, -0.25]\n    normal: [0, 1, 0]\n    up: [-1, 0, 0]",
              "  - id: 2\n    size_mm: 100\n    position_m: [0.30, 0.0, -0.25]\n    normal: [0, 1, 0]\n    up: [1, 0, 0]");
  replaceOnce(d / "markers.yaml", "  - id: 3\n    size_mm: 100\n", "  - id: 3\n    size_mm: 200\n");
  ps = rivet::pack::checkMap(d, photos, d.parent_path() / "camera.yaml", &s);
  const std::string all = dump(ps);
  EXPECT_TRUE(has(ps, "markers.yaml", lineOf(d / "markers.yaml", "- id: 2"), "marker 2 seems rotated 180° on the machine")) << all;
  EXPECT_TRUE(has(ps, "markers.yaml", lineOf(d / "markers.yaml", "- id: 3"), "marker 3's size looks like 100 mm, not 200 mm")) << all;
  EXPECT_TRUE(has(ps, "markers.yaml", -1, "the map never fits")) << all;
  EXPECT_EQ(s.tracked, 0);
}
