// Import pipeline: sandboxed reads -> units/axes/placement -> part tree + ids -> normals, weld, ordering, LODs.
#include "rivet/import/importer.hpp"

#include <meshoptimizer.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "assembly.hpp"
#include "rivet/import/deviation.hpp"
#include "readers.hpp"
#include "sandbox.hpp"

namespace rivet::import {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A part being built, in model coordinates (metres, Y-up).
struct Node {
  std::string id, name;
  int parent = -1;
  std::vector<float> pos, nrm;
  std::vector<std::uint32_t> idx;
  std::array<float, 4> color{0.7f, 0.7f, 0.7f, 1.0f};
  bool has_color = false;
};

// Z-up -> Y-up: (x, y, z) -> (x, z, -y).
const Transform kZupToYup = {1, 0, 0, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 0, 0, 1};
const Transform kYupToZup = {1, 0, 0, 0, 0, 0, -1, 0, 0, 1, 0, 0, 0, 0, 0, 1};

double seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

std::string lowerExt(const std::string& path) {
  std::string e = fs::path(path).extension().string();
  for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}

bool isGenericName(const std::string& n) {
  static const std::set<std::string> kGeneric = {"", "RootNode", "Root", "ROOT", "root", "Scene", "scene",
                                                 "<STL_BINARY>", "<STL_ASCII>", "defaultobject"};
  return kGeneric.count(n) > 0 || (n.size() > 1 && n.front() == '<' && n.back() == '>');
}

std::string idSegment(const std::string& name) {
  std::string s;
  for (unsigned char c : name) {
    char o = '_';
    if (std::isalnum(c) && c < 128) o = static_cast<char>(std::tolower(c));
    else if (c == '-' || c == '.') o = static_cast<char>(c);
    if (o == '_' && (s.empty() || s.back() == '_')) continue;
    s.push_back(o);
  }
  while (!s.empty() && (s.back() == '_' || s.back() == '.')) s.pop_back();
  while (!s.empty() && s.front() == '.') s.erase(s.begin());
  return s.empty() ? "part" : s;
}

void apply(const Transform& m, double scale, std::vector<float>& pos, std::vector<float>& nrm) {
  for (std::size_t i = 0; i + 2 < pos.size(); i += 3) {
    const double x = pos[i] * scale, y = pos[i + 1] * scale, z = pos[i + 2] * scale;
    pos[i] = static_cast<float>(m[0] * x + m[1] * y + m[2] * z + m[3]);
    pos[i + 1] = static_cast<float>(m[4] * x + m[5] * y + m[6] * z + m[7]);
    pos[i + 2] = static_cast<float>(m[8] * x + m[9] * y + m[10] * z + m[11]);
  }
  for (std::size_t i = 0; i + 2 < nrm.size(); i += 3) {
    const double x = nrm[i], y = nrm[i + 1], z = nrm[i + 2];
    nrm[i] = static_cast<float>(m[0] * x + m[1] * y + m[2] * z);
    nrm[i + 1] = static_cast<float>(m[4] * x + m[5] * y + m[6] * z);
    nrm[i + 2] = static_cast<float>(m[8] * x + m[9] * y + m[10] * z);
  }
}

bool normalsUsable(const std::vector<float>& nrm, std::size_t vertex_count) {
  if (nrm.size() != vertex_count * 3) return false;
  for (std::size_t i = 0; i < nrm.size(); i += 3) {
    const float l2 = nrm[i] * nrm[i] + nrm[i + 1] * nrm[i + 1] + nrm[i + 2] * nrm[i + 2];
    if (!std::isfinite(l2) || l2 < 0.25f || l2 > 4.0f) return false;
  }
  return true;
}

// Crease-aware normals: each corner averages the (area-weighted) normals of the triangles around its position
// whose direction is within the crease angle of its own triangle. Output is one vertex per corner (welded later).
void generateNormals(const std::vector<float>& pos, const std::vector<std::uint32_t>& idx, float crease_cos,
                     std::vector<content::Vertex>& out) {
  const std::size_t vcount = pos.size() / 3, tcount = idx.size() / 3;
  std::vector<unsigned> remap(vcount);
  const std::size_t unique =
      meshopt_generateVertexRemap(remap.data(), idx.data(), idx.size(), pos.data(), vcount, sizeof(float) * 3);
  std::vector<std::array<float, 3>> fn(tcount), un(tcount);
  for (std::size_t t = 0; t < tcount; ++t) {
    const float* a = &pos[idx[3 * t] * 3];
    const float* b = &pos[idx[3 * t + 1] * 3];
    const float* c = &pos[idx[3 * t + 2] * 3];
    const float e1[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]};
    const float e2[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
    fn[t] = {e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]};
    const float l = std::sqrt(fn[t][0] * fn[t][0] + fn[t][1] * fn[t][1] + fn[t][2] * fn[t][2]);
    un[t] = l > 0 ? std::array<float, 3>{fn[t][0] / l, fn[t][1] / l, fn[t][2] / l} : std::array<float, 3>{0, 0, 0};
  }
  std::vector<std::uint32_t> start(unique + 1, 0), adj(idx.size());
  for (auto v : idx) ++start[remap[v] + 1];
  for (std::size_t i = 0; i < unique; ++i) start[i + 1] += start[i];
  std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
  for (std::size_t c = 0; c < idx.size(); ++c) adj[fill[remap[idx[c]]]++] = static_cast<std::uint32_t>(c / 3);
  out.resize(idx.size());
  for (std::size_t c = 0; c < idx.size(); ++c) {
    const std::size_t t = c / 3;
    const unsigned p = remap[idx[c]];
    double s[3] = {0, 0, 0};
    for (std::uint32_t k = start[p]; k < start[p + 1]; ++k) {
      const std::uint32_t t2 = adj[k];
      if (un[t][0] * un[t2][0] + un[t][1] * un[t2][1] + un[t][2] * un[t2][2] >= crease_cos)
        for (int a = 0; a < 3; ++a) s[a] += fn[t2][static_cast<std::size_t>(a)];
    }
    const double l = std::sqrt(s[0] * s[0] + s[1] * s[1] + s[2] * s[2]);
    content::Vertex& v = out[c];
    const float* src = &pos[idx[c] * 3];
    v.position = {src[0], src[1], src[2]};
    if (l > 0) v.normal = {static_cast<float>(s[0] / l), static_cast<float>(s[1] / l), static_cast<float>(s[2] / l)};
    else v.normal = un[t][0] == 0 && un[t][1] == 0 && un[t][2] == 0 ? std::array<float, 3>{0, 1, 0} : un[t];
  }
}

