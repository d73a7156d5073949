// Loads a pack's procedures (file I/O lives here, not in app/procedure) and computes the pack hash.
#include "pack.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rivet/records/store.hpp"

namespace rivet::tools {
namespace fs = std::filesystem;

namespace {
core::Result<std::string> readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::makeError("cannot read file", path.string(), "check that it exists and is readable");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

core::Result<std::vector<procedure::Procedure>> loadProcedures(const std::string& pack_dir) {
  const fs::path dir = fs::path(pack_dir) / "procedures";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return core::makeError("the pack has no procedures/ folder", pack_dir, "give the pack's root folder with --pack");
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && (entry.path().extension() == ".yaml" || entry.path().extension() == ".yml")) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<procedure::Procedure> out;
  for (const auto& f : files) {
    auto text = readFile(f);
    if (!text) return text.error();
    auto p = procedure::parseProcedure(text.value(), f.string());
    if (!p) return p.error();
    for (const auto& q : out) {
      if (q.id == p->id) {
        return core::makeError("procedure id '" + p->id + "' is used by two files (also " + q.source + ")", f.string(),
                               "give each procedure its own id");
      }
    }
    out.push_back(std::move(p.value()));
  }
  return out;
}

core::Result<std::string> hashPack(const std::string& pack_dir) {
  std::vector<std::pair<std::string, fs::path>> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(pack_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file()) files.emplace_back(fs::relative(it->path(), pack_dir).generic_string(), it->path());
  }
  if (ec) return core::makeError("cannot list the pack: " + ec.message(), pack_dir);
  std::sort(files.begin(), files.end());
  std::string manifest;
  for (const auto& [rel, path] : files) {
    auto text = readFile(path);
    if (!text) return text.error();
    manifest += rel + "\t" + records::sha256Hex(text.value()) + "\n";
  }
  return records::sha256Hex(manifest);
}

}  // namespace rivet::tools
