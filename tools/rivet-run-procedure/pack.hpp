// Loading a pack's procedures from disk and hashing the pack, for the headless driver.
#pragma once

#include <string>
#include <vector>

#include "rivet/core/result.hpp"
#include "rivet/procedure/procedure.hpp"

namespace rivet::tools {

// Parses every procedures/*.yaml of the pack (all must be valid).
core::Result<std::vector<procedure::Procedure>> loadProcedures(const std::string& pack_dir);
// SHA-256 over the sorted list of (relative path, SHA-256 of content) of every regular file in the pack.
core::Result<std::string> hashPack(const std::string& pack_dir);

}  // namespace rivet::tools