struct PartMesh {
  std::vector<content::Vertex> vertices;
  std::vector<std::uint32_t> lod0;
  struct Level {
    std::vector<std::uint32_t> indices;
    float error_m;
    std::size_t bound_index;
  };
  std::vector<Level> lods;
};

// Drops triangles with repeated indices or zero area.
void dropDegenerates(const std::vector<float>& pos, std::vector<std::uint32_t>& idx) {
  std::size_t w = 0;
  for (std::size_t t = 0; t + 2 < idx.size(); t += 3) {
    const auto a = idx[t], b = idx[t + 1], c = idx[t + 2];
    if (a == b || b == c || a == c) continue;
    const float* pa = &pos[a * 3];
    const float* pb = &pos[b * 3];
    const float* pc = &pos[c * 3];
    const float e1[3] = {pb[0] - pa[0], pb[1] - pa[1], pb[2] - pa[2]};
    const float e2[3] = {pc[0] - pa[0], pc[1] - pa[1], pc[2] - pa[2]};
    const float n[3] = {e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]};
    if (n[0] == 0 && n[1] == 0 && n[2] == 0) continue;
    idx[w++] = a, idx[w++] = b, idx[w++] = c;
  }
  idx.resize(w);
}

// quant_error_m: how far quantising a vertex position can move it (content::Quantization::maxErrorM). A stored
// LOD and the stored LOD0 both move by up to that much, so each LOD's error is its measured deviation plus twice it.
PartMesh buildPart(Node& n, const ImportOptions& o, double quant_error_m, bool& regenerated) {
  PartMesh pm;
  dropDegenerates(n.pos, n.idx);
  const std::size_t vcount = n.pos.size() / 3;
  std::vector<content::Vertex> corners;
  std::vector<std::uint32_t> idx;
  regenerated = !normalsUsable(n.nrm, vcount);
  if (regenerated) {
    generateNormals(n.pos, n.idx, std::cos(40.0f * 3.14159265f / 180.0f), corners);
    idx.resize(corners.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<std::uint32_t>(i);
  } else {
    corners.resize(vcount);
    for (std::size_t v = 0; v < vcount; ++v) {
      const float* nn = &n.nrm[v * 3];
      const float l = std::sqrt(nn[0] * nn[0] + nn[1] * nn[1] + nn[2] * nn[2]);
      corners[v] = {{n.pos[v * 3], n.pos[v * 3 + 1], n.pos[v * 3 + 2]}, {nn[0] / l, nn[1] / l, nn[2] / l}};
    }
    idx = n.idx;
  }
  const auto weld = [&]() {
    std::vector<unsigned> remap(corners.size());
    const std::size_t unique = meshopt_generateVertexRemap(remap.data(), idx.data(), idx.size(), corners.data(),
                                                           corners.size(), sizeof(content::Vertex));
    pm.vertices.resize(unique);
    meshopt_remapVertexBuffer(pm.vertices.data(), corners.data(), corners.size(), sizeof(content::Vertex),
                              remap.data());
    pm.lod0.resize(idx.size());
    meshopt_remapIndexBuffer(pm.lod0.data(), idx.data(), idx.size(), remap.data());
  };
  weld();
  if (!regenerated && pm.vertices.size() > 2 * (idx.size() / 3)) {
    // The file's normals split every corner (flat shading or noise): nothing welds and nothing can be
    // simplified. Regenerate crease-aware normals from the geometry instead.
    regenerated = true;
    generateNormals(n.pos, n.idx, std::cos(40.0f * 3.14159265f / 180.0f), corners);
    idx.resize(corners.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<std::uint32_t>(i);
    weld();
  }
  corners.clear();
  corners.shrink_to_fit();
  const float* positions = pm.vertices.empty() ? nullptr : pm.vertices[0].position.data();
  if (o.optimize && !pm.lod0.empty()) {
    meshopt_optimizeVertexCache(pm.lod0.data(), pm.lod0.data(), pm.lod0.size(), pm.vertices.size());
    meshopt_optimizeOverdraw(pm.lod0.data(), pm.lod0.data(), pm.lod0.size(), positions, pm.vertices.size(),
                             sizeof(content::Vertex), 1.05f);
    const std::size_t kept = meshopt_optimizeVertexFetch(pm.vertices.data(), pm.lod0.data(), pm.lod0.size(),
                                                         pm.vertices.data(), pm.vertices.size(), sizeof(content::Vertex));
    pm.vertices.resize(kept);
    positions = pm.vertices.empty() ? nullptr : pm.vertices[0].position.data();
  }
  const float scale =
      pm.vertices.empty() ? 0.f : meshopt_simplifyScale(positions, pm.vertices.size(), sizeof(content::Vertex));
  std::size_t prev = pm.lod0.size();
  std::unique_ptr<DeviationMeter> meter;
  // Each LOD must stay within its bound as measured (meshoptimizer's own error estimate can be optimistic on
  // CAD meshes): simplify, measure the deviation, and tighten the simplifier's target until it holds.
  for (std::size_t b = 0; b < o.lod_errors_mm.size() && scale > 0 && pm.lod0.size() >= 3 * 16; ++b) {
    const double bound_m = o.lod_errors_mm[b] * 0.001 - 2 * quant_error_m;  // left for the simplification
    if (bound_m <= 0) continue;
    float rel = static_cast<float>(bound_m) / scale;
    bool accepted = false;
    for (int attempt = 0; attempt < 5 && !accepted; ++attempt, rel *= 0.5f) {
      // Start from the previous level (much smaller); the measurement below is always against LOD0.
      const std::vector<std::uint32_t>& from = pm.lods.empty() ? pm.lod0 : pm.lods.back().indices;
      std::vector<std::uint32_t> lod(from.size());
      float err = 0;
      const std::size_t count = meshopt_simplify(lod.data(), from.data(), from.size(), positions,
                                                 pm.vertices.size(), sizeof(content::Vertex), 0, rel, 0, &err);
      if (count == 0 || count > prev * 9 / 10) break;  // vanished, or not worth a level
      lod.resize(count);
      if (!meter) meter = std::make_unique<DeviationMeter>(pm.vertices, pm.lod0);
      const double measured = meter->measure(lod, bound_m);
      if (measured > bound_m) continue;
      if (o.optimize) meshopt_optimizeVertexCache(lod.data(), lod.data(), count, pm.vertices.size());
      pm.lods.push_back({std::move(lod), static_cast<float>(measured + 2 * quant_error_m), b});
      prev = count;
      accepted = true;
    }
  }
  return pm;
}

struct Builder {
  const ImportOptions& o;
  ImportSummary& summary;
  std::vector<Node> nodes;
  std::map<std::pair<int, std::string>, int> used_ids;  // (parent, id) -> count

  std::string uniqueId(int parent, const std::string& seg) {
    const std::string base = parent >= 0 ? nodes[static_cast<std::size_t>(parent)].id + "/" + seg
                                         : (o.name_prefix.empty() ? seg : idSegment(o.name_prefix) + "/" + seg);
    int& count = used_ids[{parent, base}];
    ++count;
    return count == 1 ? base : base + "_" + std::to_string(count);
  }

  int addNode(int parent, const std::string& id_seg_or_full, const std::string& name, bool full_id) {
    Node n;
    n.id = full_id ? id_seg_or_full : uniqueId(parent, idSegment(id_seg_or_full));
    n.name = name;
    n.parent = parent;
    nodes.push_back(std::move(n));
    return static_cast<int>(nodes.size()) - 1;
  }

  // Reads one file and hangs its nodes under `parent` (or merges them into `into` when flattening).
  core::Status addFile(const std::string& path, const Transform& placement_yup, int parent, int into,
                       const std::string& unit_override, char up_override, double progress_from, double progress_to) {
    const auto t0 = Clock::now();
    const SourceKind kind = sourceKindOf(path);
    const std::string format = formatNameOf(path);
    if (kind == SourceKind::Unknown)
      return core::makeError("unsupported file type '" + lowerExt(path) + "'", path,
                             "use STEP/IGES, glTF/GLB, FBX, OBJ, STL, PLY, 3MF, COLLADA or another format Assimp reads");
    if (!fs::is_regular_file(path)) return core::makeError("input file not found", path, "check the path");
    ReadOptions ro;
    ro.tolerance_mm = o.tolerance_mm;
    ro.angular_deg = o.angular_deg;
    SandboxLimits limits{o.max_memory_mb, o.timeout_s};
    const ProgressFn relay = [&](double f, const std::string& what) {
      if (o.progress)
        o.progress(progress_from + (progress_to - progress_from) * std::clamp(f, 0.0, 1.0),
                   fs::path(path).filename().string() + ": " + what);
    };
    auto scene = runSandboxed(
        path, format, limits,
        [&](const ProgressFn& p) -> core::Result<ImportedScene> {
          ro.progress = p;
          if (kind == SourceKind::Assimp) return readWithAssimp(path, ro);
          return readWithOcct(path, ro, kind == SourceKind::Iges);
        },
        relay);
    if (!scene) return scene.error();
    ImportedScene& s = *scene;

    InputSummary in;
    in.path = path;
    in.format = s.format;
    const std::string unit = unit_override.empty() ? o.unit : unit_override;
    const bool forced = !unit_override.empty() || o.force_unit;
    if (!unit.empty() && (forced || s.metres_per_unit <= 0)) {
      in.metres_per_unit = metresPerUnit(unit);
      in.unit_source = "--unit " + unit + (s.metres_per_unit > 0 ? " (overrides the file: " + s.unit_note + ")" : "");
    } else if (s.metres_per_unit > 0) {
      in.metres_per_unit = s.metres_per_unit;
      in.unit_source = "file: " + s.unit_note;
    } else {
      in.metres_per_unit = 0.001;
      in.unit_source = "assumed millimetres (" + format + " does not state a unit; use --unit)";
      summary.warnings.push_back(path + ": " + format + " files do not state a unit; millimetres assumed (use --unit)");
    }
    static const std::set<std::string> kZupFormats = {".step", ".stp", ".iges", ".igs", ".stl", ".ply", ".3mf"};
    in.up = up_override != 0 ? up_override : o.up != 0 ? o.up : s.up != 0 ? s.up : kZupFormats.count(lowerExt(path)) ? 'z' : 'y';
    const Transform m = in.up == 'z' ? multiply(placement_yup, kZupToYup) : placement_yup;

    // Extent in metres before placement, for the plausibility check.
    float lo[3] = {std::numeric_limits<float>::max(), std::numeric_limits<float>::max(), std::numeric_limits<float>::max()};
    float hi[3] = {-lo[0], -lo[1], -lo[2]};
    for (const auto& n : s.nodes)
      for (std::size_t i = 0; i + 2 < n.positions.size(); i += 3)
        for (int a = 0; a < 3; ++a) {
          lo[a] = std::min(lo[a], n.positions[i + static_cast<std::size_t>(a)]);
          hi[a] = std::max(hi[a], n.positions[i + static_cast<std::size_t>(a)]);
        }
    const double extent_m = std::max({hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]}) * in.metres_per_unit;
    if (extent_m > 100)
      summary.warnings.push_back(path + ": " + std::to_string(static_cast<long>(extent_m)) +
                                 " m across: implausible for a machine part; if the file is in millimetres, use --unit mm");
    else if (extent_m > 0 && extent_m < 0.002)
      summary.warnings.push_back(path + ": only " + std::to_string(extent_m * 1000) +
                                 " mm across: implausibly small; if the file is in metres or inches, use --unit m or --unit in");

    for (auto& n : s.nodes) {
      apply(m, in.metres_per_unit, n.positions, n.normals);
      if (n.instance_of >= 0) ++in.instances;
      in.triangles += n.indices.size() / 3;
    }
    in.nodes = s.nodes.size();
    for (const auto& w : s.warnings) summary.warnings.push_back(path + ": " + w);
    for (const auto& w : s.notes) summary.notes.push_back(path + ": " + w);

    if (into >= 0) {
      Node& dst = nodes[static_cast<std::size_t>(into)];
      std::size_t best_tris = 0;
      bool all_normals = true;
      for (const auto& n : s.nodes)
        if (!n.indices.empty() && n.normals.size() != n.positions.size()) all_normals = false;
      for (const auto& n : s.nodes) {
        if (n.indices.empty()) continue;
        const auto base = static_cast<std::uint32_t>(dst.pos.size() / 3);
        dst.pos.insert(dst.pos.end(), n.positions.begin(), n.positions.end());
        if (all_normals) dst.nrm.insert(dst.nrm.end(), n.normals.begin(), n.normals.end());
        for (auto i : n.indices) dst.idx.push_back(base + i);
        if (n.has_color && n.indices.size() / 3 > best_tris && !dst.has_color) {
          best_tris = n.indices.size() / 3;
          dst.color = n.color;
        }
      }
      if (!all_normals) dst.nrm.clear();
      dst.has_color = dst.has_color || best_tris > 0;
    } else {
      // Keep nodes with geometry in their subtree; skip generic geometry-less nodes (their children move up).
      std::vector<char> keep(s.nodes.size(), 0);
      for (std::size_t i = s.nodes.size(); i-- > 0;) {
        if (!s.nodes[i].indices.empty()) keep[i] = 1;
        if (keep[i] && s.nodes[i].parent >= 0) keep[static_cast<std::size_t>(s.nodes[i].parent)] = 1;
      }
      std::vector<int> global(s.nodes.size(), -1);
      const std::string stem = fs::path(path).stem().string();
      for (std::size_t i = 0; i < s.nodes.size(); ++i) {
        const SceneNode& sn = s.nodes[i];
        const int gp = sn.parent >= 0 ? global[static_cast<std::size_t>(sn.parent)] : parent;
        if (!keep[i]) continue;
        if (sn.indices.empty() && isGenericName(sn.name)) {
          global[i] = gp;
          continue;
        }
        const std::string name = isGenericName(sn.name) ? stem : sn.name;
        const int g = addNode(gp, name, name, false);
        global[i] = g;
        Node& dst = nodes[static_cast<std::size_t>(g)];
        dst.pos = std::move(s.nodes[i].positions);
        dst.nrm = std::move(s.nodes[i].normals);
        dst.idx = std::move(s.nodes[i].indices);
        dst.color = sn.color;
        dst.has_color = sn.has_color;
      }
    }
    in.seconds = seconds(t0);
    summary.inputs.push_back(in);
    return {};
  }
};

}  // namespace

