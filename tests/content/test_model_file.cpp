// Unit tests for the .rmdl runtime model format: round trip, mapping, and rejection of every kind of damage.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "rivet/content/model_file.hpp"

namespace fs = std::filesystem;
using rivet::content::loadModel;
using rivet::content::Model;
using rivet::content::ModelLoadOptions;
using rivet::content::ModelVerify;
using rivet::content::saveModel;

namespace {

fs::path tempDir() {
  const fs::path d = fs::temp_directory_path() / ("rivet_test_model_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

Model twoPartModel() {
  std::vector<rivet::content::Vertex> v = {
      {{0, 0, 0}, {0, 0, 1}}, {{1, 0, 0}, {0, 0, 1}}, {{0, 1, 0}, {0, 0, 1}},
      {{0, 0, 2}, {0, 1, 0}}, {{1, 0, 2}, {0, 1, 0}}, {{0, 0, 3}, {0, 1, 0}}, {{1, 0, 3}, {0, 1, 0}}};
  std::vector<std::uint32_t> idx = {0, 1, 2, 3, 4, 5, 4, 6, 5, /* LOD of part 1: */ 3, 4, 5};
  std::vector<rivet::content::Part> parts(2);
  parts[0].id = "base";
  parts[0].name = "Base plate";
  parts[0].first_index = 0;
  parts[0].index_count = 3;
  parts[1].id = "base/arm";
  parts[1].name = "Arm (élément 2)";
  parts[1].parent = 0;
  parts[1].first_index = 3;
  parts[1].index_count = 6;
  parts[1].color = {1.0f, 0.5f, 0.25f, 1.0f};
  parts[1].lods.push_back({9, 3, 0.002f});
  return rivet::content::makeModel(std::move(v), std::move(idx), std::move(parts));
}

std::vector<char> readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void writeAll(const fs::path& p, const std::vector<char>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST(ModelFile, RoundTripKeepsEverything) {
  const fs::path file = tempDir() / "two.rmdl";
  const Model src = twoPartModel();
  ASSERT_TRUE(saveModel(file.string(), src).ok());
  auto loaded = loadModel(file.string());
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  const Model& m = *loaded;
  ASSERT_EQ(m.vertices.size(), src.vertices.size());
  ASSERT_EQ(m.indices.size(), src.indices.size());
  EXPECT_EQ(0, std::memcmp(m.vertices.data(), src.vertices.data(), src.vertices.size_bytes()));
  EXPECT_TRUE(std::equal(m.indices.begin(), m.indices.end(), src.indices.begin()));
  ASSERT_EQ(m.parts.size(), 2u);
  EXPECT_EQ(m.parts[1].id, "base/arm");
  EXPECT_EQ(m.parts[1].name, "Arm (élément 2)");
  EXPECT_EQ(m.parts[1].parent, 0);
  EXPECT_EQ(m.parts[1].color[1], 0.5f);
  ASSERT_EQ(m.parts[1].lods.size(), 1u);
  EXPECT_EQ(m.parts[1].lods[0].first_index, 9u);
  EXPECT_FLOAT_EQ(m.parts[1].lods[0].error_m, 0.002f);
  EXPECT_EQ(m.bounds.max[2], 3.0f);
  EXPECT_EQ(m.parts[0].bounds.max[1], 1.0f);
  EXPECT_EQ(m.findPart("Arm (élément 2)"), 1);
  // The spans point into the file mapping, not into a copy.
  const auto* file_begin = static_cast<const char*>(m.storage.get());
  EXPECT_NE(file_begin, nullptr);
  EXPECT_NE(static_cast<const void*>(m.vertices.data()), static_cast<const void*>(src.vertices.data()));
}

TEST(ModelFile, SpansStayValidWhileAnyCopyLives) {
  const fs::path file = tempDir() / "copy.rmdl";
  ASSERT_TRUE(saveModel(file.string(), twoPartModel()).ok());
  Model copy;
  {
    auto loaded = loadModel(file.string());
    ASSERT_TRUE(loaded.ok());
    copy = *loaded;
  }
  fs::remove(file);  // the mapping keeps the data even once the name is gone
  EXPECT_EQ(copy.vertices[6].position[2], 3.0f);
}

TEST(ModelFile, RejectsEveryFlippedByteInFullMode) {
  const fs::path file = tempDir() / "flip.rmdl";
  ASSERT_TRUE(saveModel(file.string(), twoPartModel()).ok());
  const auto good = readAll(file);
  const fs::path bad = tempDir() / "flip_bad.rmdl";
  int accepted = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    auto bytes = good;
    bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
    writeAll(bad, bytes);
    auto r = loadModel(bad.string());
    if (r.ok()) {
      // Only padding bytes between sections may change without notice.
      ++accepted;
    } else {
      EXPECT_EQ(r.error().where, bad.string());
      EXPECT_FALSE(r.error().hint.empty());
    }
  }
  // header 96 + table 280 = 376 -> first section at 384: 8 padding bytes there, plus padding after each section.
  EXPECT_LT(accepted, 64 * 5);
  EXPECT_GT(accepted, 0);
}

TEST(ModelFile, TruncatedFilesAreErrorsNotCrashes) {
  const fs::path file = tempDir() / "trunc.rmdl";
  ASSERT_TRUE(saveModel(file.string(), twoPartModel()).ok());
  const auto good = readAll(file);
  const fs::path bad = tempDir() / "trunc_bad.rmdl";
  for (std::size_t n : {std::size_t{0}, std::size_t{7}, std::size_t{95}, std::size_t{376}, good.size() - 1}) {
    writeAll(bad, std::vector<char>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n)));
    for (auto mode : {ModelVerify::Full, ModelVerify::Structure}) {
      auto r = loadModel(bad.string(), ModelLoadOptions{mode});
      EXPECT_FALSE(r.ok()) << "size " << n;
    }
  }
}

TEST(ModelFile, StructureModeSkipsHashesButStillChecksRanges) {
  const fs::path file = tempDir() / "struct.rmdl";
  ASSERT_TRUE(saveModel(file.string(), twoPartModel()).ok());
  auto bytes = readAll(file);
  // Change a vertex coordinate (first vertex section starts at 384): Full refuses, Structure accepts.
  bytes[384] = static_cast<char>(bytes[384] ^ 0x01);
  writeAll(file, bytes);
  EXPECT_FALSE(loadModel(file.string()).ok());
  EXPECT_TRUE(loadModel(file.string(), ModelLoadOptions{ModelVerify::Structure}).ok());
}

TEST(ModelFile, NotAModelAndMissingFile) {
  const fs::path file = tempDir() / "text.rmdl";
  std::ofstream(file) << std::string(1000, 'x');
  auto r = loadModel(file.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("RIVETMDL"), std::string::npos);
  auto missing = loadModel((tempDir() / "nope.rmdl").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("cannot open"), std::string::npos);
}

TEST(ModelFile, SaveRefusesOutOfRangeIndices) {
  Model bad = twoPartModel();
  std::vector<std::uint32_t> idx(bad.indices.begin(), bad.indices.end());
  idx[2] = 99;
  bad.indices = idx;
  const fs::path file = tempDir() / "never.rmdl";
  EXPECT_FALSE(saveModel(file.string(), bad).ok());
  EXPECT_FALSE(fs::exists(file));
}

TEST(ModelFile, SaveIntoMissingFolderFailsClearly) {
  auto st = saveModel("/nonexistent-dir/x.rmdl", twoPartModel());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().hint.find("output folder"), std::string::npos);
}

#include "checksum.hpp"

TEST(ModelFile, Xxh64MatchesReferenceVectors) {
  using rivet::content::detail::Xxh64;
  EXPECT_EQ(Xxh64::hash("", 0), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(Xxh64::hash("a", 1), 0xD24EC4F1A98C6E5BULL);
  EXPECT_EQ(Xxh64::hash("abc", 3), 0x44BC2CF5AD770999ULL);
  // Long input exercises the 32-byte stripes: any change of a byte changes the hash.
  std::vector<char> big(1000, 'x');
  const auto h = Xxh64::hash(big.data(), big.size());
  big[517] = 'y';
  EXPECT_NE(h, Xxh64::hash(big.data(), big.size()));
}
