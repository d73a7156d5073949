// Benchmark: runtime model load (.rmdl, mmap) vs Assimp ReadFile of the source, resident memory after load, import
// time of the 646k-triangle model, and each LOD's measured surface deviation against its bound. One run, same files.
#include <gtest/gtest.h>

#include <assimp/Importer.hpp>
#include <assimp/postprocess.h>
#include <assimp/scene.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

#include "rivet/content/model_file.hpp"
#include "rivet/import/deviation.hpp"
#include "rivet/import/importer.hpp"

namespace fs = std::filesystem;
using namespace rivet;
using Clock = std::chrono::steady_clock;

namespace {

fs::path cad() {
  const char* env = std::getenv("RIVET_SHARED_DATA");
  return fs::path(env != nullptr ? env : RIVET_SOURCE_DIR "/../shared/data") / "cad";
}

// Resident memory of this process from /proc/self/status: {total, anonymous} in bytes.
std::pair<double, double> resident() {
  std::ifstream in("/proc/self/status");
  std::string key;
  double total = 0, anon = 0, kb = 0;
  while (in >> key) {
    if (key == "VmRSS:" && in >> kb) total = kb * 1024;
    else if (key == "RssAnon:" && in >> kb) anon = kb * 1024;
  }
  return {total, anon};
}

struct Sample {
  double seconds = 0;
  double rss_mb = 0;       // resident growth caused by the operation (what stays after it returns)
  double rss_anon_mb = 0;  // of which anonymous (heap) memory; the rest is file pages shared with the page cache
  bool ok = false;
};

// Runs `op` in a fresh child process (cold allocator, fresh mapping; file in the page cache) and measures it.
Sample inChild(const std::function<bool()>& op) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    const auto before = resident();
    const auto t0 = Clock::now();
    const bool ok = op();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    const auto after = resident();
    constexpr double kMb = 1024.0 * 1024.0;
    Sample r{s, (after.first - before.first) / kMb, (after.second - before.second) / kMb, ok};
    [[maybe_unused]] auto n = ::write(fds[1], &r, sizeof r);
    ::_exit(0);
  }
  ::close(fds[1]);
  Sample r{};
  [[maybe_unused]] auto n = ::read(fds[0], &r, sizeof r);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return r;
}

Sample median(const std::function<bool()>& op, int runs) {
  std::vector<Sample> s;
  for (int i = 0; i < runs; ++i) s.push_back(inChild(op));
  std::sort(s.begin(), s.end(), [](const Sample& a, const Sample& b) { return a.seconds < b.seconds; });
  Sample m = s[s.size() / 2];
  for (const auto& x : s) m.ok = m.ok && x.ok;
  return m;
}

// Deviation between a part's stored LOD0 and one of its stored LODs (decoded, quantisation included), every
// vertex, centroid and edge midpoint of both surfaces, searched up to `cap` metres.
import::DeviationReport deviation(const std::vector<content::Vertex>& vertices, const content::Model& m,
                                  const content::Part& p, const content::PartLod& l, double cap) {
  const auto range = [&](std::uint32_t first, std::uint32_t count) {
    return std::vector<std::uint32_t>(m.indices.begin() + first, m.indices.begin() + first + count);
  };
  return import::measureEverySample(vertices, range(p.first_index, p.index_count),
                                    range(l.first_index, l.index_count), cap);
}

}  // namespace

