// rivet-import on IGES: the shared data has no IGES file, so the test writes one from box_sides.STEP with Open
// CASCADE's IGES writer (in inches and in millimetres) and checks parts, names, units and triangles against the STEP.
#include <gtest/gtest.h>

#include <IGESCAFControl_Writer.hxx>
#include <IGESControl_Controller.hxx>
#include <Interface_Static.hxx>
#include <STEPCAFControl_Reader.hxx>
#include <TDocStd_Document.hxx>
#include <XCAFApp_Application.hxx>
#include <XCAFDoc_DocumentTool.hxx>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <string>

#include "rivet/import/importer.hpp"

namespace fs = std::filesystem;
using namespace rivet;

namespace {

fs::path cad() {
  const char* env = std::getenv("RIVET_SHARED_DATA");
  return fs::path(env != nullptr ? env : RIVET_SOURCE_DIR "/../shared/data") / "cad";
}

// STEP -> IGES through XCAF (names and colours on), written in `unit` ("INCH" or "MM"); the shapes are converted to
// that unit first (OCCT's IGES writer writes the document's unit). solids: B-rep solids (type 186, each named by a
// 406 property) instead of groups of trimmed surfaces (type 144 in 402 groups, the most common IGES).
bool writeIgesHere(const fs::path& step, const fs::path& iges, const std::string& unit, bool solids) {
  Handle(TDocStd_Document) doc;
  XCAFApp_Application::GetApplication()->NewDocument("MDTV-XCAF", doc);
  XCAFDoc_DocumentTool::SetLengthUnit(doc, unit == "INCH" ? 0.0254 : 0.001);
  STEPCAFControl_Reader reader;
  reader.SetNameMode(true);
  reader.SetColorMode(true);
  if (reader.ReadFile(step.c_str()) != IFSelect_RetDone || !reader.Transfer(doc)) return false;
  IGESControl_Controller::Init();
  if (!Interface_Static::SetCVal("write.iges.unit", unit.c_str())) return false;
  if (!Interface_Static::SetIVal("write.iges.brep.mode", solids ? 1 : 0)) return false;
  IGESCAFControl_Writer writer;
  writer.SetNameMode(true);
  writer.SetColorMode(true);
  return writer.Transfer(doc) && writer.Write(iges.c_str());
}

// Runs the writer in a child process: OCCT's translator set-up keeps global state (and allocations LeakSanitizer
// reports) that must not reach the importer, which runs in this process.
bool writeIges(const fs::path& step, const fs::path& iges, const std::string& unit, bool solids) {
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) ::_exit(writeIgesHere(step, iges, unit, solids) ? 0 : 1);
  int status = 0;
  return ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// The unit name IGES stores in its global section (parameter 15, e.g. "4HINCH"), read back from the file.
bool fileSaysUnit(const fs::path& iges, const std::string& unit) {
  std::ifstream in(iges);
  std::string line, global;
  while (std::getline(in, line))
    if (line.size() >= 73 && line[72] == 'G') global += line.substr(0, 72);
  return global.find(std::to_string(unit.size()) + "H" + unit) != std::string::npos;
}

core::Result<import::ImportResult> importFile(const fs::path& file) {
  import::ImportOptions o;
  o.inputs = {file.string()};
  o.max_memory_mb = 2048;
  o.timeout_s = 120;
  return import::importModel(o);
}

std::array<float, 3> size(const content::Bounds& b) {
  return {b.max[0] - b.min[0], b.max[1] - b.min[1], b.max[2] - b.min[2]};
}

}  // namespace

TEST(ImportIges, BoxSidesWrittenAsIgesMatchesTheStep) {
  const fs::path tmp = fs::temp_directory_path() / ("rivet_iges_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  const fs::path step_file = cad() / "trimesh-models/box_sides.STEP";
  auto step = importFile(step_file);
  ASSERT_TRUE(step.ok()) << step.error().describe();
  const content::Model& sm = step->model;

  struct Case {
    std::string unit;
    bool solids;
  };
  for (const Case& c : {Case{"INCH", true}, Case{"MM", true}, Case{"INCH", false}}) {
    const std::string& unit = c.unit;
    SCOPED_TRACE(unit + (c.solids ? " solids" : " trimmed surfaces"));
    const fs::path iges_file = tmp / ("box_sides_" + unit + (c.solids ? "_solids" : "_faces") + ".igs");
    ASSERT_TRUE(writeIges(step_file, iges_file, unit, c.solids));
    ASSERT_TRUE(fileSaysUnit(iges_file, unit));
    auto r = importFile(iges_file);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    const content::Model& m = r->model;
    const auto& in = r->summary.inputs.at(0);
    EXPECT_EQ(in.format, "IGES");
    EXPECT_NE(in.unit_source.find(unit), std::string::npos) << in.unit_source;
    EXPECT_EQ(in.up, 'z');

    // Units: inches and millimetres both arrive in metres, the same size as the STEP (184 x 95 x 114 mm).
    const auto s = size(m.bounds), ss = size(sm.bounds);
    for (std::size_t a = 0; a < 3; ++a) {
      EXPECT_NEAR(s[a], ss[a], 0.0005) << "axis " << a;
      EXPECT_NEAR(m.bounds.min[a], sm.bounds.min[a], 0.0005) << "axis " << a;
    }

    // Same B-rep, same relative tolerance: a comparable triangle count (IGES stores the faces as B-splines).
    EXPECT_GT(r->summary.triangles, step->summary.triangles / 2);
    EXPECT_LT(r->summary.triangles, step->summary.triangles * 2);
    std::cout << unit << (c.solids ? " solids" : " faces") << ": IGES " << r->summary.triangles
              << " triangles, STEP " << step->summary.triangles << "\n";
    EXPECT_EQ(m.parts[0].name, "box_sides");
    if (!c.solids) {
      // Open CASCADE's IGES reader does not keep the names of 402 groups: one part holds every surface.
      EXPECT_EQ(m.parts.size(), 1u);
      continue;
    }
    // IGES has no assembly tree: the root group keeps the file's name, each solid its own name (OCCT's writer
    // names the solids after the STEP instances) and becomes one part under the root.
    ASSERT_EQ(m.parts.size(), sm.parts.size());  // 1 group + 10 solids, as the STEP's 1 assembly + 10 instances
    EXPECT_EQ(m.parts[0].parent, -1);
    std::set<std::string> names;
    for (std::size_t i = 1; i < m.parts.size(); ++i) {
      const auto& p = m.parts[i];
      EXPECT_EQ(p.parent, 0) << p.id;
      EXPECT_FALSE(p.name.empty()) << p.id;
      EXPECT_GT(p.index_count, 0u) << p.id;
      names.insert(p.name);
      // Every solid sits where one of the STEP's parts is (same bounds to 0.5 mm).
      bool matched = false;
      for (const auto& q : sm.parts) {
        if (q.index_count == 0) continue;
        bool same = true;
        for (std::size_t a = 0; a < 3; ++a)
          same = same && std::abs(p.bounds.min[a] - q.bounds.min[a]) < 5e-4f &&
                 std::abs(p.bounds.max[a] - q.bounds.max[a]) < 5e-4f;
        matched = matched || same;
      }
      EXPECT_TRUE(matched) << p.id << " has no STEP part with its bounds";
    }
    EXPECT_EQ(names.size(), m.parts.size() - 1);  // distinct names
    EXPECT_EQ(names.count("NAUO1"), 1u);          // the names the IGES file holds, as it holds them
  }
  fs::remove_all(tmp);
}
