// Tests of rivet-markers' building blocks: id list parsing, PDF file structure (exact xref offsets, stream lengths),
// layout errors and placements, text encoding and the markers.yaml template parsed by the pack loader.
#include <gtest/gtest.h>

#include <set>

#include "ids.hpp"
#include "map_template.hpp"
#include "rivet/content/pack.hpp"
#include "sheet.hpp"
#include "writers.hpp"

namespace rivet::markers {
namespace {

TEST(IdList, RangesAndSingles) {
  auto ids = parseIdList("0-5,9");
  ASSERT_TRUE(ids.ok()) << ids.error().describe();
  EXPECT_EQ(*ids, (std::vector<int>{0, 1, 2, 3, 4, 5, 9}));
  ids = parseIdList(" 12 , 3-4 ,7");
  ASSERT_TRUE(ids.ok()) << ids.error().describe();
  EXPECT_EQ(*ids, (std::vector<int>{12, 3, 4, 7}));
  ids = parseIdList("249");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<int>{249}));
}

TEST(IdList, ErrorsNameTheMistake) {
  struct Case {
    const char* text;
    const char* says;
  };
  const Case cases[] = {{"", "no ids"},          {"1,,2", "empty item"},  {"1,", "empty item"},
                        {"a", "'a' is not"},      {"-3", "not a range"},   {"5-2", "goes backwards"},
                        {"1-", "not a range"},    {"1.5", "not a whole"},  {"1,2,1", "listed twice"},
                        {"0-3,2-4", "id 2 is listed twice"}, {"0-99999", "more than"}, {"99999999999", "not a whole"}};
  for (const auto& c : cases) {
    const auto r = parseIdList(c.text);
    ASSERT_FALSE(r.ok()) << "'" << c.text << "' was accepted";
    EXPECT_NE(r.error().describe().find(c.says), std::string::npos) << c.text << " -> " << r.error().describe();
    EXPECT_EQ(r.error().where, "--ids");
  }
}

TEST(Text, NumbersAndEncoding) {
  EXPECT_EQ(formatNumber(12.5), "12.5");
  EXPECT_EQ(formatNumber(100), "100");
  EXPECT_EQ(formatNumber(-0.00001), "0");
  EXPECT_EQ(formatNumber(283.46456692913, 4), "283.4646");
  EXPECT_EQ(toWinAnsi("a\xE2\x80\x94" "b\xC2\xB7\xC3\xA9\xE4\xB8\xAD"), std::string("a\x97" "b\xB7\xE9?"));
  EXPECT_NEAR(textWidthMm("0123456789", 10, Font::Regular), 55.6, 1e-9);
}

SheetOptions sixBySix(std::vector<int> ids, double size_mm) {
  SheetOptions o;
  o.dictionary = "DICT_6X6_250";
  for (int id : ids) o.markers.push_back({id, size_mm, {}});
  return o;
}

TEST(Layout, PlacesEveryMarkerOnThePageAtItsSize) {
  auto o = sixBySix({0, 1, 2, 3, 4, 5, 9}, 60);
  auto sheet = layoutSheet(o);
  ASSERT_TRUE(sheet.ok()) << sheet.error().describe();
  ASSERT_EQ(sheet->placed.size(), 7u);
  EXPECT_EQ(sheet->pages.size(), 2u);  // 4 cells of ~83 x 95 mm per A4 page
  std::set<std::pair<int, std::pair<int, int>>> spots;
  for (const auto& p : sheet->placed) {
    EXPECT_DOUBLE_EQ(p.black_square.width_mm, 60.0);
    EXPECT_GE(p.black_square.x_mm, o.margin_mm);
    EXPECT_LE(p.black_square.x_mm + 60, 210 - o.margin_mm);
    EXPECT_LE(p.black_square.y_mm + 60, 297 - o.margin_mm - 20);  // above the ruler band
    spots.insert({p.page, {static_cast<int>(p.black_square.x_mm), static_cast<int>(p.black_square.y_mm)}});
  }
  EXPECT_EQ(spots.size(), 7u);  // no two markers on the same spot
}

TEST(Layout, Errors) {
  auto o = sixBySix({0, 250}, 50);
  auto r = layoutSheet(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("marker id 250 is not in DICT_6X6_250 (ids 0..249)"), std::string::npos)
      << r.error().describe();
  o = sixBySix({1}, 200);  // 250 mm with its one-module quiet zone: wider than A4
  r = layoutSheet(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().describe().find("A3"), std::string::npos) << r.error().describe();
  o.paper = Paper{"A3", 297, 420};
  EXPECT_TRUE(layoutSheet(o).ok());  // fits on A3
  o = sixBySix({1}, 4);
  EXPECT_FALSE(layoutSheet(o).ok());
  o = sixBySix({1, 2, 1}, 40);
  r = layoutSheet(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("listed twice"), std::string::npos);
  o = sixBySix({1}, 40);
  o.dictionary = "DICT_6X6_251";
  r = layoutSheet(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().describe().find("DICT_4X4_50"), std::string::npos);
  EXPECT_NE(r.error().describe().find("tagStandard41h12"), std::string::npos);
  o.dictionary = "DICT_6X6_250";
  o.margin_mm = 40;
  r = layoutSheet(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "--margin-mm");
  EXPECT_FALSE(paperByName("A5").ok());
  ASSERT_TRUE(paperByName("letter").ok());
  EXPECT_DOUBLE_EQ(paperByName("letter")->width_mm, 215.9);
}