TEST(BenchContent, LoadImportAndLods) {
#ifdef NDEBUG
  constexpr bool kOptimised = true;
#else
  constexpr bool kOptimised = false;
#endif
  std::ostringstream table;
  table << "| model | triangles | Assimp ReadFile, no post-processing | Assimp ReadFile, render-ready | .rmdl load, full "
           "verify | .rmdl load, structure only | speed-up vs render-ready (vs no post-proc.) | RSS Assimp no-pp / "
           "render-ready (anon) | RSS .rmdl after load (anon) | RSS .rmdl after reading every vertex/index (anon) | "
           "import CPU s (wall s) | .rmdl file MB |\n"
        << "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  std::ostringstream lods;
  lods << "| model | part | LOD | bound mm | rivet-import's error mm (measured + 2 x quantisation) | of which "
          "quantisation um (2 x half step) | bench measured max mm (stored LOD vs stored LOD0) | samples beyond 2x "
          "bound | triangles |\n"
       << "|---|---|---|---|---|---|---|---|---|\n";
  const fs::path tmp = fs::temp_directory_path() / ("rivet_bench_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  struct ImportRun {
    double cpu_s = 0, wall_s = 0;
    std::size_t triangles = 0;
    bool ok = false;
  };
  const std::vector<std::string> sources = {"derived-occt/linkrods_fine_646k.glb", "derived-occt/box_sides_assembly.glb"};
  // Phase 1: import each source in a child process (keeps this process small for the memory measurements).
  std::vector<ImportRun> imports;
  for (const auto& rel : sources) {
    const fs::path src = cad() / rel;
    ASSERT_TRUE(fs::exists(src)) << src;
    const fs::path out = tmp / (src.stem().string() + ".rmdl");
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    if (pid == 0) {
      const auto cpu = [] {
        double s = 0;
        for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
          rusage u{};
          ::getrusage(who, &u);
          s += static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
               static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
        }
        return s;
      };
      import::ImportOptions o;
      o.inputs = {src.string()};
      const double cpu0 = cpu();
      const auto t0 = Clock::now();
      auto r = import::importModel(o);
      ImportRun run;
      run.ok = r.ok() && content::saveModel(out.string(), r->model).ok();
      run.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
      run.cpu_s = cpu() - cpu0;  // this process plus its reader child, one core each, one after the other
      run.triangles = r.ok() ? r->summary.triangles : 0;
      [[maybe_unused]] auto n = ::write(fds[1], &run, sizeof run);
      ::_exit(0);
    }
    ::close(fds[1]);
    ImportRun run;
    [[maybe_unused]] auto n = ::read(fds[0], &run, sizeof run);
    ::close(fds[0]);
    ::waitpid(pid, nullptr, 0);
    ASSERT_TRUE(run.ok) << src;
    imports.push_back(run);
  }
  // Phase 2: load timings and resident memory, each in a fresh child of this (small) process.
  ::malloc_trim(0);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const fs::path src = cad() / sources[i];
    const std::string src_path = src.string(), out_path = (tmp / (src.stem().string() + ".rmdl")).string();
    // Peers: Assimp's plain parse, and Assimp producing what the .rmdl stores (triangles, welded vertices, smooth
    // normals, vertex-cache order). The scene is kept alive so its memory is counted.
    const auto assimpRead = [&](unsigned flags) {
      return [&src_path, flags] {
        static Assimp::Importer* keep = nullptr;
        keep = new Assimp::Importer();
        return keep->ReadFile(src_path, flags) != nullptr;
      };
    };
    const Sample assimp_raw = median(assimpRead(0), 5);
    const Sample assimp = median(assimpRead(aiProcess_Triangulate | aiProcess_JoinIdenticalVertices |
                                            aiProcess_GenSmoothNormals | aiProcess_ImproveCacheLocality |
                                            aiProcess_SortByPType), 3);
    const Sample full = median([&] {
      static content::Model keep;
      auto m = content::loadModel(out_path);
      if (!m) return false;
      keep = std::move(*m);
      return keep.indices.size() > 0;
    }, 7);
    const Sample structure = median([&] {
      static content::Model keep;
      auto m = content::loadModel(out_path, content::ModelLoadOptions{content::ModelVerify::Structure});
      if (!m) return false;
      keep = std::move(*m);
      return keep.indices.size() > 0;
    }, 7);
    // What a renderer does next: read every vertex and index once (file pages become resident, not anonymous).
    const Sample touched = median([&] {
      static content::Model keep;
      auto m = content::loadModel(out_path);
      if (!m) return false;
      keep = std::move(*m);
      volatile float sink = 0;
      for (const auto& v : keep.vertices) sink = sink + static_cast<float>(v.position[0]);
      for (auto idx : keep.indices) sink = sink + static_cast<float>(idx);
      return true;
    }, 3);
    ASSERT_TRUE(assimp_raw.ok && assimp.ok && full.ok && structure.ok && touched.ok);
    const double speedup = assimp.seconds / full.seconds;
    table.setf(std::ios::fixed);
    table.precision(1);
    table << "| " << src.filename().string() << " | " << imports[i].triangles << " | " << assimp_raw.seconds * 1000
          << " ms | " << assimp.seconds * 1000 << " ms | " << full.seconds * 1000 << " ms | "
          << structure.seconds * 1000 << " ms | " << speedup << "x (" << assimp_raw.seconds / full.seconds
          << "x) | " << assimp_raw.rss_mb << " / " << assimp.rss_mb << " MB (" << assimp_raw.rss_anon_mb << " / "
          << assimp.rss_anon_mb << ") | " << full.rss_mb << " MB (" << full.rss_anon_mb << ") | "
          << touched.rss_mb << " MB (" << touched.rss_anon_mb << ") | " << imports[i].cpu_s << " ("
          << imports[i].wall_s << ") | " << static_cast<double>(fs::file_size(out_path)) / (1024.0 * 1024.0)
          << " |\n";
    EXPECT_GE(speedup, 20.0) << src;
    EXPECT_GE(assimp_raw.seconds / full.seconds, 20.0) << src << ": vs Assimp ReadFile without post-processing";
    EXPECT_LE(full.rss_mb, assimp.rss_mb / 3.0) << src;
    if (kOptimised && imports[i].triangles > 600000) {
      EXPECT_LE(imports[i].cpu_s, 10.0);
    }
  }
  // Phase 3: LOD deviation of the stored (quantised) LODs, every sample (rivet-import checks a subsample while it
  // simplifies), against each bound.
  const std::vector<double> bounds_mm = import::ImportOptions{}.lod_errors_mm;
  for (const auto& rel : sources) {
    const fs::path src = cad() / rel;
    auto loaded = content::loadModel((tmp / (src.stem().string() + ".rmdl")).string());
    ASSERT_TRUE(loaded.ok());
    const auto& m = *loaded;
    const std::vector<content::Vertex> vertices = content::decodeVertices(m);
    {
      for (const auto& p : m.parts)
      for (std::size_t li = 0; li < p.lods.size(); ++li) {
        const auto& l = p.lods[li];
        // The bound belongs to the LOD whose reported error is below it: find the smallest bound >= reported.
        double b = bounds_mm.back() * 0.001;
        for (double x : bounds_mm)
          if (x * 0.001 >= l.error_m * 0.9999) {
            b = x * 0.001;
            break;
          }
        const import::DeviationReport d = deviation(vertices, m, p, l, 2 * b);
        lods.setf(std::ios::fixed);
        lods.precision(3);
        lods << "| " << src.filename().string() << " | " << p.id << " | " << li + 1 << " | " << b * 1000 << " | "
             << l.error_m * 1000 << " | " << 2 * m.quantization.maxErrorM() * 1e6 << " | " << d.max_m * 1000
             << " | " << d.beyond << "/" << d.samples << " | " << l.index_count / 3 << " |\n";
        EXPECT_GE(l.error_m, 2 * m.quantization.maxErrorM() * 0.999) << "the LOD error includes the quantisation";
        EXPECT_LE(l.error_m, b * 1.0001) << p.id << " LOD" << li + 1;
        EXPECT_EQ(d.beyond, 0u) << p.id << " LOD" << li + 1;
        EXPECT_LE(d.max_m, b * 1.25) << p.id << " LOD" << li + 1 << " measured " << d.max_m * 1000 << " mm";
      }
    }
  }
  const std::string report = "Build: " + std::string(kOptimised ? "optimised (NDEBUG)" : "debug/sanitised") +
                             "\n\n" + table.str() + "\n" + lods.str();
  std::cout << report;
  fs::create_directories(fs::path(RIVET_BINARY_DIR) / "bench");
  std::ofstream(fs::path(RIVET_BINARY_DIR) / "bench" / "content.md") << report;
  fs::remove_all(tmp);
}
