// The one procedure loader: every procedures/*.yaml of a pack parsed, calls resolved, and the pack's content hash.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "rivet/core/result.hpp"
#include "rivet/procedure/procedure.hpp"

namespace rivet::session {

class ProcedureLibrary {
 public:
  // Parses every procedures/*.yaml (and .yml) of the pack folder, in name order; all must be valid and ids unique.
  static core::Result<ProcedureLibrary> load(const std::filesystem::path& pack_dir);

  [[nodiscard]] const std::vector<procedure::Procedure>& all() const { return procedures_; }
  [[nodiscard]] const procedure::Procedure* find(const std::string& id) const;
  // The procedure with this id, its calls resolved; an empty id takes the first procedure that is not a training.
  [[nodiscard]] core::Result<procedure::Procedure> resolved(const std::string& id) const;
  [[nodiscard]] std::string ids() const;  // "a, b, c" for error hints

 private:
  std::filesystem::path pack_dir_;
  std::vector<procedure::Procedure> procedures_;
};

// SHA-256 over the sorted list of (relative path, SHA-256 of content) of every regular file in the pack: sessions
// record it so a resumed session refuses a pack whose content changed.
core::Result<std::string> hashPack(const std::filesystem::path& pack_dir);

}  // namespace rivet::session
