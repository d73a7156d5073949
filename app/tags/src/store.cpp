// TagStore: latest values by id behind one mutex; freshness from receive time, max age and quality.
#include "rivet/tags/store.hpp"

#include <algorithm>

namespace rivet::tags {

TagStore::TagStore(const TagBindings& bindings) {
  entries_.reserve(bindings.tags.size());
  for (const auto& b : bindings.tags) declare(b.id, b.max_age_ms);
}

namespace {
constexpr std::size_t kIdBlockBytes = 64 * 1024;
}

std::string_view TagStore::intern(std::string_view id) {
  if (id.size() > block_left_) {
    const std::size_t size = std::max(kIdBlockBytes, id.size());
    id_blocks_.push_back(std::make_unique<char[]>(size));
    block_next_ = id_blocks_.back().get();
    block_left_ = size;
  }
  std::copy(id.begin(), id.end(), block_next_);
  const std::string_view stored(block_next_, id.size());
  block_next_ += id.size();
  block_left_ -= id.size();
  return stored;
}

TagStore::Entry& TagStore::entryLocked(std::string_view id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) it = entries_.emplace(intern(id), Entry{}).first;
  return it->second;
}

void TagStore::declare(const std::string& id, std::int64_t max_age_ms) {
  std::lock_guard lock(mutex_);
  entryLocked(id).max_age_ms = static_cast<std::int32_t>(std::clamp<std::int64_t>(max_age_ms, 1, 2'000'000'000));
}

void TagStore::update(const std::string& id, TagValue value) {
  {
    std::lock_guard lock(mutex_);
    Entry& e = entryLocked(id);
    e.value = std::move(value.value);
    e.quality = value.quality;
    e.source_time_ns = value.source_time_ns;
    e.receive_time_ns = value.receive_time_ns;
    e.present = true;
  }
  version_.fetch_add(1, std::memory_order_release);
}

void TagStore::setQuality(const std::vector<std::string>& ids, Quality quality) {
  {
    std::lock_guard lock(mutex_);
    for (const auto& id : ids) {
      auto it = entries_.find(std::string_view(id));
      if (it != entries_.end() && it->second.present) it->second.quality = quality;
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
  if (e == nullptr || !e->present) return std::nullopt;
  return TagValue{e->value, e->quality, e->source_time_ns, e->receive_time_ns, true};
}

Freshness TagStore::freshness(std::string_view id, std::int64_t now_ns) const {
  std::lock_guard lock(mutex_);
  const Entry* e = findLocked(id);
  if (e == nullptr || !e->present) return Freshness::Missing;
  // A value whose receive time lies ahead of 'now' (clock stepped back) is judged by its distance anyway.
  const std::int64_t age_ns = now_ns - e->receive_time_ns;
  const std::int64_t max_ns = static_cast<std::int64_t>(e->max_age_ms) * 1'000'000;
  if (age_ns > max_ns || age_ns < -max_ns) return Freshness::Stale;
  if (e->quality == Quality::Bad) return Freshness::BadQuality;
  return Freshness::Fresh;
}

std::optional<std::int64_t> TagStore::ageMs(std::string_view id, std::int64_t now_ns) const {
  std::lock_guard lock(mutex_);
  const Entry* e = findLocked(id);
  if (e == nullptr || !e->present) return std::nullopt;
  return (now_ns - e->receive_time_ns) / 1'000'000;
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
    for (const auto& [id, e] : entries_) out.emplace_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t TagStore::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace rivet::tags
