// XXH64 (Yann Collet's xxHash 64-bit algorithm, written from its specification): fast non-cryptographic checksum
// for .rmdl sections. Integrity against tampering comes from the signed pack manifest (SHA-256), not from this.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace rivet::content::detail {

class Xxh64 {
 public:
  static std::uint64_t hash(const void* data, std::size_t size, std::uint64_t seed = 0) {
    static constexpr std::uint8_t kNothing[1] = {0};
    const auto* p = data != nullptr ? static_cast<const std::uint8_t*>(data) : kNothing;  // no arithmetic on null
    const std::uint8_t* const end = p + size;
    std::uint64_t h;
    if (size >= 32) {
      std::uint64_t v1 = seed + kP1 + kP2, v2 = seed + kP2, v3 = seed, v4 = seed - kP1;
      const std::uint8_t* const limit = end - 32;
      do {
        v1 = round(v1, read64(p));
        v2 = round(v2, read64(p + 8));
        v3 = round(v3, read64(p + 16));
        v4 = round(v4, read64(p + 24));
        p += 32;
      } while (p <= limit);
      h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
      h = merge(h, v1);
      h = merge(h, v2);
      h = merge(h, v3);
      h = merge(h, v4);
    } else {
      h = seed + kP5;
    }
    h += static_cast<std::uint64_t>(size);
    while (p + 8 <= end) {
      h ^= round(0, read64(p));
      h = rotl(h, 27) * kP1 + kP4;
      p += 8;
    }
    if (p + 4 <= end) {
      h ^= static_cast<std::uint64_t>(read32(p)) * kP1;
      h = rotl(h, 23) * kP2 + kP3;
      p += 4;
    }
    while (p < end) {
      h ^= (*p) * kP5;
      h = rotl(h, 11) * kP1;
      ++p;
    }
    h ^= h >> 33;
    h *= kP2;
    h ^= h >> 29;
    h *= kP3;
    h ^= h >> 32;
    return h;
  }

 private:
  static constexpr std::uint64_t kP1 = 11400714785074694791ULL;
  static constexpr std::uint64_t kP2 = 14029467366897019727ULL;
  static constexpr std::uint64_t kP3 = 1609587929392839161ULL;
  static constexpr std::uint64_t kP4 = 9650029242287828579ULL;
  static constexpr std::uint64_t kP5 = 2870177450012600261ULL;
  static std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
  static std::uint64_t read64(const std::uint8_t* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  static std::uint32_t read32(const std::uint8_t* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  static std::uint64_t round(std::uint64_t acc, std::uint64_t input) {
    acc += input * kP2;
    acc = rotl(acc, 31);
    return acc * kP1;
  }
  static std::uint64_t merge(std::uint64_t acc, std::uint64_t val) {
    acc ^= round(0, val);
    return acc * kP1 + kP4;
  }
};

}  // namespace rivet::content::detail
