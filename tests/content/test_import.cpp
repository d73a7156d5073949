// rivet-import on the real files in ../shared/data/cad: hierarchy and names, units, axes, instancing, malformed
// input (every failure is one clear error, never a crash), and the child-process sandbox limits.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "rivet/content/model_file.hpp"
#include "rivet/import/importer.hpp"
#include "sandbox.hpp"

namespace fs = std::filesystem;
using namespace rivet;

namespace {

fs::path cad() {
  const char* env = std::getenv("RIVET_SHARED_DATA");
  return fs::path(env != nullptr ? env : RIVET_SOURCE_DIR "/../shared/data") / "cad";
}

core::Result<import::ImportResult> run(std::vector<std::string> inputs, std::string unit = {}, char up = 0) {
  import::ImportOptions o;
  o.inputs = std::move(inputs);
  o.unit = std::move(unit);
  o.up = up;
  o.max_memory_mb = 2048;
  o.timeout_s = 120;
  return import::importModel(o);
}

std::array<float, 3> size(const content::Bounds& b) {
  return {b.max[0] - b.min[0], b.max[1] - b.min[1], b.max[2] - b.min[2]};
}

const content::Part& part(const content::Model& m, const std::string& id) {
  const int i = m.findPart(id);
  EXPECT_GE(i, 0) << id;
  return m.parts[static_cast<std::size_t>(std::max(i, 0))];
}

}  // namespace

TEST(Import, BoxSidesStepKeepsAssemblyProductNamesAndInstances) {
  auto r = run({(cad() / "trimesh-models/box_sides.STEP").string()});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  const auto& m = r->model;
  ASSERT_EQ(m.parts.size(), 11u);  // 1 assembly + 10 instances of 6 parts
  EXPECT_EQ(m.parts[0].id, "box_sides");
  EXPECT_EQ(m.parts[0].index_count, 0u);
  std::map<std::string, int> names;
  for (const auto& p : m.parts) {
    ++names[p.name];
    EXPECT_EQ(p.name.find("NAUO"), std::string::npos) << p.name;
    if (&p != &m.parts[0]) {
      EXPECT_EQ(p.parent, 0);
    }
  }
  EXPECT_EQ(names["gusset"], 4);
  EXPECT_EQ(names["side_long"], 2);
  EXPECT_EQ(names["side_short_B"], 1);
  EXPECT_EQ(names["box_top"], 1);
  EXPECT_EQ(part(m, "box_sides/gusset_4").name, "gusset");
  EXPECT_EQ(r->summary.inputs.at(0).instances, 4u);
  // Instances are placed apart: the four gussets do not share bounds.
  EXPECT_NE(part(m, "box_sides/gusset").bounds.min[0], part(m, "box_sides/gusset_3").bounds.min[0]);
  // Inch file: OCCT converts; the box is 184 mm x 95 mm x 114 mm (as the OCCT-made glTF says, below).
  const auto s = size(m.bounds);
  EXPECT_NEAR(s[0], 0.1840, 0.001);
  EXPECT_NEAR(s[1], 0.0952, 0.001);
  EXPECT_NEAR(s[2], 0.1143, 0.001);
  EXPECT_NE(r->summary.inputs[0].unit_source.find("INCH"), std::string::npos);
  EXPECT_EQ(r->summary.inputs[0].up, 'z');
}

TEST(Import, BoxSidesGlbMatchesTheStep) {
  auto step = run({(cad() / "trimesh-models/box_sides.STEP").string()});
  auto glb = run({(cad() / "derived-occt/box_sides_assembly.glb").string()});
  ASSERT_TRUE(step.ok() && glb.ok());
  // The glb was written Y-up in metres by OCCT from the same STEP: same tree, names and placement.
  ASSERT_EQ(glb->model.parts.size(), step->model.parts.size());
  for (std::size_t i = 0; i < step->model.parts.size(); ++i) {
    EXPECT_EQ(glb->model.parts[i].name, step->model.parts[i].name);
    for (std::size_t a = 0; a < 3; ++a) {
      EXPECT_NEAR(glb->model.parts[i].bounds.min[a], step->model.parts[i].bounds.min[a], 1e-4);
      EXPECT_NEAR(glb->model.parts[i].bounds.max[a], step->model.parts[i].bounds.max[a], 1e-4);
    }
  }
}

TEST(Import, CubeGears3mfHasItsParts) {
  auto r = run({(cad() / "3mf-samples/core/cube_gears.3mf").string()});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  int with_geometry = 0;
  for (const auto& p : r->model.parts) with_geometry += p.index_count > 0 ? 1 : 0;
  EXPECT_EQ(with_geometry, 17);
  EXPECT_GE(r->model.findPart("Object_1"), 0);
  const auto s = size(r->model.bounds);  // millimetre model: 168 mm wide
  EXPECT_NEAR(s[0], 0.168, 0.002);
}

