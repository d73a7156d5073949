// SHA-256 and hex helpers over OpenSSL's EVP interface (private to app/content).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace rivet::content::detail {

using Sha256 = std::array<std::uint8_t, 32>;

class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void update(const void* data, std::size_t size);
  Sha256 finish();

 private:
  void* ctx_;  // EVP_MD_CTX*
};

Sha256 sha256(const void* data, std::size_t size);
std::string toHex(const Sha256& digest);

}  // namespace rivet::content::detail
