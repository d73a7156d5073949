// Byte-level hand-over of an ImportedScene from the reader child process to the parent (bounds-checked).
#include "scene.hpp"

#include <cmath>
#include <cstring>

namespace rivet::import {
namespace {

class Writer {
 public:
  void u32(std::uint32_t v) { raw(&v, sizeof v); }
  void f64(double v) { raw(&v, sizeof v); }
  void str(const std::string& s) {
    u32(static_cast<std::uint32_t>(s.size()));
    raw(s.data(), s.size());
  }
  template <class T>
  void vec(const std::vector<T>& v) {
    u32(static_cast<std::uint32_t>(v.size()));
    raw(v.data(), v.size() * sizeof(T));
  }
  void raw(const void* p, std::size_t n) {
    if (n > 0) out.append(static_cast<const char*>(p), n);
  }
  std::string out;
};

class Reader {
 public:
  explicit Reader(const std::string& b) : bytes(b) {}
  bool u32(std::uint32_t& v) { return raw(&v, sizeof v); }
  bool f64(double& v) { return raw(&v, sizeof v); }
  bool str(std::string& s) {
    std::uint32_t n = 0;
    if (!u32(n) || n > bytes.size() - pos) return false;
    s.assign(bytes.data() + pos, n);
    pos += n;
    return true;
  }
  template <class T>
  bool vec(std::vector<T>& v) {
    std::uint32_t n = 0;
    if (!u32(n) || n > (bytes.size() - pos) / sizeof(T)) return false;
    v.resize(n);
    return raw(v.data(), n * sizeof(T));
  }
  bool raw(void* p, std::size_t n) {
    if (n == 0) return true;
    if (n > bytes.size() - pos) return false;
    std::memcpy(p, bytes.data() + pos, n);
    pos += n;
    return true;
  }
  const std::string& bytes;
  std::size_t pos = 0;
};

constexpr std::uint32_t kTag = 0x52534331;  // "RSC1"

}  // namespace

std::string serializeScene(const ImportedScene& s) {
  Writer w;
  w.u32(kTag);
  w.str(s.format);
  w.f64(s.metres_per_unit);
  w.str(s.unit_note);
  w.u32(static_cast<std::uint32_t>(s.up));
  w.u32(static_cast<std::uint32_t>(s.warnings.size()));
  for (const auto& x : s.warnings) w.str(x);
  w.u32(static_cast<std::uint32_t>(s.notes.size()));
  for (const auto& x : s.notes) w.str(x);
  w.u32(static_cast<std::uint32_t>(s.nodes.size()));
  for (const auto& n : s.nodes) {
    w.str(n.name);
    w.u32(static_cast<std::uint32_t>(n.parent));
    w.u32(static_cast<std::uint32_t>(n.instance_of));
    w.vec(n.positions);
    w.vec(n.normals);
    w.vec(n.indices);
    w.raw(n.color.data(), sizeof(n.color));
    w.u32(n.has_color ? 1 : 0);
  }
  w.u32(kTag);
  return std::move(w.out);
}

core::Result<ImportedScene> deserializeScene(const std::string& bytes, const std::string& source) {
  const auto bad = [&](const std::string& what) {
    return core::makeError("reader hand-over is damaged (" + what + ")", source,
                           "this is a bug in rivet-import; please report it with the input file");
  };
  Reader r(bytes);
  ImportedScene s;
  std::uint32_t tag = 0, up = 0, count = 0;
  if (!r.u32(tag) || tag != kTag || !r.str(s.format) || !r.f64(s.metres_per_unit) || !r.str(s.unit_note) ||
      !r.u32(up) || !r.u32(count))
    return bad("header");
  s.up = static_cast<char>(up);
  if (count > 100000) return bad("warnings");
  s.warnings.resize(count);
  for (auto& x : s.warnings)
    if (!r.str(x)) return bad("warnings");
  if (!r.u32(count) || count > 100000) return bad("notes");
  s.notes.resize(count);
  for (auto& x : s.notes)
    if (!r.str(x)) return bad("notes");
  if (!r.u32(count) || count > (bytes.size() / 16)) return bad("node count");
  s.nodes.resize(count);
  for (std::size_t i = 0; i < s.nodes.size(); ++i) {
    SceneNode& n = s.nodes[i];
    std::uint32_t parent = 0, inst = 0, has_color = 0;
    if (!r.str(n.name) || !r.u32(parent) || !r.u32(inst) || !r.vec(n.positions) || !r.vec(n.normals) ||
        !r.vec(n.indices) || !r.raw(n.color.data(), sizeof(n.color)) || !r.u32(has_color))
      return bad("node " + std::to_string(i));
    n.parent = static_cast<int>(parent);
    n.instance_of = static_cast<int>(inst);
    n.has_color = has_color != 0;
    if (n.parent < -1 || n.parent >= static_cast<int>(i) || n.instance_of < -1 || n.instance_of >= static_cast<int>(i))
      return bad("node " + std::to_string(i) + " links");
    if (n.positions.size() % 3 != 0 || n.indices.size() % 3 != 0 ||
        (!n.normals.empty() && n.normals.size() != n.positions.size()))
      return bad("node " + std::to_string(i) + " arrays");
    const std::size_t vcount = n.positions.size() / 3;
    for (auto idx : n.indices)
      if (idx >= vcount) return bad("node " + std::to_string(i) + " index");
  }
  if (!r.u32(tag) || tag != kTag || r.pos != bytes.size()) return bad("trailer");
  return s;
}

}  // namespace rivet::import
