// Loads a pack's procedures from disk (file I/O lives here, not in app/procedure) and computes the pack hash.
#include "rivet/session/library.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "rivet/records/store.hpp"

namespace rivet::session {
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

core::Result<ProcedureLibrary> ProcedureLibrary::load(const fs::path& pack_dir) {
  const fs::path dir = pack_dir / "procedures";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return core::makeError("the pack has no procedures/ folder", pack_dir.string(),
                           "give the pack's root folder with --pack");
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && (entry.path().extension() == ".yaml" || entry.path().extension() == ".yml")) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  ProcedureLibrary lib;
  lib.pack_dir_ = pack_dir;
  for (const auto& f : files) {
    auto text = readFile(f);
    if (!text) return text.error();
    auto p = procedure::parseProcedure(text.value(), f.string());
    if (!p) return p.error();
    for (const auto& q : lib.procedures_) {
      if (q.id == p->id) {
        return core::makeError("procedure id '" + p->id + "' is used by two files (also " + q.source + ")", f.string(),
                               "give each procedure its own id");
      }
    }
    lib.procedures_.push_back(std::move(p.value()));
  }
  if (lib.procedures_.empty()) {
    return core::makeError("the pack has no procedure", dir.string(), "add a procedures/*.yaml file");
  }
  return lib;
}

const procedure::Procedure* ProcedureLibrary::find(const std::string& id) const {
  for (const auto& p : procedures_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

std::string ProcedureLibrary::ids() const {
  std::string out;
  for (const auto& p : procedures_) out += (out.empty() ? "" : ", ") + p.id;
  return out;
}

core::Result<procedure::Procedure> ProcedureLibrary::resolved(const std::string& id) const {
  const procedure::Procedure* chosen = nullptr;
  for (const auto& p : procedures_) {
    if (id.empty() ? p.type != "training" : p.id == id) {
      chosen = &p;
      break;
    }
  }
  if (chosen == nullptr) {
    return core::makeError("procedure '" + id + "' is not in the pack", pack_dir_.string(), "choose one of: " + ids());
  }
  return procedure::resolveCalls(*chosen, procedures_);
}

core::Result<std::string> hashPack(const fs::path& pack_dir) {
  std::vector<std::pair<std::string, fs::path>> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(pack_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file()) files.emplace_back(fs::relative(it->path(), pack_dir).generic_string(), it->path());
  }
  if (ec) return core::makeError("cannot list the pack: " + ec.message(), pack_dir.string());
  std::sort(files.begin(), files.end());
  std::string manifest;
  for (const auto& [rel, path] : files) {
    auto text = readFile(path);
    if (!text) return text.error();
    manifest += rel + "\t" + records::sha256Hex(text.value()) + "\n";
  }
  return records::sha256Hex(manifest);
}

}  // namespace rivet::session
