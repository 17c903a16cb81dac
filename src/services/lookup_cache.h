// services/lookup_cache.h: a per-repository cache of read results that stays correct
// under concurrent writes.
//
// A reader notes generation() before it reads the database and offers the result with
// put_if_current(): the result is kept only if no write to any repository was recorded in
// between. A writer calls invalidate(repository) after its transaction commits, which bumps
// the generation and drops that repository's entries. So an entry is never older than the
// last write this process made. Writes by other Pier processes on a shared database are not
// seen, so the services give such a store a cache of no entries, which keeps nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace pier::services {

// Entries a service keeps for a store no other process writes.
inline constexpr std::size_t kLookupCacheEntries = 100000;

// How many entries to keep for lookups in `metadata`: none when other processes write it too.
template <class Store>
std::size_t lookup_cache_entries(const Store& metadata) {
  return metadata.shared_with_other_processes() ? 0 : kLookupCacheEntries;
}

template <class Value>
class LookupCache {
 public:
  explicit LookupCache(std::size_t max_entries) : max_entries_(max_entries) {}

  std::uint64_t generation() const {
    std::shared_lock lock(mutex_);
    return generation_;
  }

  std::optional<Value> get(std::string_view repository, std::string_view key) const {
    std::shared_lock lock(mutex_);
    auto repo = repositories_.find(repository);
    if (repo == repositories_.end()) return std::nullopt;
    auto entry = repo->second.find(key);
    if (entry == repo->second.end()) return std::nullopt;
    return entry->second;
  }

  void put_if_current(std::string_view repository, std::string_view key, Value value, std::uint64_t seen) {
    if (max_entries_ == 0) return;
    std::unique_lock lock(mutex_);
    if (seen != generation_) return;
    // A bound, not an eviction policy: lookups are cheap to refill from the database.
    if (entries_ >= max_entries_) clear_locked();
    auto& repo = repositories_[std::string(repository)];
    if (repo.insert_or_assign(std::string(key), std::move(value)).second) ++entries_;
  }

  void invalidate(std::string_view repository) {
    std::unique_lock lock(mutex_);
    ++generation_;
    if (auto repo = repositories_.find(repository); repo != repositories_.end()) {
      entries_ -= repo->second.size();
      repositories_.erase(repo);
    }
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <class V>
  using Map = std::unordered_map<std::string, V, Hash, std::equal_to<>>;

  void clear_locked() {
    repositories_.clear();
    entries_ = 0;
  }

  const std::size_t max_entries_;
  mutable std::shared_mutex mutex_;
  std::uint64_t generation_ = 0;           // guarded by mutex_
  std::size_t entries_ = 0;                // guarded by mutex_
  Map<Map<Value>> repositories_;           // guarded by mutex_
};

}  // namespace pier::services
