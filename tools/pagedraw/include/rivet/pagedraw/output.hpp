// All-or-nothing file output: every file is written to a temporary name beside it and renamed only when all succeed.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "rivet/core/result.hpp"

namespace rivet::pagedraw {

struct OutputFile {
  std::filesystem::path path;
  std::string bytes;
};

// Writes every file or none: each is written to a temporary beside it and fsync'd; on any error the temporaries are
// removed and no target is touched (a rename that fails
// half-way leaves the files renamed so far; the error names the one that failed). `overwrite` false: refuse when a
// target exists.
core::Status writeFilesAtomically(const std::vector<OutputFile>& files, bool overwrite = true);

}  // namespace rivet::pagedraw
