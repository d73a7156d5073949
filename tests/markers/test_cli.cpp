// Tests rivet-markers' command line: the markers.yaml template passes rivet-pack's lint (schema + loader) inside a
// copy of the robot-cell sample pack, and every error is one clear line with a non-zero exit and no file left.
#include <gtest/gtest.h>

#include <algorithm>

#include "rivet/content/pack.hpp"
#include "test_util.hpp"
#ifdef RIVET_HAVE_PACKLINT
#include "lint.hpp"
#endif

namespace rivet::markers::test {
namespace {

namespace fs = std::filesystem;

#ifdef RIVET_HAVE_PACKLINT
// Lint problems of the pack at `dir` that concern its markers.yaml.
std::vector<std::string> markerProblems(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& p : pack::lintPack({dir, fs::path(RIVET_SOURCE_DIR) / "content" / "schemas", {}}))
    if (p.file.find("markers.yaml") != std::string::npos) out.push_back(p.describe());
  return out;
}
#endif

TEST(Template, ValidAsWrittenWithTheIdsAndSizesAsked) {
  const auto dir = freshDir("template");
  const fs::path out = dir / "markers.yaml";
  auto r = run(markersExe() + " template --dict DICT_6X6_250 --ids 0-5,9 --size-mm 100 -o " + quote(out));
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string text = readFile(out);
  ASSERT_EQ(text.rfind("# ", 0), 0u) << "a file opens with a comment line saying what it is";
  EXPECT_NE(text.find("measure where this marker sits on the machine, in model coordinates (metres)"),
            std::string::npos);
  auto map = content::parseMarkerMap(text, out.string());
  ASSERT_TRUE(map.ok()) << map.error().describe();
  EXPECT_EQ(map->dictionary, "DICT_6X6_250");
  std::vector<int> ids;
  for (const auto& m : map->markers) {
    ids.push_back(m.id);
    EXPECT_DOUBLE_EQ(m.size_m, 0.1);
  }
  EXPECT_EQ(ids, (std::vector<int>{0, 1, 2, 3, 4, 5, 9}));

  // An existing file is kept unless --force.
  writeFile(out, "# filled in by hand\n");
  r = run(markersExe() + " template --dict DICT_6X6_250 --ids 1 --size-mm 50 -o " + quote(out));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("--force"), std::string::npos) << r.out;
  EXPECT_EQ(readFile(out), "# filled in by hand\n");
  r = run(markersExe() + " template --dict DICT_6X6_250 --ids 1 --size-mm 50 --force -o " + quote(out));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(readFile(out).find("size_mm: 50"), std::string::npos);
}

#ifdef RIVET_HAVE_PACKLINT
TEST(Template, RivetPackLintAcceptsItInASamplePack) {
  const auto dir = freshDir("template_lint");
  const fs::path pack = dir / "robot-cell";
  fs::copy(fs::path(RIVET_SOURCE_DIR) / "content" / "samples" / "robot-cell", pack, fs::copy_options::recursive);
  ASSERT_TRUE(markerProblems(pack).empty());  // the sample's own map is clean
  const auto r = run(markersExe() + " template --dict tag36h11 --ids 3,10-12 --size-mm 80 --force -o " +
                     quote(pack / "markers.yaml"));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto problems = markerProblems(pack);
  EXPECT_TRUE(problems.empty()) << problems.front();
  // The check can fail: the same template without one 'up:' line is refused (schema oneOf + loader).
  std::string text = readFile(pack / "markers.yaml");
  const size_t up = text.find("    up: [0, 1, 0]\n");
  ASSERT_NE(up, std::string::npos);
  text.erase(up, std::string("    up: [0, 1, 0]\n").size());
  writeFile(pack / "markers.yaml", text);
  EXPECT_FALSE(markerProblems(pack).empty());
}
#endif

// One failing invocation: non-zero exit, one line naming the problem, no output file (nor temporary) left.
void expectCleanError(const std::string& args, const std::vector<std::string>& says, const std::string& name) {
  SCOPED_TRACE(args);
  const auto dir = freshDir("errors_" + name);
  writeFile(dir / "old.pdf", "old");
  std::string cmd = args;
  const size_t at = cmd.find("@OUT");
  if (at != std::string::npos) cmd.replace(at, 4, quote(dir / "out"));
  const size_t old = cmd.find("@OLD");
  if (old != std::string::npos) cmd.replace(old, 4, quote(dir / "old.pdf"));
  const auto r = run(markersExe() + " " + cmd);
  EXPECT_NE(r.code, 0) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  for (const auto& s : says) EXPECT_NE(r.out.find(s), std::string::npos) << "'" << s << "' not in: " << r.out;
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir)) left.push_back(e.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{"old.pdf"}) << "files left behind";
  EXPECT_EQ(readFile(dir / "old.pdf"), "old");
}

