#include "common/side_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

namespace pier {
namespace {

TEST(SideQueue, DrainReturnsOnceEveryJobHasRun) {
  SideQueue queue(3);
  std::atomic<int> runs{0};
  for (int i = 0; i < 10; ++i) queue.push([&] { runs.fetch_add(1); });
  queue.drain();
  EXPECT_EQ(runs.load(), 10);
}

TEST(SideQueue, RunsJobsOnAnotherThreadWhenOneIsSpare) {
  SideQueue queue(2);
  std::thread::id ran_on;
  queue.push([&] { ran_on = std::this_thread::get_id(); });
  queue.drain();
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(SideQueue, JobsRunInTheOrderPushedSmallOnesIncluded) {
  SideQueue queue(3);
  std::vector<int> order;
  for (int i = 0; i < 200; ++i) {
    if (i % 3 == 0) {
      queue.push_small([&order, i] { order.push_back(i); });
    } else {
      queue.push([&order, i] { order.push_back(i); });
    }
  }
  queue.drain();
  ASSERT_EQ(order.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(order[i], i);
}

TEST(SideQueue, ASmallJobWithNothingQueuedRunsHere) {
  SideQueue queue(3);
  std::thread::id ran_on;
  queue.push_small([&] { ran_on = std::this_thread::get_id(); });
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(SideQueue, NoMoreThanDepthJobsArePendingAtOnce) {
  constexpr int kDepth = 2;
  SideQueue queue(kDepth);
  std::atomic<int> pushed{0};
  std::atomic<int> finished{0};
  std::atomic<int> most_pending{0};
  for (int i = 0; i < 50; ++i) {
    queue.push([&] {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      finished.fetch_add(1);
    });
    pushed.fetch_add(1);
    most_pending = std::max(most_pending.load(), pushed.load() - finished.load());
  }
  queue.drain();
  EXPECT_LE(most_pending.load(), kDepth);
  EXPECT_EQ(finished.load(), 50);
}

TEST(SideQueue, DrainRethrowsTheFirstFailureOnceAndTheQueueIsUsableAfter) {
  SideQueue queue(3);
  bool later_ran = false;
  queue.push([] { throw std::runtime_error("first"); });
  queue.push([] { throw std::logic_error("second"); });
  queue.push([&] { later_ran = true; });
  EXPECT_THROW(queue.drain(), std::runtime_error);
  EXPECT_TRUE(later_ran);
  EXPECT_NO_THROW(queue.drain());
  int value = 0;
  queue.push([&] { value = 1; });
  queue.drain();
  EXPECT_EQ(value, 1);
}

TEST(SideQueue, DestructionWaitsForQueuedJobs) {
  std::atomic<int> finished{0};
  {
    SideQueue queue(3);
    for (int i = 0; i < 3; ++i) {
      queue.push([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        finished.fetch_add(1);
      });
    }
  }
  EXPECT_EQ(finished.load(), 3);
}

TEST(SideQueue, MoreCallersThanSpareThreadsAllGetTheirJobsDoneInOrder) {
  constexpr int kCallers = 16;
  constexpr int kRounds = 200;
  std::atomic<int> in_order{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&] {
      SideQueue queue(3);
      std::vector<int> seen;
      for (int r = 0; r < kRounds; ++r) queue.push([&seen, r] { seen.push_back(r); });
      queue.drain();
      bool ok = seen.size() == kRounds;
      for (int r = 0; ok && r < kRounds; ++r) ok = seen[r] == r;
      if (ok) in_order.fetch_add(1);
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(in_order.load(), kCallers);
}

}  // namespace
}  // namespace pier
