// Pack signing and verification: SHA-256 manifest of every file, Ed25519 signature (OpenSSL 3).
#include "rivet/content/pack_signature.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <sys/stat.h>

#include "rivet/content/pack.hpp"
#include "sha256.hpp"

namespace rivet::content {
namespace {

namespace fs = std::filesystem;

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct FileClose {
  void operator()(FILE* f) const { std::fclose(f); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

bool isManifestFile(const fs::path& rel) {
  return rel == kManifestFile || rel == kSignatureFile;
}

// Every regular file under dir as a sorted generic relative path; symlinks and other types are an error.
core::Result<std::vector<std::string>> listFiles(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const auto st = it->symlink_status(ec);
    if (ec) break;
    const fs::path rel = fs::relative(it->path(), dir, ec);
    if (fs::is_directory(st)) continue;
    if (!fs::is_regular_file(st))
      return core::makeError("pack holds a link or special file", it->path().string(),
                             "replace it by a plain file copy");
    if (!isManifestFile(rel)) out.push_back(rel.generic_string());
  }
  if (ec) return core::makeError("cannot list pack files: " + ec.message(), dir.string(), "");
  std::sort(out.begin(), out.end());
  return out;
}

PkeyPtr readKey(const fs::path& pem, bool is_private, core::Error& err) {
  std::unique_ptr<FILE, FileClose> f(std::fopen(pem.c_str(), "rb"));
  if (!f) {
    err = core::makeError("cannot open key file", pem.string(), "create one with 'rivet-pack keygen'");
    return nullptr;
  }
  EVP_PKEY* k = is_private ? PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr)
                           : PEM_read_PUBKEY(f.get(), nullptr, nullptr, nullptr);
  if (k == nullptr || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(k);
    err = core::makeError(std::string("not an Ed25519 ") + (is_private ? "private" : "public") + " key in PEM form",
                          pem.string(), "use the files written by 'rivet-pack keygen'");
    return nullptr;
  }
  return PkeyPtr(k);
}

std::string hexOf(const unsigned char* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back(kHex[p[i] >> 4]);
    s.push_back(kHex[p[i] & 15]);
  }
  return s;
}

bool fromHex(const std::string& s, std::vector<unsigned char>& out) {
  if (s.size() % 2 != 0) return false;
  out.clear();
  for (std::size_t i = 0; i < s.size(); i += 2) {
    int v = 0;
    for (int j = 0; j < 2; ++j) {
      const char c = s[i + static_cast<std::size_t>(j)];
      const int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
      if (d < 0) return false;
      v = v * 16 + d;
    }
    out.push_back(static_cast<unsigned char>(v));
  }
  return true;
}

core::Status writeFile(const fs::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  if (!out) return core::makeError("cannot write file", path.string(), "check write permission and free space");
  return {};
}

}  // namespace

core::Result<std::string> sha256File(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::makeError("cannot open file", path.string(), "check that it exists and is readable");
  detail::Sha256Stream s;
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    s.update(buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return core::makeError("read error", path.string(), "");
  return detail::toHex(s.finish());
}

core::Result<std::string> publicKeyFingerprint(const fs::path& public_pem) {
  core::Error err;
  PkeyPtr key = readKey(public_pem, false, err);
  if (!key) return err;
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key.get(), &der);
  if (len <= 0 || der == nullptr) return core::makeError("cannot encode the public key", public_pem.string(), "");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  const bool ok = EVP_Digest(der, static_cast<std::size_t>(len), md, &md_len, EVP_sha256(), nullptr) == 1;
  OPENSSL_free(der);
  if (!ok) return core::makeError("cannot hash the public key", public_pem.string(), "");
  return "sha256:" + hexOf(md, md_len);
}

