// TagStore: the latest value of every tag by id, with staleness judged against a caller-given 'now'; thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rivet/tags/bindings.hpp"
#include "rivet/tags/tag.hpp"

namespace rivet::tags {

class TagStore {
 public:
  static constexpr std::int64_t kDefaultMaxAgeMs = 5000;

  TagStore() = default;
  explicit TagStore(const TagBindings& bindings);  // declares every bound tag with its max age (Missing until set)
  TagStore(const TagStore&) = delete;
  TagStore& operator=(const TagStore&) = delete;

  // Declares a tag (idempotent; updates the max age). Updating an undeclared id declares it with the default.
  void declare(const std::string& id, std::int64_t max_age_ms);
  void update(const std::string& id, TagValue value);
  // Marks the given tags Bad (publisher death) without touching value or times; unknown ids are ignored.
  void setQuality(const std::vector<std::string>& ids, Quality quality);

  [[nodiscard]] std::optional<TagValue> get(std::string_view id) const;
  [[nodiscard]] Freshness freshness(std::string_view id, std::int64_t now_ns) const;
  // Age in ms since receive, nullopt when missing.
  [[nodiscard]] std::optional<std::int64_t> ageMs(std::string_view id, std::int64_t now_ns) const;
  // The gate rule in one call: fresh and Good.
  [[nodiscard]] bool usableForGate(std::string_view id, std::int64_t now_ns) const;

  [[nodiscard]] std::vector<std::string> ids() const;  // sorted
  [[nodiscard]] std::size_t size() const;
  // Incremented on every update; lets readers poll cheaply for change.
  [[nodiscard]] std::uint64_t version() const { return version_.load(std::memory_order_acquire); }

 private:
  // Kept small (the store holds every tag of a site): fields of TagValue without its padding, and ids interned in
  // an arena instead of one heap string each.
  struct Entry {
    Value value{0.0};
    std::int64_t source_time_ns = 0;
    std::int64_t receive_time_ns = 0;
    std::int32_t max_age_ms = static_cast<std::int32_t>(kDefaultMaxAgeMs);
    Quality quality = Quality::Bad;
    bool present = false;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  const Entry* findLocked(std::string_view id) const;
  Entry& entryLocked(std::string_view id);  // creates with the default max age
  std::string_view intern(std::string_view id);

  mutable std::mutex mutex_;
  std::unordered_map<std::string_view, Entry, Hash, std::equal_to<>> entries_;  // keys point into id_blocks_
  std::vector<std::unique_ptr<char[]>> id_blocks_;
  std::size_t block_left_ = 0;
  char* block_next_ = nullptr;
  std::atomic<std::uint64_t> version_{0};
};

}  // namespace rivet::tags