TEST(Cli, ErrorsAreOneClearLine) {
  expectCleanError("sheet --dict DICT_9X9_7 --ids 1 --size-mm 50 -o @OLD",
                   {"unknown marker dictionary 'DICT_9X9_7'", "DICT_6X6_250", "tag36h11", "tagStandard41h12"}, "dict");
  expectCleanError("sheet --dict DICT_4X4_50 --ids 0-50 --size-mm 50 -o @OLD",
                   {"marker id 50 is not in DICT_4X4_50 (ids 0..49)"}, "range");
  expectCleanError("sheet --dict DICT_6X6_250 --ids 1 --size-mm 300 -o @OLD",
                   {"marker 1 (300 mm) needs", "A4", "--paper"}, "too_big");
  expectCleanError("sheet --dict DICT_6X6_250 --ids 1,2,1 --size-mm 50 -o @OLD", {"marker id 1 is listed twice"},
                   "duplicate");
  expectCleanError("sheet --dict DICT_6X6_250 --ids 1-x --size-mm 50 -o @OLD", {"bad id list '1-x'", "e.g. 0-5,9"},
                   "syntax");
  expectCleanError("sheet --dict DICT_6X6_250 --ids 5-2 --size-mm 50 -o @OLD", {"goes backwards"}, "backwards");
  expectCleanError("sheet --dict DICT_6X6_250 --ids 1 --size-mm 2 -o @OLD", {"not a printable marker size"}, "small");
  expectCleanError("sheet --dict DICT_6X6_250 --ids 1 --size-mm 50 --paper A5 -o @OLD", {"unknown paper 'A5'"},
                   "paper");
  expectCleanError("sheet --dict DICT_6X6_250 --ids 1 --size-mm 50 --format png -o @OLD", {"unknown format"},
                   "format");
  expectCleanError("sheet --dict DICT_6X6_250 --ids 1 -o @OLD", {"no marker size given"}, "no_size");
  expectCleanError("sheet --dict DICT_6X6_250 --ids 1 --size-mm 50 -o @OUT/sub/x.pdf", {"does not exist"}, "folder");
  expectCleanError("sheet --pack /nonexistent/pack -o @OLD", {"/nonexistent/pack/markers.yaml", "file not found"},
                   "pack");
  expectCleanError("sheet --pack " RIVET_SOURCE_DIR "/content/samples/robot-cell --ids 8 -o @OLD",
                   {"marker id 8 is not in the marker map"}, "pack_id");
  expectCleanError("sheet --pack " RIVET_SOURCE_DIR "/content/samples/robot-cell --size-mm 50 -o @OLD",
                   {"--size-mm cannot be combined"}, "pack_size");
  expectCleanError("template --dict tag36h11 --ids 587 --size-mm 50 -o @OUT",
                   {"marker id 587 is not in tag36h11 (ids 0..586)"}, "template_range");
  expectCleanError("template --dict DICT_6X6_250 --ids 3,3 --size-mm 50 -o @OUT", {"listed twice"}, "template_dup");
  // Command-line syntax (CLI11) errors: one line too.
  expectCleanError("sheet --dict DICT_6X6_250 --ids 1 --size-mm 50", {"--output is required"}, "no_output");
  expectCleanError("sheet --dict DICT_6X6_250 --ids 1 --size-mm fifty -o @OLD", {"--size-mm", "fifty"}, "not_number");
  expectCleanError("", {"subcommand"}, "no_subcommand");
  // ChArUco boards.
  expectCleanError("board --board 5x6 -o @OLD",
                   {"--board 5x6: the board has an even number of rows (6)", "OpenCV 4.6", "--board 5x7"},
                   "board_even");
  expectCleanError("board --square-mm 30 --marker-mm 30 --paper A4 -o @OLD",
                   {"--marker-mm: marker size 30 mm must be positive and smaller than the square 30 mm"},
                   "board_marker");
  expectCleanError("board --square-mm 30 --marker-mm 15 --dict tag36h11 -o @OLD",
                   {"unknown ChArUco dictionary 'tag36h11'", "DICT_6X6_250", "DICT_APRILTAG_36h11"}, "board_dict");
  expectCleanError("board --board 11x11 --square-mm 15 --marker-mm 10 --dict DICT_4X4_50 -o @OLD",
                   {"board 11x11 needs 60 markers but DICT_4X4_50 has only 50"}, "board_count");
  // The default board (40 mm squares) does not fit A4: the paper that fits and the square size that fits A4.
  expectCleanError("board --board 5x7 --square-mm 40 --marker-mm 20 --dict DICT_6X6_250 -o @OLD",
                   {"board 5x7 of 40 mm squares is 200 x 280 mm", "A4 with 10 mm margins has 190 x 277 mm",
                    "use --paper A3", "--square-mm 30.5 --marker-mm 15.2 to fit A4"}, "board_paper");
  expectCleanError("board --board 5x7 --square-mm 80 --marker-mm 60 --paper A3 -o @OLD",
                   {"with 10 mm margins has 277 x 400 mm (use --square-mm 48 --marker-mm 36 to fit A3)"},
                   "board_paper_none");
  expectCleanError("board --board 5by7 -o @OLD", {"cannot read the board size '5by7'", "e.g. --board 5x7"},
                   "board_size");
  expectCleanError("board --square-mm 30 --marker-mm 15 --format png -o @OLD", {"unknown format"}, "board_format");
  expectCleanError("board --square-mm 30 --marker-mm 15 --paper A5 -o @OLD", {"unknown paper 'A5'"},
                   "board_paper_name");
  expectCleanError("board --square-mm 30 --marker-mm 15", {"--output is required"}, "board_no_output");
}

