#include "services/lookup_cache.h"

#include <gtest/gtest.h>

namespace pier::services {
namespace {

TEST(LookupCache, KeepsWhatWasReadWithNoWriteInBetween) {
  LookupCache<int> cache(10);
  const auto seen = cache.generation();
  cache.put_if_current("repo", "latest", 1, seen);
  EXPECT_EQ(cache.get("repo", "latest"), 1);
  EXPECT_FALSE(cache.get("other", "latest"));
}

TEST(LookupCache, DropsAReadThatRacedAWrite) {
  LookupCache<int> cache(10);
  const auto seen = cache.generation();  // a reader starts reading the old value...
  cache.invalidate("repo");              // ...a writer commits meanwhile...
  cache.put_if_current("repo", "latest", 1, seen);  // ...so the stale read is not kept
  EXPECT_FALSE(cache.get("repo", "latest"));
}

TEST(LookupCache, InvalidationIsPerRepository) {
  LookupCache<int> cache(10);
  cache.put_if_current("a", "x", 1, cache.generation());
  cache.put_if_current("b", "x", 2, cache.generation());
  cache.invalidate("a");
  EXPECT_FALSE(cache.get("a", "x"));
  EXPECT_EQ(cache.get("b", "x"), 2);
}

TEST(LookupCache, StaysWithinItsBound) {
  LookupCache<int> cache(2);
  for (int i = 0; i < 5; ++i) cache.put_if_current("r", std::to_string(i), i, cache.generation());
  int present = 0;
  for (int i = 0; i < 5; ++i) present += cache.get("r", std::to_string(i)).has_value();
  EXPECT_LE(present, 2);
  EXPECT_EQ(cache.get("r", "4"), 4);
}

TEST(LookupCache, ForAStoreOtherProcessesWriteItKeepsNothing) {
  struct Store {
    bool shared = false;
    bool shared_with_other_processes() const { return shared; }
  };
  EXPECT_EQ(lookup_cache_entries(Store{false}), kLookupCacheEntries);
  LookupCache<int> cache(lookup_cache_entries(Store{true}));
  cache.put_if_current("repo", "latest", 1, cache.generation());
  EXPECT_FALSE(cache.get("repo", "latest"));
}

}  // namespace
}  // namespace pier::services
