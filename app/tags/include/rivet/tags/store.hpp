// TagStore: the latest value of every tag by id, with staleness judged against a caller-given 'now'; thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
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
  struct Entry {
    TagValue value;
    std::int64_t max_age_ms = kDefaultMaxAgeMs;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  const Entry* findLocked(std::string_view id) const;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
  std::atomic<std::uint64_t> version_{0};
};

}  // namespace rivet::tags