TEST(Import, OrientationTestArrowsPointAtTheirTargets) {
  auto r = run({(cad() / "khronos-gltf-testing/OrientationTest/glTF-Binary/OrientationTest.glb").string()});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  const auto& m = r->model;
  const auto centre = [&](const std::string& name) {
    const auto& b = part(m, name).bounds;
    return std::array<double, 3>{(b.min[0] + b.max[0]) / 2.0, (b.min[1] + b.max[1]) / 2.0, (b.min[2] + b.max[2]) / 2.0};
  };
  for (const char* axis : {"x1", "x2", "y1", "y2", "z1", "z2"}) {
    auto a = centre(std::string("arrow") + axis);
    auto t = centre(std::string("target") + axis);
    // Both on the same cube face; inside the face, the arrow's offset from the face centre points at the target.
    const int face = axis[0] - 'x';
    EXPECT_NEAR(a[static_cast<std::size_t>(face)], t[static_cast<std::size_t>(face)], 0.01) << axis;
    a[static_cast<std::size_t>(face)] = t[static_cast<std::size_t>(face)] = 0;
    const double cosang = (a[0] * t[0] + a[1] * t[1] + a[2] * t[2]) /
                          (std::sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]) * std::sqrt(t[0] * t[0] + t[1] * t[1] + t[2] * t[2]));
    EXPECT_GT(cosang, 0.95) << axis;
  }
}

TEST(Import, UnitsInchMmAndMetre) {
  // Inch STEP vs the same part as STL (no unit in STL): --unit in makes them agree; the default (mm) does not.
  auto step = run({(cad() / "trimesh-models/featuretype.STEP").string()});
  auto stl_in = run({(cad() / "trimesh-models/featuretype.STL").string()}, "in");
  auto stl_default = run({(cad() / "trimesh-models/featuretype.STL").string()});
  ASSERT_TRUE(step.ok() && stl_in.ok() && stl_default.ok());
  for (std::size_t a = 0; a < 3; ++a) EXPECT_NEAR(size(step->model.bounds)[a], size(stl_in->model.bounds)[a], 2e-4);
  EXPECT_NEAR(size(step->model.bounds)[0], 5 * 0.0254, 2e-4);
  EXPECT_FALSE(stl_default->summary.warnings.empty());  // "STL files do not state a unit"
  // The same part as 3MF says unit="inch" in its model XML (Assimp ignores it; rivet-import reads it).
  auto threemf = run({(cad() / "trimesh-models/featuretype.3MF").string()});
  ASSERT_TRUE(threemf.ok()) << threemf.error().describe();
  for (std::size_t a = 0; a < 3; ++a) EXPECT_NEAR(size(step->model.bounds)[a], size(threemf->model.bounds)[a], 2e-4);
  EXPECT_NE(threemf->summary.inputs[0].unit_source.find("inch"), std::string::npos);
  // A millimetre STEP: the screw is about 42 mm long.
  auto screw = run({(cad() / "occt-data/step/screw.step").string()});
  ASSERT_TRUE(screw.ok());
  EXPECT_NEAR(size(screw->model.bounds)[1], 0.0423, 0.001);
  EXPECT_NE(screw->summary.inputs[0].unit_source.find("millimetre"), std::string::npos);
  // A metre COLLADA file (Franka link 1) is about a quarter metre tall.
  auto link = run({(cad() / "franka-description/fer/visual/link1.dae").string()});
  ASSERT_TRUE(link.ok());
  EXPECT_NEAR(size(link->model.bounds)[1], 0.247, 0.01);
  // --unit without --force-unit does not override a unit the file states.
  auto link_mm = run({(cad() / "franka-description/fer/visual/link1.dae").string()}, "mm");
  ASSERT_TRUE(link_mm.ok());
  EXPECT_NEAR(size(link_mm->model.bounds)[1], 0.247, 0.01);
}