// Every xref entry points at its "N 0 obj", startxref at "xref", every /Length is the stream's byte count.
TEST(Pdf, ExactXrefAndStreamLengths) {
  auto o = sixBySix({0, 1, 2, 3, 4, 5, 9}, 60);
  o.markers[0].note = "guard (left) \\ panel \xE2\x80\x94 caf\xC3\xA9";
  auto sheet = layoutSheet(o);
  ASSERT_TRUE(sheet.ok());
  const std::string pdf = writePdf(sheet->pages, "title (with parentheses)");
  ASSERT_EQ(pdf.rfind("%PDF-1.4\n", 0), 0u);
  const size_t sx = pdf.rfind("startxref\n");
  ASSERT_NE(sx, std::string::npos);
  const size_t xref = std::stoul(pdf.substr(sx + 10));
  ASSERT_EQ(pdf.compare(xref, 5, "xref\n"), 0);
  ASSERT_EQ(pdf.compare(xref, 7, "xref\n0 "), 0);
  const int count = std::stoi(pdf.substr(xref + 7, 8));
  EXPECT_EQ(count, 5 + 2 * 2 + 1);  // free entry, 5 shared objects, 2 objects per page
  const size_t entries = pdf.find('\n', xref + 7) + 1;
  EXPECT_EQ(pdf.compare(entries, 20, "0000000000 65535 f \n"), 0);
  for (int i = 1; i < count; ++i) {
    const std::string entry = pdf.substr(entries + 20 * static_cast<size_t>(i), 20);
    ASSERT_EQ(entry.size(), 20u);
    ASSERT_EQ(entry.substr(10), " 00000 n \n") << entry;
    const size_t off = std::stoul(entry.substr(0, 10));
    const std::string obj = std::to_string(i) + " 0 obj\n";
    EXPECT_EQ(pdf.compare(off, obj.size(), obj), 0) << "object " << i;
  }
  // Stream lengths.
  size_t pos = 0;
  int streams = 0;
  while ((pos = pdf.find("stream\n", pos)) != std::string::npos) {
    if (pos >= 3 && pdf.compare(pos - 3, 3, "end") == 0) {
      pos += 7;
      continue;
    }
    const size_t dict = pdf.rfind("<< /Length ", pos);
    ASSERT_NE(dict, std::string::npos);
    size_t digits_end = 0;
    const size_t len = std::stoul(pdf.substr(dict + 11, 12), &digits_end);
    ASSERT_EQ(pdf.compare(dict + 11 + digits_end, 11, " >>\nstream\n"), 0);
    ASSERT_EQ(dict + 11 + digits_end + 11, pos + 7);
    EXPECT_EQ(pdf.compare(pos + 7 + len, 10, "\nendstream"), 0);
    ++streams;
    pos += 7 + len;
  }
  EXPECT_EQ(streams, 2);
  // The note's parentheses and backslash are escaped, the em dash and é in WinAnsi octal.
  EXPECT_NE(pdf.find("(guard \\(left\\) \\\\ panel \\227 caf\\351) Tj"), std::string::npos);
  EXPECT_NE(pdf.find("/PrintScaling /None"), std::string::npos);
}

TEST(Svg, PhysicalSizeAndOnePathPerMarker) {
  auto sheet = layoutSheet(sixBySix({3, 4}, 50));
  ASSERT_TRUE(sheet.ok());
  ASSERT_EQ(sheet->pages.size(), 1u);
  const std::string svg = writeSvg(sheet->pages[0], "t & <t>");
  EXPECT_NE(svg.find("width=\"210mm\" height=\"297mm\" viewBox=\"0 0 210 297\""), std::string::npos);
  EXPECT_NE(svg.find("<title>t &amp; &lt;t&gt;</title>"), std::string::npos);
  size_t paths = 0, pos = 0;
  while ((pos = svg.find("fill-rule=\"nonzero\"", pos)) != std::string::npos) ++paths, ++pos;
  EXPECT_EQ(paths, 2u);
}

TEST(Template, LoadsWithThePackParserWithIdsAndSizes) {
  const std::string text = markerMapTemplate("tag36h11", {{0, 100, {}}, {7, 62.5, "door \"A\""}}, "ids 0,7");
  ASSERT_EQ(text.rfind("# ", 0), 0u);
  auto map = content::parseMarkerMap(text, "markers.yaml");
  ASSERT_TRUE(map.ok()) << map.error().describe();
  EXPECT_EQ(map->dictionary, "tag36h11");
  ASSERT_EQ(map->markers.size(), 2u);
  EXPECT_EQ(map->markers[1].id, 7);
  EXPECT_DOUBLE_EQ(map->markers[1].size_m, 0.0625);
  EXPECT_NE(text.find("measure where this marker sits on the machine, in model coordinates (metres)"),
            std::string::npos);
  EXPECT_NE(text.find("note: \"door \\\"A\\\"\""), std::string::npos);
}

}  // namespace
}  // namespace rivet::markers
