// Reads the unit attribute of a 3MF file's <model> element (Assimp ignores it): zip central directory + zlib inflate.
#include <zlib.h>

#include <cstring>
#include <fstream>
#include <map>
#include <vector>

#include "readers.hpp"

namespace rivet::import {
namespace {

std::uint32_t u32(const std::vector<unsigned char>& b, std::size_t at) {
  if (at + 4 > b.size()) return 0;
  return static_cast<std::uint32_t>(b[at]) | static_cast<std::uint32_t>(b[at + 1]) << 8 |
         static_cast<std::uint32_t>(b[at + 2]) << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
}
std::uint16_t u16(const std::vector<unsigned char>& b, std::size_t at) {
  if (at + 2 > b.size()) return 0;
  return static_cast<std::uint16_t>(b[at] | b[at + 1] << 8);
}

// First `limit` bytes of the named zip entry (stored or deflated); empty when absent or unreadable.
std::string zipEntryPrefix(const std::vector<unsigned char>& zip, const std::string& suffix, std::size_t limit) {
  if (zip.size() < 22) return {};
  std::size_t eocd = std::string::npos;
  for (std::size_t i = zip.size() - 22 + 1; i-- > 0 && zip.size() - i <= 65557;)
    if (u32(zip, i) == 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd == std::string::npos) return {};
  const std::size_t entries = u16(zip, eocd + 10);
  std::size_t p = u32(zip, eocd + 16);
  for (std::size_t e = 0; e < entries && p + 46 <= zip.size() && u32(zip, p) == 0x02014b50; ++e) {
    const std::uint16_t method = u16(zip, p + 10);
    const std::uint32_t csize = u32(zip, p + 20);
    const std::size_t name_len = u16(zip, p + 28), extra = u16(zip, p + 30), comment = u16(zip, p + 32);
    const std::size_t local = u32(zip, p + 42);
    if (p + 46 + name_len > zip.size()) return {};
    const std::string name(reinterpret_cast<const char*>(&zip[p + 46]), name_len);
    p += 46 + name_len + extra + comment;
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.size() < suffix.size() || lower.compare(lower.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    if (local + 30 > zip.size() || u32(zip, local) != 0x04034b50) return {};
    const std::size_t data = local + 30 + u16(zip, local + 26) + u16(zip, local + 28);
    if (data > zip.size()) return {};
    const std::size_t avail = std::min<std::size_t>(csize, zip.size() - data);
    if (method == 0) return std::string(reinterpret_cast<const char*>(&zip[data]), std::min(avail, limit));
    if (method != 8) return {};
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return {};
    std::string out(limit, '\0');
    zs.next_in = const_cast<Bytef*>(&zip[data]);
    zs.avail_in = static_cast<uInt>(avail);
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(limit);
    const int rc = inflate(&zs, Z_SYNC_FLUSH);
    const std::size_t got = limit - zs.avail_out;
    inflateEnd(&zs);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) return {};
    out.resize(got);
    return out;
  }
  return {};
}

}  // namespace

double threeMfMetresPerUnit(const std::string& path, std::string& unit_name) {
  std::ifstream in(path, std::ios::binary);
  std::vector<unsigned char> zip((std::istreambuf_iterator<char>(in)), {});
  const std::string xml = zipEntryPrefix(zip, ".model", 64 * 1024);
  const auto model = xml.find("<model");
  if (model == std::string::npos) return 0;
  const auto close = xml.find('>', model);
  const std::string tag = xml.substr(model, close == std::string::npos ? std::string::npos : close - model);
  const auto at = tag.find("unit=\"");
  unit_name = "millimeter";  // the 3MF default when the attribute is absent
  if (at != std::string::npos) {
    const auto end = tag.find('"', at + 6);
    if (end == std::string::npos) return 0;
    unit_name = tag.substr(at + 6, end - at - 6);
  }
  static const std::map<std::string, double> kUnits = {{"micron", 1e-6}, {"millimeter", 1e-3}, {"centimeter", 1e-2},
                                                       {"inch", 0.0254}, {"foot", 0.3048}, {"meter", 1.0}};
  const auto it = kUnits.find(unit_name);
  return it == kUnits.end() ? 0.0 : it->second;
}

}  // namespace rivet::import
