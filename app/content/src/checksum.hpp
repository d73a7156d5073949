// XXH64 (Yann Collet's xxHash 64-bit algorithm, written from its specification): fast non-cryptographic checksum
// for .rmdl sections. Integrity against tampering comes from the signed pack manifest (SHA-256), not from this.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace rivet::content::detail {

class Xxh64 {
 public:
  explicit Xxh64(std::uint64_t seed = 0)
      : seed_(seed), v_{seed + kP1 + kP2, seed + kP2, seed, seed - kP1} {}

  // Feeds the next bytes (any split of the input gives the same digest as hashing it in one piece).
  void update(const void* data, std::size_t size) {
    if (size == 0) return;
    const auto* p = static_cast<const std::uint8_t*>(data);
    total_ += size;
    if (buffered_ + size < 32) {
      std::memcpy(buffer_ + buffered_, p, size);
      buffered_ += size;
      return;
    }
    if (buffered_ > 0) {
      const std::size_t take = 32 - buffered_;
      std::memcpy(buffer_ + buffered_, p, take);
      stripe(buffer_);
      p += take;
      size -= take;
      buffered_ = 0;
    }
    std::uint64_t v1 = v_[0], v2 = v_[1], v3 = v_[2], v4 = v_[3];
    for (; size >= 32; p += 32, size -= 32) {
      v1 = round(v1, read64(p));
      v2 = round(v2, read64(p + 8));
      v3 = round(v3, read64(p + 16));
      v4 = round(v4, read64(p + 24));
    }
    v_[0] = v1, v_[1] = v2, v_[2] = v3, v_[3] = v4;
    std::memcpy(buffer_, p, size);
    buffered_ = size;
  }

  [[nodiscard]] std::uint64_t digest() const {
    std::uint64_t h;
    if (total_ >= 32) {
      h = rotl(v_[0], 1) + rotl(v_[1], 7) + rotl(v_[2], 12) + rotl(v_[3], 18);
      for (auto v : v_) h = merge(h, v);
    } else {
      h = seed_ + kP5;
    }
    h += total_;
    const std::uint8_t* p = buffer_;
    const std::uint8_t* const end = buffer_ + buffered_;
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

  static std::uint64_t hash(const void* data, std::size_t size, std::uint64_t seed = 0) {
    Xxh64 h(seed);
    h.update(data, size);  // size 0: no access to data (may be null)
    return h.digest();
  }

 private:
  void stripe(const std::uint8_t* p) {
    v_[0] = round(v_[0], read64(p));
    v_[1] = round(v_[1], read64(p + 8));
    v_[2] = round(v_[2], read64(p + 16));
    v_[3] = round(v_[3], read64(p + 24));
  }

  std::uint64_t seed_;
  std::uint64_t v_[4];
  std::uint64_t total_ = 0;
  std::uint8_t buffer_[32] = {};
  std::size_t buffered_ = 0;

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
