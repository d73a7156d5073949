// .rmdl reader/writer: fixed little-endian header + section table (XXH64 each) + 64-byte aligned arrays.
//
// Layout (version 2), all integers little-endian:
//   FileHeader (128 bytes) | SectionEntry[5] (56 bytes each) | sections, each at a 64-byte aligned offset:
//   1 vertices  (PackedVertex: 4 x u16 unorm position + 2 x i16 octahedral normal = 12 bytes)   2 indices (u32)
//   3 parts     (PartRecord, 96 bytes)             4 lods    (LodRecord, 16 bytes)
//   5 strings   (UTF-8 bytes, referenced by offset/length from part records)
// Version 1 (float vertices, 24 bytes) is refused with a message to re-import.
// The header checksum covers the first 80 header bytes and the section table; each section carries its own.
// Checksums are XXH64 (8 bytes, stored in 32-byte fields whose other bytes are zero, room for a longer hash):
// they catch damaged files at ~10 GB/s; tampering is caught by the signed pack manifest (SHA-256 per file).
#include "rivet/content/model_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <new>
#include <string_view>

#include "checksum.hpp"

namespace rivet::content {
namespace {

static_assert(std::endian::native == std::endian::little, "the .rmdl format is little-endian");
static_assert(sizeof(PackedVertex) == 12 && alignof(PackedVertex) == 2, "PackedVertex must map 1:1 onto the file");

constexpr char kMagic[8] = {'R', 'I', 'V', 'E', 'T', 'M', 'D', 'L'};
constexpr std::uint32_t kSectionCount = 5;
constexpr std::uint64_t kAlign = 64;
constexpr std::uint32_t kMaxParts = 1u << 20;
constexpr const char* kReimportHint = "the file is damaged or not a Rivet model; re-create it with rivet-import";

enum SectionKind : std::uint32_t { kVertices = 1, kIndices = 2, kParts = 3, kLods = 4, kStrings = 5 };

struct FileHeader {
  char magic[8];
  std::uint32_t version;
  std::uint32_t header_bytes;  // header + section table
  std::uint64_t file_bytes;
  std::uint32_t section_count;
  std::uint32_t flags;
  float bounds[6];
  float quant_offset[3];  // Quantization of the vertex positions
  float quant_scale[3];
  std::uint8_t header_checksum[32];
  std::uint8_t reserved[16];
};
static_assert(sizeof(FileHeader) == 128);
constexpr std::size_t kHashedHeaderBytes = offsetof(FileHeader, header_checksum);

struct SectionEntry {
  std::uint32_t kind;
  std::uint32_t elem_bytes;
  std::uint64_t offset;
  std::uint64_t count;
  std::uint8_t checksum[32];
};
static_assert(sizeof(SectionEntry) == 56);

struct PartRecord {
  std::uint32_t id_offset, id_bytes, name_offset, name_bytes;
  std::int32_t parent;
  std::uint32_t first_index, index_count, first_lod, lod_count;
  float bounds[6];
  float color[4];
  std::uint8_t reserved[20];
};
static_assert(sizeof(PartRecord) == 96);

struct LodRecord {
  std::uint32_t first_index, index_count;
  float error_m;
  std::uint32_t reserved;
};
static_assert(sizeof(LodRecord) == 16);

constexpr std::uint32_t kElemBytes[kSectionCount + 1] = {0, sizeof(PackedVertex), 4, sizeof(PartRecord), sizeof(LodRecord), 1};
constexpr const char* kSectionNames[kSectionCount + 1] = {"", "vertices", "indices", "parts", "lods", "strings"};
constexpr std::uint64_t kHeaderBytes = sizeof(FileHeader) + kSectionCount * sizeof(SectionEntry);

std::uint64_t alignUp(std::uint64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
constexpr bool kChecksumsDecide = false;  // fuzz builds: reach the structural checks behind the hashes
#else
constexpr bool kChecksumsDecide = true;
#endif

using Digest = std::array<std::uint8_t, 32>;

Digest digestOf(std::uint64_t h) {
  Digest d{};
  std::memcpy(d.data(), &h, sizeof h);
  return d;
}

Digest checksum(const void* data, std::size_t size) { return digestOf(detail::Xxh64::hash(data, size)); }

// Header checksum: the header bytes before the checksum field, then the section table.
Digest headerChecksum(const void* header, const void* table) {
  std::uint8_t buf[kHashedHeaderBytes + kSectionCount * sizeof(SectionEntry)];
  std::memcpy(buf, header, kHashedHeaderBytes);
  std::memcpy(buf + kHashedHeaderBytes, table, kSectionCount * sizeof(SectionEntry));
  return checksum(buf, sizeof buf);
}

core::Error fail(const std::string& path, std::string message, std::string hint = kReimportHint) {
  return core::makeError(std::move(message), path, std::move(hint));
}

// Read-only private mapping of a whole file; unmapped when the last Model sharing it goes away.
struct Mapping {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  Mapping() = default;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (data != nullptr) munmap(const_cast<std::uint8_t*>(data), size);
  }
};

bool finite6(const float* b) {
  for (int i = 0; i < 6; ++i)
    if (!std::isfinite(b[i])) return false;
  return true;
}

Bounds toBounds(const float* b) { return Bounds{{b[0], b[1], b[2]}, {b[3], b[4], b[5]}}; }

// Checks one index range: inside the index array and a whole number of triangles.
bool rangeOk(std::uint64_t first, std::uint64_t count, std::uint64_t total) {
  return first <= total && count <= total - first && count % 3 == 0;
}

}  // namespace

core::Result<Model> loadModel(const std::string& path) { return loadModel(path, ModelLoadOptions{}); }

core::Result<Model> loadModel(const std::string& path, const ModelLoadOptions& options) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(path, std::string("cannot open model file: ") + std::strerror(errno),
                "check the path (models are made by rivet-import and listed in pack.yaml)");
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(path, "not a regular file", "give the path of a .rmdl file");
  }
  const auto file_size = static_cast<std::uint64_t>(st.st_size);
  if (file_size < kHeaderBytes) {
    ::close(fd);
    return fail(path, "file is " + std::to_string(file_size) + " bytes, shorter than the " +
                          std::to_string(kHeaderBytes) + "-byte .rmdl header");
  }
  // Full verification reads every byte: populate the mapping in one go instead of one fault per page run.
  const int populate = options.verify == ModelVerify::Full ? MAP_POPULATE : 0;
  void* addr = mmap(nullptr, file_size, PROT_READ, MAP_PRIVATE | populate, fd, 0);
  ::close(fd);
  if (addr == MAP_FAILED) return fail(path, std::string("cannot map file: ") + std::strerror(errno), "");
  auto mapping = std::make_shared<Mapping>();
  mapping->data = static_cast<const std::uint8_t*>(addr);
  mapping->size = file_size;
  const std::uint8_t* base = mapping->data;

  FileHeader h{};
  std::memcpy(&h, base, sizeof h);
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0)
    return fail(path, "not a Rivet runtime model (magic bytes are not RIVETMDL)",
                "import CAD files with rivet-import first; loadModel reads only .rmdl files");
  if (h.version != kModelFormatVersion)
    return fail(path,
                "model format version " + std::to_string(h.version) + " is not supported (this build reads version " +
                    std::to_string(kModelFormatVersion) +
                    (h.version < kModelFormatVersion ? "; version 1 stored float vertices, version 2 quantised ones)"
                                                     : ", the file is from a newer Rivet)"),
                "re-import the source CAD with this build's rivet-import (rivet-import SOURCE -o " +
                    std::filesystem::path(path).filename().string() + ")");
  if (h.header_bytes != kHeaderBytes || h.section_count != kSectionCount)
    return fail(path, "header declares " + std::to_string(h.section_count) + " sections / " +
                          std::to_string(h.header_bytes) + " header bytes; expected " + std::to_string(kSectionCount) +
                          " / " + std::to_string(kHeaderBytes));
  if (h.file_bytes != file_size)
    return fail(path, "file is " + std::to_string(file_size) + " bytes but its header says " +
                          std::to_string(h.file_bytes) + " (truncated or appended to)");
  if (headerChecksum(base, base + sizeof(FileHeader)) != std::to_array(h.header_checksum) && kChecksumsDecide)
    return fail(path, "header checksum does not match");
  if (!finite6(h.bounds)) return fail(path, "model bounds are not finite numbers");
  for (int a = 0; a < 3; ++a)
    if (!std::isfinite(h.quant_offset[a]) || !std::isfinite(h.quant_scale[a]) || !(h.quant_scale[a] > 0))
      return fail(path, "vertex quantisation box is not finite or has a scale <= 0");

  SectionEntry sec[kSectionCount + 1]{};
  std::uint64_t prev_end = kHeaderBytes;
  for (std::uint32_t k = 1; k <= kSectionCount; ++k) {
    std::memcpy(&sec[k], base + sizeof(FileHeader) + (k - 1) * sizeof(SectionEntry), sizeof(SectionEntry));
    const auto& s = sec[k];
    const std::string at = std::string(kSectionNames[k]) + " section (table entry " + std::to_string(k) + ")";
    if (s.kind != k || s.elem_bytes != kElemBytes[k])
      return fail(path, at + ": kind " + std::to_string(s.kind) + " / element size " + std::to_string(s.elem_bytes) +
                            " unexpected");
    if (s.offset % kAlign != 0 || s.offset < prev_end || s.offset > file_size)
      return fail(path, at + ": offset " + std::to_string(s.offset) + " misaligned, overlapping or past the end");
    if (s.count > (file_size - s.offset) / s.elem_bytes)
      return fail(path, at + ": " + std::to_string(s.count) + " elements at offset " + std::to_string(s.offset) +
                            " run past the end of the file (" + std::to_string(file_size) + " bytes)");
    prev_end = s.offset + s.count * s.elem_bytes;
  }
  const std::uint64_t vertex_count = sec[kVertices].count;
  const std::uint64_t index_count = sec[kIndices].count;
  if (vertex_count > std::numeric_limits<std::uint32_t>::max() || index_count > std::numeric_limits<std::uint32_t>::max())
    return fail(path, "more than 2^32 vertices or indices");
  if (sec[kParts].count > kMaxParts) return fail(path, "more than " + std::to_string(kMaxParts) + " parts");

  bool index_out_of_range = false;  // Full only: found in the same pass as the index checksum
  if (options.verify == ModelVerify::Full) {
    for (std::uint32_t k = 1; k <= kSectionCount; ++k) {
      const auto& s = sec[k];
      Digest digest;
      if (k == kIndices) {
        // Hash and compare with the vertex count chunk by chunk, while the chunk is in cache: one pass over
        // memory, not two. The comparison ORs flags (no dependency chain through a running maximum: vectorises).
        detail::Xxh64 hasher;
        const auto* idx = std::launder(reinterpret_cast<const std::uint32_t*>(base + s.offset));
        const auto limit = static_cast<std::uint32_t>(vertex_count);
        constexpr std::uint64_t kChunk = 16384;  // indices (64 KiB)
        std::uint32_t beyond = 0;
        for (std::uint64_t first = 0; first < s.count; first += kChunk) {
          const std::uint64_t n = std::min(kChunk, s.count - first);
          hasher.update(idx + first, n * sizeof(std::uint32_t));
          for (std::uint64_t i = first; i < first + n; ++i) beyond |= static_cast<std::uint32_t>(idx[i] >= limit);
        }
        index_out_of_range = beyond != 0;
        digest = digestOf(hasher.digest());
      } else {
        digest = checksum(base + s.offset, s.count * s.elem_bytes);
      }
      if (digest != std::to_array(s.checksum) && kChecksumsDecide)
        return fail(path, std::string(kSectionNames[k]) + " section checksum (XXH64) does not match: bytes " +
                              std::to_string(s.offset) + ".." + std::to_string(s.offset + s.count * s.elem_bytes) +
                              " were changed");
    }
  }

  Model m;
  m.vertices = {std::launder(reinterpret_cast<const PackedVertex*>(base + sec[kVertices].offset)),
                static_cast<std::size_t>(vertex_count)};
  for (std::size_t a = 0; a < 3; ++a) {
    m.quantization.offset_m[a] = h.quant_offset[a];
    m.quantization.scale_m[a] = h.quant_scale[a];
  }
  m.indices = {std::launder(reinterpret_cast<const std::uint32_t*>(base + sec[kIndices].offset)),
               static_cast<std::size_t>(index_count)};
  m.bounds = toBounds(h.bounds);

  const auto* strings = reinterpret_cast<const char*>(base + sec[kStrings].offset);
  const std::uint64_t strings_bytes = sec[kStrings].count;
  const std::uint64_t lod_total = sec[kLods].count;
  m.parts.resize(static_cast<std::size_t>(sec[kParts].count));
  for (std::size_t i = 0; i < m.parts.size(); ++i) {
    PartRecord r{};
    std::memcpy(&r, base + sec[kParts].offset + i * sizeof(PartRecord), sizeof r);
    const std::string at = "part " + std::to_string(i);
    if (std::uint64_t{r.id_offset} + r.id_bytes > strings_bytes ||
        std::uint64_t{r.name_offset} + r.name_bytes > strings_bytes)
      return fail(path, at + ": id/name string lies outside the string table");
    Part& p = m.parts[i];
    p.id.assign(strings + r.id_offset, r.id_bytes);
    p.name.assign(strings + r.name_offset, r.name_bytes);
    if (p.id.empty()) return fail(path, at + ": empty part id");
    if (r.parent < -1 || r.parent >= static_cast<std::int64_t>(i))
      return fail(path, at + " ('" + p.id + "'): parent " + std::to_string(r.parent) +
                            " must be -1 or an earlier part");
    if (!rangeOk(r.first_index, r.index_count, index_count))
      return fail(path, at + " ('" + p.id + "'): index range " + std::to_string(r.first_index) + "+" +
                            std::to_string(r.index_count) + " is outside the " + std::to_string(index_count) +
                            " indices or not whole triangles");
    if (!finite6(r.bounds)) return fail(path, at + " ('" + p.id + "'): bounds are not finite numbers");
    if (r.first_lod > lod_total || r.lod_count > lod_total - r.first_lod)
      return fail(path, at + " ('" + p.id + "'): LOD records " + std::to_string(r.first_lod) + "+" +
                            std::to_string(r.lod_count) + " outside the " + std::to_string(lod_total) + " records");
    p.parent = r.parent;
    p.first_index = r.first_index;
    p.index_count = r.index_count;
    p.bounds = toBounds(r.bounds);
    for (int c = 0; c < 4; ++c) p.color[static_cast<std::size_t>(c)] = r.color[c];
    p.lods.resize(r.lod_count);
    for (std::uint32_t l = 0; l < r.lod_count; ++l) {
      LodRecord lr{};
      std::memcpy(&lr, base + sec[kLods].offset + (std::uint64_t{r.first_lod} + l) * sizeof(LodRecord), sizeof lr);
      if (!rangeOk(lr.first_index, lr.index_count, index_count) || !std::isfinite(lr.error_m) || lr.error_m < 0)
        return fail(path, at + " ('" + p.id + "'): LOD " + std::to_string(l + 1) + " has index range " +
                              std::to_string(lr.first_index) + "+" + std::to_string(lr.index_count) +
                              " outside the indices or a bad error value");
      p.lods[l] = PartLod{lr.first_index, lr.index_count, lr.error_m};
    }
  }

  if (options.verify == ModelVerify::Full) {
    // Every index (checked in the checksum pass) must be below the vertex count; name the first that is not.
    if (index_out_of_range) {
      std::size_t at = 0;
      while (at < m.indices.size() && m.indices[at] < vertex_count) ++at;
      return fail(path, "index " + std::to_string(at) + " (" + std::to_string(m.indices[at]) +
                            ") is not below the vertex count (" + std::to_string(vertex_count) + ")");
    }
  }
  if (options.verify == ModelVerify::Full) {
    // The verification pass touched every page; give them back (they stay in the page cache and come back on first
    // use), so that loading does not pin the whole file in this process's resident memory.
    ::madvise(const_cast<std::uint8_t*>(base), file_size, MADV_DONTNEED);
  }
  m.storage = std::move(mapping);
  return m;
}