double metresPerUnit(const std::string& unit) {
  static const std::map<std::string, double> kUnits = {{"m", 1.0}, {"mm", 0.001}, {"cm", 0.01}, {"in", 0.0254},
                                                       {"ft", 0.3048}};
  const auto it = kUnits.find(unit);
  return it == kUnits.end() ? 0.0 : it->second;
}

core::Result<ImportResult> importModel(const ImportOptions& o) {
  const auto t0 = Clock::now();
  ImportResult result;
  ImportSummary& summary = result.summary;
  if (o.inputs.empty()) return core::makeError("no input file given", "rivet-import", "give one or more CAD files");
  if (!o.unit.empty() && metresPerUnit(o.unit) == 0)
    return core::makeError("unknown unit '" + o.unit + "'", "--unit", "use m, mm, cm, in or ft");
  for (double b : o.lod_errors_mm)
    if (!(b > 0)) return core::makeError("LOD error bounds must be positive millimetres", "--lod-mm", "e.g. 0.5,2,8");
  Builder b{o, summary, {}, {}};

  // Work list: plain files and assembly entries, weighted by file size for progress.
  struct Job {
    std::string file;
    Transform placement;
    int parent = -1, into = -1;
    std::string unit;
    char up = 0;
    std::uintmax_t bytes = 1;
  };
  std::vector<Job> jobs;
  for (const auto& input : o.inputs) {
    const std::string ext = lowerExt(input);
    if (ext == ".yaml" || ext == ".yml") {
      auto a = loadAssembly(input, o.data_root);
      if (!a) return a.error();
      std::vector<int> node_of(a->entries.size(), -1);
      std::vector<Transform> world(a->entries.size());
      for (std::size_t i = 0; i < a->entries.size(); ++i) {
        const AssemblyEntry& e = a->entries[i];
        world[i] = e.parent >= 0 ? multiply(world[static_cast<std::size_t>(e.parent)], e.T_parent_entry) : e.T_parent_entry;
        const int gparent = e.parent >= 0 ? node_of[static_cast<std::size_t>(e.parent)] : -1;
        const std::string id = o.name_prefix.empty() ? e.id : idSegment(o.name_prefix) + "/" + e.id;
        node_of[i] = b.addNode(gparent, id, e.name, true);
        if (e.has_color) {
          b.nodes.back().color = e.color;
          b.nodes.back().has_color = true;
        }
        if (e.file.empty()) continue;
        // Transforms are in the assembly's frame; the geometry arrives Y-up: conjugate when the frame is Z-up.
        const Transform placement =
            a->frame_up == 'z' ? multiply(multiply(kZupToYup, world[i]), kYupToZup) : world[i];
        std::error_code ec;
        const auto bytes = fs::file_size(e.file, ec);
        jobs.push_back({e.file, placement, node_of[i], e.flatten ? node_of[i] : -1, e.unit, e.up, ec ? 1 : bytes + 1});
      }
    } else {
      std::error_code ec;
      const auto bytes = fs::file_size(input, ec);
      jobs.push_back({input, identityTransform(), -1, -1, {}, 0, ec ? 1 : bytes + 1});
    }
  }
  std::uintmax_t total_bytes = 0;
  for (const auto& j : jobs) total_bytes += j.bytes;
  std::uintmax_t done_bytes = 0;
  constexpr double kReadShare = 0.6;
  for (const auto& j : jobs) {
    const double from = kReadShare * static_cast<double>(done_bytes) / static_cast<double>(total_bytes);
    done_bytes += j.bytes;
    const double to = kReadShare * static_cast<double>(done_bytes) / static_cast<double>(total_bytes);
    if (auto st = b.addFile(j.file, j.placement, j.parent, j.into, j.unit, j.up, from, to); !st) return st.error();
    // Assembly entries keep their colour override over the file's colours.
  }

  // Drop nodes with no geometry anywhere below them (keeps ids stable for the rest).
  std::vector<char> keep(b.nodes.size(), 0);
  for (std::size_t i = b.nodes.size(); i-- > 0;) {
    if (!b.nodes[i].idx.empty()) keep[i] = 1;
    if (keep[i] && b.nodes[i].parent >= 0) keep[static_cast<std::size_t>(b.nodes[i].parent)] = 1;
  }
  std::size_t total_tris = 0;
  for (const auto& n : b.nodes) total_tris += n.idx.size() / 3;
  if (total_tris == 0)
    return core::makeError("the inputs yield no triangles", o.inputs.front(), "check that the files hold surfaces");

  // Vertex positions are stored as 16-bit steps of the box of all geometry (content::PackedVertex): known now,
  // before simplification, so that each LOD's error can include the quantisation.
  constexpr float kInf = std::numeric_limits<float>::infinity();
  content::Bounds box{{kInf, kInf, kInf}, {-kInf, -kInf, -kInf}};
  for (std::size_t i = 0; i < b.nodes.size(); ++i)
    for (std::size_t v = 0; keep[i] && v + 2 < b.nodes[i].pos.size(); v += 3)
      for (std::size_t a = 0; a < 3; ++a) {
        box.min[a] = std::min(box.min[a], b.nodes[i].pos[v + a]);
        box.max[a] = std::max(box.max[a], b.nodes[i].pos[v + a]);
      }
  const content::Quantization quantization = content::quantizationFor(box.min, box.max);
  summary.quantization_error_mm = quantization.maxErrorM() * 1000.0;

  std::vector<int> new_index(b.nodes.size(), -1);
  std::vector<PartMesh> meshes;
  std::vector<content::Part> parts;
  std::size_t regenerated = 0, processed_tris = 0;
  for (std::size_t i = 0; i < b.nodes.size(); ++i) {
    if (!keep[i]) continue;
    Node& n = b.nodes[i];
    if (o.progress)
      o.progress(kReadShare + (1 - kReadShare - 0.05) * static_cast<double>(processed_tris) / static_cast<double>(total_tris),
                 "optimising " + n.id);
    processed_tris += n.idx.size() / 3;
    content::Part p;
    p.id = n.id;
    p.name = n.name;
    p.parent = n.parent >= 0 ? new_index[static_cast<std::size_t>(n.parent)] : -1;
    p.color = n.color;
    bool regen = false;
    meshes.push_back(n.idx.empty() ? PartMesh{} : buildPart(n, o, quantization.maxErrorM(), regen));
    regenerated += regen ? 1 : 0;
    n.pos.clear(), n.nrm.clear(), n.idx.clear();
    n.pos.shrink_to_fit(), n.nrm.shrink_to_fit(), n.idx.shrink_to_fit();
    new_index[i] = static_cast<int>(parts.size());
    parts.push_back(std::move(p));
  }
  if (regenerated > 0)
    summary.notes.push_back("normals generated (40 deg crease angle) for " + std::to_string(regenerated) + " parts");

  if (o.progress) o.progress(0.95, "assembling model");
  std::vector<content::Vertex> vertices;
  std::vector<std::uint32_t> indices;
  std::vector<std::uint32_t> vertex_base(parts.size());
  for (std::size_t p = 0; p < parts.size(); ++p) {
    vertex_base[p] = static_cast<std::uint32_t>(vertices.size());
    vertices.insert(vertices.end(), meshes[p].vertices.begin(), meshes[p].vertices.end());
    parts[p].first_index = static_cast<std::uint32_t>(indices.size());
    parts[p].index_count = static_cast<std::uint32_t>(meshes[p].lod0.size());
    for (auto i : meshes[p].lod0) indices.push_back(vertex_base[p] + i);
  }
  summary.lods.resize(o.lod_errors_mm.size());
  for (std::size_t l = 0; l < summary.lods.size(); ++l) summary.lods[l].bound_mm = o.lod_errors_mm[l];
  for (std::size_t p = 0; p < parts.size(); ++p) {
    std::vector<std::size_t> tris_at(o.lod_errors_mm.size(), meshes[p].lod0.size() / 3);
    for (const auto& lvl : meshes[p].lods) {
      parts[p].lods.push_back({static_cast<std::uint32_t>(indices.size()), static_cast<std::uint32_t>(lvl.indices.size()),
                               lvl.error_m});
      for (auto i : lvl.indices) indices.push_back(vertex_base[p] + i);
      for (std::size_t l = lvl.bound_index; l < tris_at.size(); ++l) tris_at[l] = lvl.indices.size() / 3;
      summary.lods[lvl.bound_index].max_error_mm =
          std::max(summary.lods[lvl.bound_index].max_error_mm, static_cast<double>(lvl.error_m) * 1000.0);
    }
    for (std::size_t l = 0; l < tris_at.size(); ++l) summary.lods[l].triangles += tris_at[l];
  }
  meshes.clear();
  summary.vertices = vertices.size();
  std::size_t lod0_tris = 0;
  for (const auto& p : parts) lod0_tris += p.index_count / 3;
  summary.triangles = lod0_tris;
  summary.parts = parts.size();
  result.model = content::makeModel(std::move(vertices), std::move(indices), std::move(parts), quantization);
  // Group parts (no triangles of their own) get the union of their children's bounds; others keep their own.
  auto& ps = result.model.parts;
  std::vector<char> has_bounds(ps.size());
  for (std::size_t i = 0; i < ps.size(); ++i) has_bounds[i] = ps[i].index_count > 0;
  for (std::size_t i = ps.size(); i-- > 0;) {
    if (!has_bounds[i] || ps[i].parent < 0) continue;
    const auto pi = static_cast<std::size_t>(ps[i].parent);
    if (ps[pi].index_count > 0) continue;  // a part with triangles keeps the bounds of its own triangles
    content::Bounds& pb = ps[pi].bounds;
    if (!has_bounds[pi]) {
      pb = ps[i].bounds;
      has_bounds[pi] = 1;
    }
    for (std::size_t a = 0; a < 3; ++a) {
      pb.min[a] = std::min(pb.min[a], ps[i].bounds.min[a]);
      pb.max[a] = std::max(pb.max[a], ps[i].bounds.max[a]);
    }
  }
  summary.bounds = result.model.bounds;
  summary.seconds = seconds(t0);
  if (o.progress) o.progress(1.0, "done");
  return result;
}

