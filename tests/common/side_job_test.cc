#include "common/side_job.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace pier {
namespace {

TEST(SideJob, WaitReturnsOnceTheJobHasRun) {
  SideJob job;
  int value = 0;
  job.start([&] { value = 7; });
  job.wait();
  EXPECT_EQ(value, 7);
}

TEST(SideJob, RunsOnAnotherThreadWhenOneIsSpare) {
  SideJob job;
  std::thread::id ran_on;
  job.start([&] { ran_on = std::this_thread::get_id(); });
  job.wait();
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(SideJob, StartWaitsForThePreviousJobSoJobsRunInOrder) {
  SideJob job;
  std::vector<int> order;
  for (int i = 0; i < 100; ++i) job.start([&order, i] { order.push_back(i); });
  job.wait();
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
}

TEST(SideJob, WaitRethrowsTheJobsFailureOnceAndTheJobIsUsableAfter) {
  SideJob job;
  job.start([] { throw std::runtime_error("boom"); });
  EXPECT_THROW(job.wait(), std::runtime_error);
  EXPECT_NO_THROW(job.wait());
  int value = 0;
  job.start([&] { value = 1; });
  job.wait();
  EXPECT_EQ(value, 1);
}

TEST(SideJob, DestructionWaitsForTheJob) {
  std::atomic<bool> finished{false};
  {
    SideJob job;
    job.start([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      finished = true;
    });
  }
  EXPECT_TRUE(finished.load());
}

TEST(SideJob, MoreCallersThanSpareThreadsAllGetTheirJobsDone) {
  constexpr int kCallers = 16;
  constexpr int kRounds = 200;
  std::atomic<int> done{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&] {
      SideJob job;
      int last = -1;
      for (int r = 0; r < kRounds; ++r) job.start([&last, r] { last = r; });
      job.wait();
      if (last == kRounds - 1) done.fetch_add(1);
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(done.load(), kCallers);
}

}  // namespace
}  // namespace pier
