// Unit tests for the .rmdl runtime model format: round trip, mapping, and rejection of every kind of damage.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
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
  EXPECT_EQ(rivet::content::decodePosition(copy, 6)[2], 3.0f);
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
  // header 128 + table 280 = 408 -> first section at 448: 40 padding bytes there, plus padding after each section.
  EXPECT_LT(accepted, 64 * 5);
  EXPECT_GT(accepted, 0);
}

TEST(ModelFile, TruncatedFilesAreErrorsNotCrashes) {
  const fs::path file = tempDir() / "trunc.rmdl";
  ASSERT_TRUE(saveModel(file.string(), twoPartModel()).ok());
  const auto good = readAll(file);
  const fs::path bad = tempDir() / "trunc_bad.rmdl";
  for (std::size_t n : {std::size_t{0}, std::size_t{7}, std::size_t{127}, std::size_t{408}, good.size() - 1}) {
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
  // Change a vertex coordinate (first vertex section starts at 448): Full refuses, Structure accepts.
  bytes[448] = static_cast<char>(bytes[448] ^ 0x01);
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

TEST(ModelFile, OldVersionAsksToReimport) {
  const fs::path file = tempDir() / "v1.rmdl";
  ASSERT_TRUE(saveModel(file.string(), twoPartModel()).ok());
  auto bytes = readAll(file);
  bytes[8] = 1;  // version field (u32 after the 8-byte magic): a version-1 file (float vertices)
  writeAll(file, bytes);
  for (auto mode : {ModelVerify::Full, ModelVerify::Structure}) {
    auto r = loadModel(file.string(), ModelLoadOptions{mode});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("version 1"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().hint.find("re-import"), std::string::npos) << r.error().hint;
  }
}

TEST(ModelFile, VerticesAreTwelveBytesInTheFile) {
  const fs::path file = tempDir() / "size.rmdl";
  const Model src = twoPartModel();
  ASSERT_TRUE(saveModel(file.string(), src).ok());
  // header 128 + table 280 -> 448; 7 vertices x 12 = 84 -> next section at 576; 12 indices x 4 = 48 -> 640;
  // 2 parts x 96 = 192 -> 832; 1 LOD x 16 -> 896; strings "base" "Base plate" "base/arm" "Arm (élément 2)" -> 960.
  EXPECT_EQ(fs::file_size(file), 960u);
}

TEST(ModelQuantization, PositionsWithinHalfAStepNormalsWithinAHundredthOfADegree) {
  using rivet::content::Vertex;
  std::vector<Vertex> v;
  std::uint32_t seed = 12345;
  const auto rnd = [&] {  // deterministic, -1..1
    seed = seed * 1664525u + 1013904223u;
    return static_cast<float>(seed >> 8) / static_cast<float>(1u << 23) - 1.0f;
  };
  for (int i = 0; i < 20000; ++i) {
    std::array<float, 3> n{rnd(), rnd(), rnd()};
    const float l = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    if (l < 1e-3f) continue;
    v.push_back({{1.5f * rnd() + 0.2f, 0.3f * rnd() - 4.0f, 0.01f * rnd()}, {n[0] / l, n[1] / l, n[2] / l}});
  }
  for (const auto& axis : {std::array<float, 3>{1, 0, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}})
    v.push_back({{0, -4, 0}, axis});
  const auto src = v;
  std::vector<std::uint32_t> idx = {0, 1, 2};
  const Model m = rivet::content::makeModel(std::move(v), std::move(idx), {});
  const double qerr = m.quantization.maxErrorM();
  // 16 bits over a 3 m x 0.6 m x 0.02 m box: about 23 um per step on x; half-step errors combined.
  EXPECT_LT(qerr, 30e-6);
  EXPECT_GT(qerr, 10e-6);
  double worst_pos = 0, worst_angle = 0;
  for (std::size_t i = 0; i < src.size(); ++i) {
    const auto d = rivet::content::decodeVertex(m, i);
    double e2 = 0, dot = 0;
    for (std::size_t a = 0; a < 3; ++a) {
      e2 += (d.position[a] - src[i].position[a]) * (d.position[a] - src[i].position[a]);
      dot += static_cast<double>(d.normal[a]) * src[i].normal[a];
    }
    const auto& p = d.normal;
    const auto& q = src[i].normal;
    const double cx = double{p[1]} * q[2] - double{p[2]} * q[1], cy = double{p[2]} * q[0] - double{p[0]} * q[2],
                 cz = double{p[0]} * q[1] - double{p[1]} * q[0];
    worst_pos = std::max(worst_pos, std::sqrt(e2));
    worst_angle = std::max(worst_angle, std::atan2(std::sqrt(cx * cx + cy * cy + cz * cz), dot));
  }
  EXPECT_LE(worst_pos, qerr * 1.001);
  EXPECT_GT(worst_pos, qerr * 0.3);  // the test does exercise the quantisation
  EXPECT_LT(worst_angle, 0.01 * M_PI / 180) << worst_angle * 180 / M_PI << " degrees";
  EXPECT_GT(worst_angle, 0.0001 * M_PI / 180);  // the normals are quantised
  // Bounds come from the quantised positions and contain every decoded vertex.
  const auto b = rivet::content::vertexBounds(m);
  EXPECT_NEAR(b.min[1], -4.3f, 1e-3);
  EXPECT_NEAR(b.max[0], 1.7f, 1e-3);
}

TEST(ModelQuantization, FlatAndSinglePointModelsKeepTheirCoordinates) {
  std::vector<rivet::content::Vertex> v = {{{0.25f, 2, 0}, {0, 1, 0}}, {{0.5f, 2, 0}, {0, 1, 0}}, {{0.5f, 2, 1}, {0, 1, 0}}};
  const Model m = rivet::content::makeModel(std::move(v), {0, 1, 2}, {});
  for (std::size_t a = 0; a < 3; ++a) EXPECT_GT(m.quantization.scale_m[a], 0.0f);
  EXPECT_EQ(rivet::content::decodePosition(m, 0)[1], 2.0f);  // flat axis: exact
  EXPECT_EQ(rivet::content::decodePosition(m, 2)[2], 1.0f);
  EXPECT_EQ(rivet::content::decodeVertex(m, 1).normal[1], 1.0f);
}

#include "checksum.hpp"

TEST(ModelFile, FullModeRefusesAnIndexPastTheVerticesEvenWithValidChecksums) {
  // A file whose checksums are right but whose index section points past the vertices (a writer bug, not damage):
  // Full mode finds it in the checksum pass; Structure mode does not look at the indices.
  using rivet::content::detail::Xxh64;
  const fs::path file = tempDir() / "badindex.rmdl";
  ASSERT_TRUE(saveModel(file.string(), twoPartModel()).ok());
  auto bytes = readAll(file);
  constexpr std::size_t kTable = 128, kEntry = 56, kIndexEntry = kTable + kEntry;  // section 2 = indices
  std::uint64_t offset = 0, count = 0;
  std::memcpy(&offset, bytes.data() + kIndexEntry + 8, 8);
  std::memcpy(&count, bytes.data() + kIndexEntry + 16, 8);
  ASSERT_EQ(count, 12u);
  const std::uint32_t bad = 7;  // the model has 7 vertices
  std::memcpy(bytes.data() + offset + 5 * 4, &bad, 4);
  const std::uint64_t section_hash = Xxh64::hash(bytes.data() + offset, count * 4);
  std::memcpy(bytes.data() + kIndexEntry + 24, &section_hash, 8);
  std::vector<char> hashed(bytes.begin(), bytes.begin() + 80);
  hashed.insert(hashed.end(), bytes.begin() + kTable, bytes.begin() + kTable + 5 * kEntry);
  const std::uint64_t header_hash = Xxh64::hash(hashed.data(), hashed.size());
  std::memcpy(bytes.data() + 80, &header_hash, 8);
  writeAll(file, bytes);
  auto r = loadModel(file.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("index 5 (7) is not below the vertex count (7)"), std::string::npos)
      << r.error().message;
  EXPECT_TRUE(loadModel(file.string(), ModelLoadOptions{ModelVerify::Structure}).ok());
}

TEST(ModelFile, Xxh64MatchesReferenceVectors) {
  using rivet::content::detail::Xxh64;
  EXPECT_EQ(Xxh64::hash("", 0), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(Xxh64::hash("a", 1), 0xD24EC4F1A98C6E5BULL);
  EXPECT_EQ(Xxh64::hash("abc", 3), 0x44BC2CF5AD770999ULL);
  // Long input exercises the 32-byte stripes: any change of a byte changes the hash.
  std::vector<char> big(1000, 'x');
  const auto h = Xxh64::hash(big.data(), big.size());
  // Fed in pieces of any size (as loadModel feeds the index section), the digest is the same as in one piece.
  for (std::size_t piece : {1u, 7u, 31u, 32u, 33u, 64u, 999u}) {
    Xxh64 stream;
    for (std::size_t at = 0; at < big.size(); at += piece) stream.update(big.data() + at, std::min(piece, big.size() - at));
    EXPECT_EQ(stream.digest(), h) << "pieces of " << piece;
  }
  big[517] = 'y';
  EXPECT_NE(h, Xxh64::hash(big.data(), big.size()));
}