std::string summaryText(const ImportSummary& s) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(3);
  for (const auto& in : s.inputs) {
    out << "input  " << in.path << "\n       format " << in.format << ", unit " << in.metres_per_unit
        << " m per unit (" << in.unit_source << "), read as " << in.up << "-up" << (in.up == 'z' ? " -> Y-up" : "")
        << "\n       " << in.nodes << " nodes, " << in.triangles << " triangles, " << in.instances
        << " instances, " << in.seconds << " s\n";
  }
  out << "model  " << s.parts << " parts, " << s.vertices << " vertices, " << s.triangles << " triangles\n";
  out.precision(4);
  out << "       vertex positions quantised to 16 bits over the model box: error <= " << s.quantization_error_mm
      << " mm (each LOD's deviation below includes it twice: LOD and LOD0 both move)\n";
  out.precision(3);
  for (std::size_t l = 0; l < s.lods.size(); ++l)
    out << "  LOD" << l + 1 << " bound " << s.lods[l].bound_mm << " mm: " << s.lods[l].triangles
        << " triangles, largest measured deviation " << s.lods[l].max_error_mm << " mm\n";
  out << "bounds [" << s.bounds.min[0] << ", " << s.bounds.min[1] << ", " << s.bounds.min[2] << "] .. ["
      << s.bounds.max[0] << ", " << s.bounds.max[1] << ", " << s.bounds.max[2] << "] m (size "
      << s.bounds.max[0] - s.bounds.min[0] << " x " << s.bounds.max[1] - s.bounds.min[1] << " x "
      << s.bounds.max[2] - s.bounds.min[2] << ")\n";
  for (const auto& n : s.notes) out << "note   " << n << "\n";
  for (const auto& w : s.warnings) out << "WARNING " << w << "\n";
  out << "time   " << s.seconds << " s\n";
  return out.str();
}

