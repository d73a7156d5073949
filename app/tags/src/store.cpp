// TagStore: latest values by id behind one mutex; freshness from receive time, max age and quality.
#include "rivet/tags/store.hpp"

#include <algorithm>

namespace rivet::tags {

TagStore::TagStore(const TagBindings& bindings) {
  entries_.reserve(bindings.tags.size());
  for (const auto& b : bindings.tags) declare(b.id, b.max_age_ms);
}

void TagStore::declare(const std::string& id, std::int64_t max_age_ms) {
  std::lock_guard lock(mutex_);
  entries_[id].max_age_ms = max_age_ms;
}

void TagStore::update(const std::string& id, TagValue value) {
  value.present = true;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(std::string_view(id));
    if (it == entries_.end()) it = entries_.emplace(id, Entry{}).first;
    it->second.value = std::move(value);
  }
  version_.fetch_add(1, std::memory_order_release);
}

void TagStore::setQuality(const std::vector<std::string>& ids, Quality quality) {
  {
    std::lock_guard lock(mutex_);
    for (const auto& id : ids) {
      auto it = entries_.find(std::string_view(id));
      if (it != entries_.end() && it->second.value.present) it->second.value.quality = quality;
    }
  }
  version_.fetch_add(1, std::memory_order_release);
}

const TagStore::Entry* TagStore::findLocked(std::string_view id) const {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : &it->second;
}

std::optional<TagValue> TagStore::get(std::string_view id) const {
  std::lock_guard lock(mutex_);
  const Entry* e = findLocked(id);
  if (e == nullptr || !e->value.present) return std::nullopt;
  return e->value;
}

Freshness TagStore::freshness(std::string_view id, std::int64_t now_ns) const {
  std::lock_guard lock(mutex_);
  const Entry* e = findLocked(id);
  if (e == nullptr || !e->value.present) return Freshness::Missing;
  // A value whose receive time lies ahead of 'now' (clock stepped back) is judged by its distance anyway.
  const std::int64_t age_ns = now_ns - e->value.receive_time_ns;
  if (age_ns > e->max_age_ms * 1'000'000 || age_ns < -e->max_age_ms * 1'000'000) return Freshness::Stale;
  if (e->value.quality == Quality::Bad) return Freshness::BadQuality;
  return Freshness::Fresh;
}

std::optional<std::int64_t> TagStore::ageMs(std::string_view id, std::int64_t now_ns) const {
  std::lock_guard lock(mutex_);
  const Entry* e = findLocked(id);
  if (e == nullptr || !e->value.present) return std::nullopt;
  return (now_ns - e->value.receive_time_ns) / 1'000'000;
}

bool TagStore::usableForGate(std::string_view id, std::int64_t now_ns) const {
  const Freshness f = freshness(id, now_ns);
  if (f != Freshness::Fresh) return false;
  const auto v = get(id);
  return v && v->quality == Quality::Good;
}

std::vector<std::string> TagStore::ids() const {
  std::vector<std::string> out;
  {
    std::lock_guard lock(mutex_);
    out.reserve(entries_.size());
    for (const auto& [id, e] : entries_) out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t TagStore::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace rivet::tags
