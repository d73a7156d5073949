// Signed packs: MANIFEST.sha256 (sha256sum format, every file of the pack) + MANIFEST.sig (Ed25519 over it).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "rivet/core/result.hpp"

namespace rivet::content {

inline constexpr const char* kManifestFile = "MANIFEST.sha256";
inline constexpr const char* kSignatureFile = "MANIFEST.sig";

// Writes a new Ed25519 key pair as PEM files (private key with mode 0600).
core::Status generateSigningKey(const std::filesystem::path& private_pem, const std::filesystem::path& public_pem);

// Hashes every regular file under `dir` (sorted, relative paths, MANIFEST.* excluded), writes MANIFEST.sha256 and
// signs it into MANIFEST.sig. Returns the number of files listed.
core::Result<std::size_t> signPackDir(const std::filesystem::path& dir, const std::filesystem::path& private_pem);

// Checks MANIFEST.sig against the public key, then every listed file's SHA-256, and that no file was added.
// The error names the first file that does not match and says what to do.
core::Status verifyPackDir(const std::filesystem::path& dir, const std::filesystem::path& public_pem);

// Fingerprint of an Ed25519 public key (PEM): "sha256:" + the SHA-256 of its DER SubjectPublicKeyInfo, as
// `openssl pkey -pubin -in KEY.pem -outform DER | sha256sum` prints it. Fleet pack pins name keys by it.
core::Result<std::string> publicKeyFingerprint(const std::filesystem::path& public_pem);

// SHA-256 of a file as 64 lowercase hex digits.
core::Result<std::string> sha256File(const std::filesystem::path& path);

}  // namespace rivet::content
