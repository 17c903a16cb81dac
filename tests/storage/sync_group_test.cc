#include "storage/fs/sync_group.h"

#include <gtest/gtest.h>

#include <atomic>
#include <system_error>
#include <thread>
#include <vector>

#include "test_dirs.h"

namespace pier::storage {
namespace {

TEST(SyncGroup, EveryCallerReturnsAfterARoundAndRoundsAreShared) {
  testing::TempDir dir;
  SyncGroup group(dir.path());
  EXPECT_TRUE(group.sync());
  EXPECT_EQ(group.rounds(), 1u);
  constexpr int kThreads = 8, kCalls = 50;
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCalls; ++i) succeeded += group.sync() ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(succeeded.load(), kThreads * kCalls);
  // Each call needs a round of its own or a later one; none needs more than one of its own.
  EXPECT_GE(group.rounds(), 1u + kCalls);
  EXPECT_LE(group.rounds(), 1u + kThreads * kCalls);
}

TEST(SyncGroup, AFolderThatCannotBeOpenedIsRefusedAtOnce) {
  testing::TempDir dir;
  EXPECT_THROW(SyncGroup(dir.path() / "missing"), std::system_error);
}

}  // namespace
}  // namespace pier::storage