namespace {

core::Status validateForSave(const std::string& path, const Model& m) {
  const auto fail_save = [&](std::string msg) {
    return core::Status(core::makeError(std::move(msg), path, "fix the model before saving (this is a bug in the caller)"));
  };
  if (m.vertices.size() > std::numeric_limits<std::uint32_t>::max() ||
      m.indices.size() > std::numeric_limits<std::uint32_t>::max())
    return fail_save("more than 2^32 vertices or indices");
  if (m.parts.size() > kMaxParts) return fail_save("too many parts");
  for (std::size_t a = 0; a < 3; ++a)
    if (!std::isfinite(m.quantization.offset_m[a]) || !std::isfinite(m.quantization.scale_m[a]) ||
        !(m.quantization.scale_m[a] > 0))
      return fail_save("vertex quantisation box is not finite or has a scale <= 0");
  for (auto idx : m.indices)
    if (idx >= m.vertices.size())
      return fail_save("index " + std::to_string(idx) + " is not below the vertex count " +
                       std::to_string(m.vertices.size()));
  for (std::size_t i = 0; i < m.parts.size(); ++i) {
    const Part& p = m.parts[i];
    if (p.id.empty()) return fail_save("part " + std::to_string(i) + " has an empty id");
    if (p.parent < -1 || p.parent >= static_cast<int>(i))
      return fail_save("part '" + p.id + "': parent must be -1 or an earlier part");
    if (!rangeOk(p.first_index, p.index_count, m.indices.size()))
      return fail_save("part '" + p.id + "': index range outside the indices or not whole triangles");
    for (const auto& l : p.lods)
      if (!rangeOk(l.first_index, l.index_count, m.indices.size()) || !std::isfinite(l.error_m) || l.error_m < 0)
        return fail_save("part '" + p.id + "': LOD range outside the indices");
  }
  return {};
}

}  // namespace