core::Status generateSigningKey(const fs::path& private_pem, const fs::path& public_pem) {
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1)
    return core::makeError("OpenSSL could not generate an Ed25519 key", "rivet-pack keygen", "");
  PkeyPtr key(raw);
  {
    const mode_t old = ::umask(077);
    std::unique_ptr<FILE, FileClose> f(std::fopen(private_pem.c_str(), "wb"));
    ::umask(old);
    if (!f || PEM_write_PrivateKey(f.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
      return core::makeError("cannot write private key", private_pem.string(), "check the folder is writable");
  }
  std::unique_ptr<FILE, FileClose> f(std::fopen(public_pem.c_str(), "wb"));
  if (!f || PEM_write_PUBKEY(f.get(), key.get()) != 1)
    return core::makeError("cannot write public key", public_pem.string(), "check the folder is writable");
  return {};
}

core::Result<std::size_t> signPackDir(const fs::path& dir, const fs::path& private_pem) {
  core::Error err;
  PkeyPtr key = readKey(private_pem, true, err);
  if (!key) return err;
  auto files = listFiles(dir);
  if (!files) return files.error();
  std::string manifest;
  for (const auto& rel : *files) {
    auto h = sha256File(dir / rel);
    if (!h) return h.error();
    manifest += *h + "  " + rel + "\n";
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
  std::size_t sig_len = 64;
  unsigned char sig[64];
  if (!md || EVP_DigestSignInit(md.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(md.get(), sig, &sig_len, reinterpret_cast<const unsigned char*>(manifest.data()),
                     manifest.size()) != 1)
    return core::makeError("OpenSSL could not sign the manifest", private_pem.string(), "");
  if (auto st = writeFile(dir / kManifestFile, manifest); !st) return st.error();
  if (auto st = writeFile(dir / kSignatureFile, "ed25519 " + hexOf(sig, sig_len) + "\n"); !st) return st.error();
  return files->size();
}

core::Status verifyPackDir(const fs::path& dir, const fs::path& public_pem) {
  core::Error err;
  PkeyPtr key = readKey(public_pem, false, err);
  if (!key) return err;
  const fs::path manifest_path = dir / kManifestFile;
  const fs::path sig_path = dir / kSignatureFile;
  auto manifest = readTextFile(manifest_path);
  if (!manifest) return core::makeError("pack has no readable manifest", manifest_path.string(),
                                        "rebuild and sign it with 'rivet-pack build'");
  auto sig_text = readTextFile(sig_path);
  if (!sig_text) return core::makeError("pack is not signed", sig_path.string(), "rebuild it with 'rivet-pack build'");
  std::string sig_hex = *sig_text;
  while (!sig_hex.empty() && (sig_hex.back() == '\n' || sig_hex.back() == '\r' || sig_hex.back() == ' '))
    sig_hex.pop_back();
  std::vector<unsigned char> sig;
  if (sig_hex.rfind("ed25519 ", 0) != 0 || !fromHex(sig_hex.substr(8), sig) || sig.size() != 64)
    return core::makeError("signature file is malformed", sig_path.string() + ":1", "rebuild it with 'rivet-pack build'");
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestVerify(md.get(), sig.data(), sig.size(), reinterpret_cast<const unsigned char*>(manifest->data()),
                       manifest->size()) != 1)
    return core::makeError("signature does not match the manifest: the pack was changed or signed with another key",
                           sig_path.string(), "do not use this pack; ask its publisher for an intact signed copy");

  std::map<std::string, std::string> listed;
  std::istringstream lines(*manifest);
  std::string line;
  int line_no = 0;
  while (std::getline(lines, line)) {
    ++line_no;
    if (line.size() < 67 || line.compare(64, 2, "  ") != 0)
      return core::makeError("malformed manifest line", manifest_path.string() + ":" + std::to_string(line_no),
                             "rebuild the pack with 'rivet-pack build'");
    const std::string rel = line.substr(66);
    const fs::path relp(rel);
    bool escapes = relp.is_absolute();
    for (const auto& part : relp) escapes = escapes || part == "..";
    if (escapes)
      return core::makeError("manifest names a path outside the pack: " + rel,
                             manifest_path.string() + ":" + std::to_string(line_no), "do not use this pack");
    listed[rel] = line.substr(0, 64);
  }
  for (const auto& [rel, want] : listed) {
    auto got = sha256File(dir / rel);
    if (!got)
      return core::makeError("file listed in the signed manifest is missing: " + rel, (dir / rel).string(),
                             "do not use this pack; ask its publisher for an intact copy");
    if (*got != want)
      return core::makeError("file was modified after signing (SHA-256 differs)", (dir / rel).string(),
                             "do not use this pack; ask its publisher for an intact signed copy");
  }
  auto files = listFiles(dir);
  if (!files) return files.error();
  for (const auto& rel : *files)
    if (!listed.count(rel))
      return core::makeError("file was added after signing", (dir / rel).string(),
                             "remove it or have the publisher rebuild and sign the pack");
  return {};
}

}  // namespace rivet::content
