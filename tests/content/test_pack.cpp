// Unit tests for content packs: pack.yaml / markers.yaml parsing with file:line errors, loadPack, signatures.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "rivet/content/model_file.hpp"
#include "rivet/content/pack.hpp"
#include "rivet/content/pack_signature.hpp"

namespace fs = std::filesystem;
using namespace rivet::content;

namespace {

const char* kPackYaml = R"(# test pack
id: test-cell
version: 1.0.0
title: {fr: "Cellule de test", en: "Test cell"}
author: Rivet tests
requires_app: ">=0.1.0"
model: models/cell.rmdl
)";

const char* kMarkersYaml = R"(# markers
dictionary: DICT_6X6_250
markers:
  - id: 3
    size_mm: 100
    position_m: [0.5, 0, 0.25]
    rotation_deg: [-90, 0, 0]
  - id: 7
    size_mm: 80
    position_m: [0, 0.4, -0.3]
    normal: [0, 0, 1]
    up: [0, 1, 0]
)";

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

fs::path makePack(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("rivet_test_pack_" + std::to_string(::getpid())) / name;
  fs::remove_all(d);
  write(d / "pack.yaml", kPackYaml);
  write(d / "markers.yaml", kMarkersYaml);
  write(d / "procedures" / "b.yaml", "id: b\n");
  write(d / "procedures" / "a.yaml", "id: a\n");
  write(d / "procedures" / "notes.txt", "not a procedure\n");
  std::vector<Vertex> v = {{{0, 0, 0}, {0, 0, 1}}, {{1, 0, 0}, {0, 0, 1}}, {{0, 1, 0}, {0, 0, 1}}};
  std::vector<Part> parts(1);
  parts[0].id = "frame";
  parts[0].name = "Frame";
  parts[0].index_count = 3;
  fs::create_directories(d / "models");
  EXPECT_TRUE(saveModel((d / "models" / "cell.rmdl").string(), makeModel(v, {0, 1, 2}, parts)).ok());
  return d;
}

}  // namespace

TEST(Pack, LoadsManifestMarkersAndFiles) {
  const fs::path d = makePack("ok");
  auto pack = loadPack(d.string());
  ASSERT_TRUE(pack.ok()) << pack.error().describe();
  EXPECT_EQ(pack->manifest.id, "test-cell");
  EXPECT_EQ(pack->manifest.title_fr, "Cellule de test");
  EXPECT_EQ(pack->model_path, d / "models" / "cell.rmdl");
  ASSERT_EQ(pack->procedure_files.size(), 2u);
  EXPECT_EQ(pack->procedure_files[0].filename(), "a.yaml");
  EXPECT_TRUE(pack->tags_file.empty());
  ASSERT_EQ(pack->marker_map.markers.size(), 2u);
  const auto& m3 = pack->marker_map.markers[0];
  EXPECT_DOUBLE_EQ(m3.size_m, 0.1);
  // rotation_deg [-90,0,0]: marker z (out of the face) points to model +y (facing up).
  const auto z = m3.T_machine_marker.R * rivet::core::Vec3d{0, 0, 1};
  EXPECT_NEAR(z.y, 1.0, 1e-12);
  const auto& m7 = pack->marker_map.markers[1];
  const auto x = m7.T_machine_marker.R * rivet::core::Vec3d{1, 0, 0};
  EXPECT_NEAR(x.x, 1.0, 1e-12);  // normal +z, up +y -> identity
  EXPECT_NEAR(m7.T_machine_marker.t.z, -0.3, 1e-12);
  EXPECT_FALSE(pack->signature_verified);
}