// The sizes a "does not fit" error suggests do fit, and the written page says so on its caption's command line.
TEST(Cli, BoardSizeSuggestedForThePaperFits) {
  const auto dir = freshDir("board_fit");
  auto r = run(markersExe() + " board --board 5x7 --square-mm 30.5 --marker-mm 15.2 -o " + quote(dir / "a4.pdf"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("A4); print at 100 %, then: rivet-calibrate PHOTOS... -o camera.yaml --board 5x7 --square-mm "
                       "30.5 --marker-mm 15.2 --dict DICT_6X6_250"), std::string::npos) << r.out;
  r = run(markersExe() + " board --board 5x7 --square-mm 31 --marker-mm 15.5 -o " + quote(dir / "too_big.pdf"));
  EXPECT_EQ(r.code, 2) << r.out;  // the suggestion is the largest half-millimetre that fits
  r = run(markersExe() + " board --board 5x7 --square-mm 48 --marker-mm 36 --paper A3 -o " + quote(dir / "a3.pdf"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(fs::exists(dir / "a4.pdf"));
  EXPECT_FALSE(fs::exists(dir / "too_big.pdf"));
}

TEST(Cli, BadMarkerMapNamesFileAndLine) {
  const auto dir = freshDir("bad_map");
  writeFile(dir / "markers.yaml",
            "# duplicate id\ndictionary: DICT_6X6_250\nmarkers:\n"
            "  - {id: 1, size_mm: 50, position_m: [0, 0, 0], rotation_deg: [0, 0, 0]}\n"
            "  - {id: 1, size_mm: 50, position_m: [0, 0, 0], rotation_deg: [0, 0, 0]}\n");
  const auto r = run(markersExe() + " sheet --map " + quote(dir / "markers.yaml") + " -o " + quote(dir / "m.pdf"));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("markers.yaml:5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("appears twice"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir / "m.pdf"));
  // A family the tracker cannot detect (not in the schema either) is refused, naming the file and the valid ones.
  writeFile(dir / "markers.yaml",
            "# undetectable family\ndictionary: tagCircle21h7\nmarkers:\n"
            "  - {id: 1, size_mm: 50, position_m: [0, 0, 0], rotation_deg: [0, 0, 0]}\n");
  const auto c = run(markersExe() + " sheet --map " + quote(dir / "markers.yaml") + " -o " + quote(dir / "m.pdf"));
  EXPECT_NE(c.code, 0);
  EXPECT_NE(c.out.find("markers.yaml"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("'tagCircle21h7'"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("tagStandard41h12"), std::string::npos) << c.out;
  EXPECT_FALSE(fs::exists(dir / "m.pdf"));
}

}  // namespace
}  // namespace rivet::markers::test