core::Status saveModel(const std::string& path, const Model& m) {
  if (auto st = validateForSave(path, m); !st) return st;

  std::string strings;
  std::vector<PartRecord> parts(m.parts.size());
  std::vector<LodRecord> lods;
  for (std::size_t i = 0; i < m.parts.size(); ++i) {
    const Part& p = m.parts[i];
    PartRecord& r = parts[i];
    std::memset(&r, 0, sizeof r);
    r.id_offset = static_cast<std::uint32_t>(strings.size());
    r.id_bytes = static_cast<std::uint32_t>(p.id.size());
    strings += p.id;
    r.name_offset = static_cast<std::uint32_t>(strings.size());
    r.name_bytes = static_cast<std::uint32_t>(p.name.size());
    strings += p.name;
    r.parent = p.parent;
    r.first_index = p.first_index;
    r.index_count = p.index_count;
    r.first_lod = static_cast<std::uint32_t>(lods.size());
    r.lod_count = static_cast<std::uint32_t>(p.lods.size());
    for (int a = 0; a < 3; ++a) {
      r.bounds[a] = p.bounds.min[static_cast<std::size_t>(a)];
      r.bounds[a + 3] = p.bounds.max[static_cast<std::size_t>(a)];
    }
    for (int c = 0; c < 4; ++c) r.color[c] = p.color[static_cast<std::size_t>(c)];
    for (const auto& l : p.lods) lods.push_back(LodRecord{l.first_index, l.index_count, l.error_m, 0});
  }

  struct Payload {
    const void* data;
    std::uint64_t count;
  };
  const Payload payloads[kSectionCount + 1] = {{nullptr, 0},
                                               {m.vertices.data(), m.vertices.size()},
                                               {m.indices.data(), m.indices.size()},
                                               {parts.data(), parts.size()},
                                               {lods.data(), lods.size()},
                                               {strings.data(), strings.size()}};
  FileHeader h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kModelFormatVersion;
  h.header_bytes = static_cast<std::uint32_t>(kHeaderBytes);
  h.section_count = kSectionCount;
  for (int a = 0; a < 3; ++a) {
    h.bounds[a] = m.bounds.min[static_cast<std::size_t>(a)];
    h.bounds[a + 3] = m.bounds.max[static_cast<std::size_t>(a)];
    h.quant_offset[a] = m.quantization.offset_m[static_cast<std::size_t>(a)];
    h.quant_scale[a] = m.quantization.scale_m[static_cast<std::size_t>(a)];
  }
  SectionEntry sec[kSectionCount]{};
  std::uint64_t offset = alignUp(kHeaderBytes);
  for (std::uint32_t k = 1; k <= kSectionCount; ++k) {
    SectionEntry& s = sec[k - 1];
    s.kind = k;
    s.elem_bytes = kElemBytes[k];
    s.offset = offset;
    s.count = payloads[k].count;
    const auto digest = checksum(payloads[k].data, s.count * s.elem_bytes);
    std::memcpy(s.checksum, digest.data(), digest.size());
    offset = alignUp(offset + s.count * s.elem_bytes);
  }
  h.file_bytes = offset;
  {
    const auto digest = headerChecksum(&h, sec);
    std::memcpy(h.header_checksum, digest.data(), digest.size());
  }

  namespace fs = std::filesystem;
  const fs::path target(path);
  std::string tmp_name = ".";  // built with appends: GCC 12 -O3 gives a false -Wrestrict on a chain of operator+
  tmp_name.append(target.filename().string()).append(".tmp.").append(std::to_string(::getpid()));
  const fs::path tmp = target.parent_path() / tmp_name;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return core::makeError(std::string("cannot create temporary file: ") + std::strerror(errno), tmp.string(),
                           "check that the output folder exists and is writable");
  std::uint64_t written = 0;
  const auto writeAll = [&](const void* data, std::uint64_t size) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    while (size > 0) {
      const ssize_t n = ::write(fd, p, size);
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      p += n;
      size -= static_cast<std::uint64_t>(n);
      written += static_cast<std::uint64_t>(n);
    }
    return true;
  };
  static const std::uint8_t kZeros[kAlign] = {};
  bool ok = writeAll(&h, sizeof h) && writeAll(sec, sizeof sec);
  for (std::uint32_t k = 1; ok && k <= kSectionCount; ++k) {
    const SectionEntry& s = sec[k - 1];
    ok = writeAll(kZeros, s.offset - written) && writeAll(payloads[k].data, s.count * s.elem_bytes);
  }
  ok = ok && writeAll(kZeros, h.file_bytes - written) && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(tmp.c_str(), target.c_str()) != 0) {
    const int err = ok ? errno : saved_errno;
    ::unlink(tmp.c_str());
    return core::makeError(std::string("cannot write model file: ") + std::strerror(err), path,
                           "check free disk space and write permission on the output folder");
  }
  return {};
}

}  // namespace rivet::content