TEST(Pack, PartDisplayNamesInBothLanguages) {
  const fs::path d = makePack("parts");
  write(d / "parts.yaml", "# names\nparts:\n  frame: {fr: \"Bâti\", en: \"Machine frame\"}\n");
  auto pack = loadPack(d.string());
  ASSERT_TRUE(pack.ok()) << pack.error().describe();
  ASSERT_EQ(pack->part_names.size(), 1u);
  EXPECT_EQ(pack->part_names.at("frame").fr, "Bâti");
  auto model = loadModel(pack->model_path.string());
  ASSERT_TRUE(model.ok());
  // By id or by CAD name: the translation; a part without one: its CAD name; an unknown reference: itself.
  EXPECT_EQ(partDisplayName(pack->part_names, *model, "frame", "fr"), "Bâti");
  EXPECT_EQ(partDisplayName(pack->part_names, *model, "Frame", "en"), "Machine frame");
  EXPECT_EQ(partDisplayName({}, *model, "frame", "fr"), "Frame");
  EXPECT_EQ(partDisplayName(pack->part_names, *model, "door", "en"), "door");
  // A pack without parts.yaml has no names (and loads).
  fs::remove(d / "parts.yaml");
  auto bare = loadPack(d.string());
  ASSERT_TRUE(bare.ok());
  EXPECT_TRUE(bare->part_names.empty());
}

TEST(Pack, PartNameErrorsNameFileAndLine) {
  auto r = parsePartNames("parts:\n  frame: {fr: \"Bâti\"}\n", "p.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "p.yaml:2");
  EXPECT_NE(r.error().message.find("missing 'en'"), std::string::npos) << r.error().message;
  r = parsePartNames("parts:\n  frame: {fr: \"Bâti\", en: \"Frame\", de: \"Gestell\"}\n", "p.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unknown key 'de'"), std::string::npos) << r.error().message;
  r = parsePartNames("parts:\n  frame: {fr: \"\", en: \"Frame\"}\n", "p.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("is empty"), std::string::npos) << r.error().message;
  r = parsePartNames("names: {}\n", "p.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unknown key 'names'"), std::string::npos) << r.error().message;
  r = parsePartNames("parts: [unclosed\n", "p.yaml");
  ASSERT_FALSE(r.ok());
  // loadPack refuses a broken parts.yaml with the same message.
  const fs::path d = makePack("badparts");
  write(d / "parts.yaml", "parts:\n  frame: {fr: \"Bâti\"}\n");
  auto pack = loadPack(d.string());
  ASSERT_FALSE(pack.ok());
  EXPECT_NE(pack.error().where.find("parts.yaml:2"), std::string::npos) << pack.error().where;
}