std::string summaryJson(const ImportSummary& s, const content::Model& m) {
  using nlohmann::json;
  json j;
  j["inputs"] = json::array();
  for (const auto& in : s.inputs)
    j["inputs"].push_back({{"path", in.path}, {"format", in.format}, {"metres_per_unit", in.metres_per_unit},
                           {"unit_source", in.unit_source}, {"up", std::string(1, in.up)}, {"nodes", in.nodes},
                           {"triangles", in.triangles}, {"instances", in.instances}, {"seconds", in.seconds}});
  j["vertices"] = s.vertices;
  j["triangles"] = s.triangles;
  j["quantization_error_mm"] = s.quantization_error_mm;
  j["lods"] = json::array();
  for (const auto& l : s.lods)
    j["lods"].push_back({{"bound_mm", l.bound_mm}, {"triangles", l.triangles}, {"max_deviation_mm", l.max_error_mm}});
  j["bounds_m"] = {{"min", s.bounds.min}, {"max", s.bounds.max}};
  j["parts"] = json::array();
  for (const auto& p : m.parts) {
    json lods = json::array();
    for (const auto& l : p.lods) lods.push_back({{"triangles", l.index_count / 3}, {"error_mm", l.error_m * 1000.0}});
    j["parts"].push_back({{"id", p.id}, {"name", p.name}, {"parent", p.parent}, {"triangles", p.index_count / 3},
                          {"bounds_m", {{"min", p.bounds.min}, {"max", p.bounds.max}}}, {"color", p.color},
                          {"lods", lods}});
  }
  j["warnings"] = s.warnings;
  j["notes"] = s.notes;
  j["seconds"] = s.seconds;
  return j.dump(2);
}

}  // namespace rivet::import