TEST(Import, FbxUnitScaleFactorUpAxisAndNames) {
  // FBX states its unit as UnitScaleFactor (centimetres per file unit) in GlobalSettings.
  auto cubes = run({(cad() / "assimp-testmodels/FBX/cubes_with_names.fbx").string()});
  ASSERT_TRUE(cubes.ok()) << cubes.error().describe();
  const auto& in = cubes->summary.inputs[0];
  EXPECT_DOUBLE_EQ(in.metres_per_unit, 0.01);
  EXPECT_NE(in.unit_source.find("UnitScaleFactor"), std::string::npos) << in.unit_source;
  EXPECT_EQ(part(cubes->model, "cube2").name, "Cube2");
  EXPECT_EQ(part(cubes->model, "cube3").name, "Cube3");
  bool cyrillic = false;  // the child meshes are named "Куб1" (UTF-8 kept as written)
  for (const auto& p : cubes->model.parts) cyrillic = cyrillic || p.name == "\u041a\u0443\u0431" "1";
  EXPECT_TRUE(cyrillic);
  const auto cube_size = size(part(cubes->model, "cube2").bounds);
  EXPECT_GT(cube_size[0], 0.05);  // ~10 cm cubes, not 10 m
  EXPECT_LT(cube_size[0], 0.5);
  // global_settings.fbx says 500 cm per unit: five times the size it has in plain metres.
  auto scaled = run({(cad() / "assimp-testmodels/FBX/global_settings.fbx").string()});
  import::ImportOptions o;
  o.inputs = {(cad() / "assimp-testmodels/FBX/global_settings.fbx").string()};
  o.unit = "m";
  o.force_unit = true;
  o.max_memory_mb = 2048;
  o.timeout_s = 120;
  auto plain = import::importModel(o);
  ASSERT_TRUE(scaled.ok() && plain.ok());
  EXPECT_DOUBLE_EQ(scaled->summary.inputs[0].metres_per_unit, 5.0);
  EXPECT_NE(scaled->summary.inputs[0].unit_source.find("500"), std::string::npos);
  for (std::size_t a = 0; a < 3; ++a) {
    EXPECT_NEAR(size(scaled->model.bounds)[a], 5 * size(plain->model.bounds)[a], 1e-3 * size(scaled->model.bounds)[a]);
  }
}

TEST(Import, ImplausibleSizeWarns) {
  import::ImportOptions o;
  o.inputs = {(cad() / "occt-data/stl/head.stl").string()};
  o.unit = "m";
  auto r = import::importModel(o);
  if (!fs::exists(o.inputs[0])) GTEST_SKIP() << "head.stl not in the data set";
  ASSERT_TRUE(r.ok()) << r.error().describe();
  bool warned = false;
  for (const auto& w : r->summary.warnings) warned = warned || w.find("implausible") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(Import, ZupToYup) {
  // STL is read Z-up by default: its Z extent becomes the model's Y extent. --up y keeps the axes.
  auto zup = run({(cad() / "trimesh-models/featuretype.STL").string()}, "in");
  auto yup = run({(cad() / "trimesh-models/featuretype.STL").string()}, "in", 'y');
  ASSERT_TRUE(zup.ok() && yup.ok());
  const auto sz = size(zup->model.bounds), sy = size(yup->model.bounds);
  EXPECT_NEAR(sz[0], sy[0], 1e-5);
  EXPECT_NEAR(sz[1], sy[2], 1e-5);
  EXPECT_NEAR(sz[2], sy[1], 1e-5);
  EXPECT_NE(sz[1], sz[2]);
}

TEST(Import, LodsStayWithinTheirBoundsAndSaveLoad) {
  auto r = run({(cad() / "trimesh-models/box_sides.STEP").string()});
  ASSERT_TRUE(r.ok());
  for (const auto& l : r->summary.lods) EXPECT_LE(l.max_error_mm, l.bound_mm * 1.0001);
  // Positions are 16-bit steps of the model box (184 x 95 x 114 mm): at most ~1.9 um off; stated in the summary and
  // included (twice) in every LOD's error.
  const double q_mm = r->model.quantization.maxErrorM() * 1000.0;
  EXPECT_NEAR(r->summary.quantization_error_mm, q_mm, 1e-9);
  EXPECT_GT(q_mm, 0.0005);
  EXPECT_LT(q_mm, 0.003);
  std::size_t lod_count = 0;
  for (const auto& p : r->model.parts)
    for (const auto& l : p.lods) {
      EXPECT_GE(l.error_m * 1000.0, 2 * q_mm * 0.999) << p.id;
      ++lod_count;
    }
  EXPECT_GT(lod_count, 0u);
  EXPECT_NE(import::summaryText(r->summary).find("quantised to 16 bits"), std::string::npos);
  EXPECT_NE(import::summaryJson(r->summary, r->model).find("\"quantization_error_mm\""), std::string::npos);
  const fs::path out = fs::temp_directory_path() / ("rivet_import_" + std::to_string(::getpid()) + ".rmdl");
  ASSERT_TRUE(content::saveModel(out.string(), r->model).ok());
  auto back = content::loadModel(out.string());
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->parts.size(), r->model.parts.size());
  EXPECT_EQ(back->indices.size(), r->model.indices.size());
  fs::remove(out);
}