TEST(Pack, MarkerErrorsNameFileAndLine) {
  std::string dup = kMarkersYaml;
  dup.replace(dup.find("id: 7"), 5, "id: 3");
  auto r = parseMarkerMap(dup, "m.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "m.yaml:8");
  EXPECT_NE(r.error().message.find("first at line 4"), std::string::npos);

  std::string nosize = kMarkersYaml;
  nosize.replace(nosize.find("size_mm: 80"), 11, "size_mm: 0.08");
  r = parseMarkerMap(nosize, "m.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "m.yaml:9");
  EXPECT_NE(r.error().hint.find("millimetres"), std::string::npos);

  r = parseMarkerMap("dictionary: DICT_6X6_250\nmarkers:\n  - id: 1\n    size_mm: 50\n    position_m: [0, 0]\n"
                     "    rotation_deg: [0, 0, 0]\n",
                     "m.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "m.yaml:5");

  r = parseMarkerMap("dictionary: DICT_9X9\nmarkers: []\n", "m.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "m.yaml:1");

  r = parseMarkerMap("dictionary: [unclosed\n", "m.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("YAML syntax"), std::string::npos);
}

TEST(Pack, ManifestErrorsNameFileAndLine) {
  std::string bad = kPackYaml;
  bad.replace(bad.find("models/cell.rmdl"), 16, "../cell.rmdl");
  auto r = parsePackManifest(bad, "pack.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "pack.yaml:7");

  r = parsePackManifest("id: x\nversion: 1.0\ntitle: {en: Only English}\nauthor: a\nrequires_app: '0.1'\n"
                        "model: models/m.rmdl\n",
                        "pack.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("'fr'"), std::string::npos);

  r = parsePackManifest(std::string(kPackYaml) + "colour: blue\n", "pack.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "pack.yaml:8");
  EXPECT_NE(r.error().message.find("unknown key 'colour'"), std::string::npos);

  std::string badver = kPackYaml;
  badver.replace(badver.find("1.0.0"), 5, "one");
  EXPECT_FALSE(parsePackManifest(badver, "pack.yaml").ok());
}

TEST(Pack, MissingModelIsAClearError) {
  const fs::path d = makePack("nomodel");
  fs::remove(d / "models" / "cell.rmdl");
  auto r = loadPack(d.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("models/cell.rmdl"), std::string::npos);
  EXPECT_NE(r.error().hint.find("rivet-import"), std::string::npos);
}

TEST(PackSignature, SignVerifyAndRefuseTampering) {
  const fs::path d = makePack("signed");
  const fs::path keys = d.parent_path() / "keys";
  fs::create_directories(keys);
  ASSERT_TRUE(generateSigningKey(keys / "k.pem", keys / "k.pub.pem").ok());
  auto n = signPackDir(d, keys / "k.pem");
  ASSERT_TRUE(n.ok()) << n.error().describe();
  EXPECT_EQ(*n, 6u);  // pack.yaml markers.yaml 3 procedure files model
  EXPECT_TRUE(verifyPackDir(d, keys / "k.pub.pem").ok());
  auto pack = loadPack(d.string(), PackLoadOptions{keys / "k.pub.pem", true});
  ASSERT_TRUE(pack.ok()) << pack.error().describe();
  EXPECT_TRUE(pack->signature_verified);

  // Another key: refused.
  ASSERT_TRUE(generateSigningKey(keys / "other.pem", keys / "other.pub.pem").ok());
  auto wrong = verifyPackDir(d, keys / "other.pub.pem");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("signature"), std::string::npos);

  // A changed torque value in a procedure: refused, naming the file.
  write(d / "procedures" / "a.yaml", "id: a\ntorque_nm: 99\n");
  auto changed = loadPack(d.string(), PackLoadOptions{keys / "k.pub.pem", true});
  ASSERT_FALSE(changed.ok());
  EXPECT_NE(changed.error().where.find("a.yaml"), std::string::npos);
  write(d / "procedures" / "a.yaml", "id: a\n");
  EXPECT_TRUE(verifyPackDir(d, keys / "k.pub.pem").ok());

  // An added file: refused.
  write(d / "media" / "extra.png", "x");
  auto added = verifyPackDir(d, keys / "k.pub.pem");
  ASSERT_FALSE(added.ok());
  EXPECT_NE(added.error().message.find("added"), std::string::npos);
  fs::remove_all(d / "media");

  // Unsigned pack with require_signature: refused.
  const fs::path u = makePack("unsigned");
  EXPECT_FALSE(loadPack(u.string(), PackLoadOptions{keys / "k.pub.pem", true}).ok());
  EXPECT_FALSE(loadPack(u.string(), PackLoadOptions{{}, true}).ok());
}

TEST(Pack, ReadTextFileErrors) {
  EXPECT_FALSE(readTextFile("/nonexistent/file.yaml").ok());
  EXPECT_FALSE(readTextFile(fs::temp_directory_path()).ok());
  const fs::path d = makePack("text");
  auto t = readTextFile(d / "pack.yaml");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, kPackYaml);
}

// markers.yaml `registration:` overrides the verdict limits of this pack; absent keys stay 0 (the app's default).
TEST(Pack, MarkerMapRegistrationLimits) {
  auto r = parseMarkerMap(std::string(kMarkersYaml) + "registration:\n  good_error_mm: 5\n  max_error_mm: 15\n", "m.yaml");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_DOUBLE_EQ(r->registration.good_error_mm, 5);
  EXPECT_DOUBLE_EQ(r->registration.max_error_mm, 15);
  EXPECT_DOUBLE_EQ(r->registration.good_rms_px, 0);
  EXPECT_DOUBLE_EQ(parseMarkerMap(kMarkersYaml, "m.yaml")->registration.max_rms_px, 0);
  for (const char* bad : {"registration:\n  good_error_mm: -1\n", "registration:\n  max_mm: 4\n",
                          "registration:\n  good_error_mm: 20\n  max_error_mm: 10\n", "registration: 5\n"}) {
    auto b = parseMarkerMap(std::string(kMarkersYaml) + bad, "m.yaml");
    EXPECT_FALSE(b.ok()) << bad;
  }
}
