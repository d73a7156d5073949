// Runtime model file (.rmdl): save a Model atomically, load one by mapping the file (no parsing, no per-vertex copy).
#pragma once

#include <string>

#include "rivet/content/model.hpp"
#include "rivet/core/result.hpp"

namespace rivet::content {

// Format version written by saveModel and the only one loadModel accepts.
inline constexpr std::uint32_t kModelFormatVersion = 2;

enum class ModelVerify {
  // Header, section table, sizes, offsets, part/LOD ranges, every index < vertex count and the XXH64 checksum of
  // every section. Costs one pass over the file (XXH64 runs at several GB/s); the default. Catches damaged files;
  // tampering is caught by the signed pack manifest (SHA-256 of every file, Ed25519 signature).
  Full,
  // Header, section table, sizes, offsets and part/LOD ranges only: O(parts), no pass over the arrays. Only for a
  // file whose bytes were already checked another way (e.g. its hash in a signed pack manifest was just verified).
  Structure,
};

struct ModelLoadOptions {
  ModelVerify verify = ModelVerify::Full;
};

// Loads a .rmdl file: maps it read-only and points Model's spans into the mapping (Model::storage owns it).
// Every failure names the file, what is wrong (byte offset where it helps) and what to do.
core::Result<Model> loadModel(const std::string& path);
core::Result<Model> loadModel(const std::string& path, const ModelLoadOptions& options);

// Writes a .rmdl file atomically (temporary file in the same folder, fsync, rename). Validates the model first
// (index ranges, indices < vertex count) so that a written file always loads.
core::Status saveModel(const std::string& path, const Model& m);

}  // namespace rivet::content