TEST(Import, MalformedFilesGiveOneClearErrorNeverACrash) {
  std::vector<fs::path> files;
  for (const char* dir : {"assimp-testmodels/invalid", "trimesh-models/malformed", "trimesh-models/malformed/emptyIO",
                          "assimp-testmodels/glTF2/IndexOutOfRange", "assimp-testmodels/glTF2/RecursiveNodes",
                          "assimp-testmodels/glTF2/MissingBin", "assimp-testmodels/glTF2/BoxWithInfinites-glTF-Binary",
                          "assimp-testmodels/3MF"})
    for (const auto& e : fs::directory_iterator(cad() / dir))
      if (e.is_regular_file() && e.path().extension() != ".txt" && e.path().extension() != ".md")
        files.push_back(e.path());
  ASSERT_GT(files.size(), 12u);
  int failed = 0;
  for (const auto& f : files) {
    auto r = run({f.string()});
    if (r.ok()) {
      EXPECT_GT(r->model.indices.size(), 0u) << f;  // a success is never an empty model
      continue;
    }
    ++failed;
    EXPECT_EQ(r.error().where, f.string());
    EXPECT_FALSE(r.error().message.empty());
    EXPECT_FALSE(r.error().hint.empty()) << f << ": " << r.error().message;
  }
  EXPECT_GE(failed, 10);
  // Empty files and point-only files are errors, not empty models.
  for (const char* f : {"assimp-testmodels/invalid/empty.obj", "trimesh-models/malformed/empty.stl",
                        "trimesh-models/malformed/emptyIO/obj_points.obj"}) {
    auto r = run({(cad() / f).string()});
    EXPECT_FALSE(r.ok()) << f;
  }
}

TEST(Import, StepWithoutGeometryIsAnError) {
  const fs::path f = fs::temp_directory_path() / ("rivet_empty_" + std::to_string(::getpid()) + ".step");
  std::ofstream(f) << "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\nFILE_NAME('e','',(''),(''),'','','');\n"
                      "FILE_SCHEMA(('AUTOMOTIVE_DESIGN'));\nENDSEC;\nDATA;\n#1=CARTESIAN_POINT('',(0.,0.,0.));\n"
                      "ENDSEC;\nEND-ISO-10303-21;\n";
  auto r = run({f.string()});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, f.string());
  EXPECT_NE(r.error().message.find("STEP"), std::string::npos);
  fs::remove(f);
}

TEST(Import, UnknownExtensionAndMissingFile) {
  auto r = run({"/nonexistent/file.step"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not found"), std::string::npos);
  const fs::path f = fs::temp_directory_path() / "rivet_x.qqq";
  std::ofstream(f) << "x";
  auto u = run({f.string()});
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.error().message.find("unsupported"), std::string::npos);
  fs::remove(f);
}

TEST(Sandbox, CrashHangAndMemoryBlowUpBecomeErrors) {
  import::SandboxLimits limits{256, 2.0};
  auto crash = import::runSandboxed("f.x", "TEST", limits, [](const import::ProgressFn&) -> core::Result<import::ImportedScene> {
    std::raise(SIGSEGV);
    return import::ImportedScene{};
  }, {});
  ASSERT_FALSE(crash.ok());
  EXPECT_NE(crash.error().message.find("crashed"), std::string::npos) << crash.error().message;
  EXPECT_EQ(crash.error().where, "f.x");

  const auto t0 = std::chrono::steady_clock::now();
  auto hang = import::runSandboxed("f.x", "TEST", limits, [](const import::ProgressFn&) -> core::Result<import::ImportedScene> {
    for (;;) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }, {});
  ASSERT_FALSE(hang.ok());
  EXPECT_NE(hang.error().message.find("did not finish"), std::string::npos) << hang.error().message;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10.0);

  auto hog = import::runSandboxed("f.x", "TEST", limits, [](const import::ProgressFn&) -> core::Result<import::ImportedScene> {
    std::vector<std::vector<char>> blocks;
    for (int i = 0; i < 64; ++i) {
      blocks.emplace_back(std::size_t{64} << 20, '\1');  // touch 64 MB per step, up to 4 GB
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return import::ImportedScene{};
  }, {});
  ASSERT_FALSE(hog.ok());
  EXPECT_TRUE(hog.error().message.find("MB") != std::string::npos ||
              hog.error().message.find("memory") != std::string::npos) << hog.error().message;

  int seen = 0;
  auto ok = import::runSandboxed("f.x", "TEST", limits, [](const import::ProgressFn& p) -> core::Result<import::ImportedScene> {
    p(0.5, "half");
    import::ImportedScene s;
    s.nodes.emplace_back();
    s.nodes[0].name = "n";
    s.nodes[0].positions = {0, 0, 0, 1, 0, 0, 0, 1, 0};
    s.nodes[0].indices = {0, 1, 2};
    return s;
  }, [&](double f, const std::string& what) { seen += (f == 0.5 && what == "half") ? 1 : 0; });
  ASSERT_TRUE(ok.ok()) << ok.error().describe();
  EXPECT_EQ(ok->nodes.at(0).name, "n");
  EXPECT_EQ(seen, 1);
}
