// One suite for every JobStore implementation.
#include "meta/job_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "meta/postgres/pg_job_store.h"
#include "meta/sqlite/sqlite_job_store.h"
#include "pg_server.h"
#include "test_dirs.h"

namespace pier::meta {
namespace {

struct Backend {
  std::string name;
  std::function<std::unique_ptr<JobStore>(const std::filesystem::path&)> make;
};

void PrintTo(const Backend& backend, std::ostream* out) { *out << backend.name; }

class JobStoreSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { store_ = GetParam().make(dir_.path()); }

  Job enqueue(const std::string& kind, std::int64_t scheduled_at = 100, int max_attempts = 3,
              std::optional<std::string> unique_key = std::nullopt) {
    auto job = store_->enqueue(NewJob{kind, "{\"n\":1}", scheduled_at, max_attempts, std::move(unique_key)});
    EXPECT_TRUE(job) << job.error().message << " " << job.error().detail;
    return job.value().value();
  }

  Job only_claim(const std::string& kind, std::int64_t now, const std::string& replica = "r1") {
    auto claimed = store_->claim({kind}, 1, replica, now).value();
    EXPECT_EQ(claimed.size(), 1u);
    return claimed.at(0);
  }

  Job find(std::int64_t id) {
    for (const auto& job : store_->list_jobs(JobFilter{std::nullopt, std::nullopt, 1000}).value()) {
      if (job.id == id) return job;
    }
    ADD_FAILURE() << "no job " << id;
    return {};
  }

  static JobAttempt attempt_of(const Job& job) { return {job.id, job.attempt}; }

  testing::TempDir dir_;
  std::unique_ptr<JobStore> store_;
};

TEST_P(JobStoreSuite, ANewJobIsAvailableAsEnqueued) {
  const auto job = enqueue("probe", 100, 5);
  EXPECT_GT(job.id, 0);
  EXPECT_EQ(job.kind, "probe");
  EXPECT_EQ(job.args, "{\"n\":1}");
  EXPECT_EQ(job.state, JobState::kAvailable);
  EXPECT_EQ(job.attempt, 0);
  EXPECT_EQ(job.max_attempts, 5);
  EXPECT_EQ(job.scheduled_at, 100);
  EXPECT_FALSE(job.attempted_at);
  EXPECT_EQ(job.attempted_by, "");
  EXPECT_FALSE(job.finished_at);
  EXPECT_FALSE(job.unique_key);
  EXPECT_GT(enqueue("probe").id, job.id);
  EXPECT_EQ(store_->shared_with_other_processes(), GetParam().name == "postgres");
}

TEST_P(JobStoreSuite, AUniqueKeyIsEnqueuedOnceHoweverManyAskForIt) {
  const auto first = enqueue("expiry", 600, 3, "expiry@600");
  EXPECT_EQ(first.unique_key, "expiry@600");
  EXPECT_FALSE(store_->enqueue(NewJob{"expiry", "{}", 600, 3, "expiry@600"}).value());
  // Jobs without a key never conflict.
  enqueue("probe");
  enqueue("probe");

  // Three replicas' worth of enqueuers wanting the same slots, on connections of their own.
  constexpr int kEnqueuers = 6;
  constexpr int kSlots = 10;
  std::atomic<int> added{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kEnqueuers; ++t) {
    threads.emplace_back([&] {
      for (int slot = 1; slot <= kSlots; ++slot) {
        const std::string key = "expiry@" + std::to_string(600 + slot * 60);
        auto job = store_->enqueue(NewJob{"expiry", "{}", 600 + slot * 60, 3, key});
        if (!job) {
          ++failed;
        } else if (*job) {
          ++added;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(added, kSlots);
  EXPECT_EQ(store_->list_jobs(JobFilter{"expiry", std::nullopt, 100}).value().size(), 1u + kSlots);
}

TEST_P(JobStoreSuite, AClaimTakesDueJobsOfItsKindsOldestFirst) {
  const auto late = enqueue("a", 300);
  const auto early = enqueue("a", 100);
  const auto other_kind = enqueue("b", 100);
  const auto future = enqueue("a", 1000);

  auto claimed = store_->claim({"a", "c"}, 10, "host:1:abc", 500).value();
  ASSERT_EQ(claimed.size(), 2u);
  std::set<std::int64_t> ids{claimed[0].id, claimed[1].id};
  EXPECT_EQ(ids, (std::set<std::int64_t>{late.id, early.id}));
  for (const auto& job : claimed) {
    EXPECT_EQ(job.state, JobState::kRunning);
    EXPECT_EQ(job.attempt, 1);
    EXPECT_EQ(job.attempted_at, 500);
    EXPECT_EQ(job.heartbeat_at, 500);
    EXPECT_EQ(job.attempted_by, "host:1:abc");
  }
  EXPECT_TRUE(store_->claim({"a"}, 10, "r2", 500).value().empty());
  EXPECT_EQ(find(other_kind.id).state, JobState::kAvailable);
  EXPECT_EQ(find(future.id).state, JobState::kAvailable);

  // A limit takes the oldest.
  const auto first = enqueue("d", 100);
  enqueue("d", 200);
  EXPECT_EQ(only_claim("d", 500).id, first.id);
  EXPECT_TRUE(store_->claim({}, 10, "r1", 5000).value().empty());
}

TEST_P(JobStoreSuite, ConcurrentClaimantsNeverGetTheSameJob) {
  constexpr int kJobs = 120;
  constexpr int kClaimants = 6;
  for (int i = 0; i < kJobs; ++i) enqueue("work", 100 + i % 7);
  std::mutex mutex;
  std::vector<std::int64_t> claimed;  // guarded by mutex
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClaimants; ++t) {
    threads.emplace_back([&, t] {
      // A claim can come back short while others hold rows it skipped: go on until all are
      // taken, with a bound in case something is wrong.
      for (int round = 0; round < 10 * kJobs; ++round) {
        {
          std::lock_guard lock(mutex);
          if (claimed.size() >= static_cast<std::size_t>(kJobs)) return;
        }
        auto jobs = store_->claim({"work"}, 3, "r" + std::to_string(t), 1000);
        if (!jobs) {
          ++failed;
          continue;
        }
        std::lock_guard lock(mutex);
        for (const auto& job : *jobs) claimed.push_back(job.id);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(claimed.size(), static_cast<std::size_t>(kJobs));
  EXPECT_EQ(std::set<std::int64_t>(claimed.begin(), claimed.end()).size(), claimed.size());
  for (const auto& job : store_->list_jobs(JobFilter{"work", std::nullopt, 1000}).value()) {
    EXPECT_EQ(job.state, JobState::kRunning);
    EXPECT_EQ(job.attempt, 1);
  }
}

TEST_P(JobStoreSuite, OnlyTheAttemptThatHoldsAJobMayHeartbeatOrFinishIt) {
  const auto job = enqueue("long");
  const auto first = only_claim("long", 200, "r1");
  EXPECT_TRUE(store_->heartbeat(attempt_of(first), 210).value());
  EXPECT_EQ(find(job.id).heartbeat_at, 210);

  // r1 goes quiet; the job is rescued and r2 takes the second attempt.
  ASSERT_EQ(store_->rescue(250, 300).value().size(), 1u);
  const auto second = only_claim("long", 300, "r2");
  EXPECT_EQ(second.attempt, 2);

  // r1's late word changes nothing.
  EXPECT_FALSE(store_->heartbeat(attempt_of(first), 310).value());
  EXPECT_FALSE(store_->complete(attempt_of(first), 310).value());
  EXPECT_FALSE(store_->fail(attempt_of(first), "late", 400, 310).value());
  auto now = find(job.id);
  EXPECT_EQ(now.state, JobState::kRunning);
  EXPECT_EQ(now.attempted_by, "r2");
  EXPECT_EQ(now.heartbeat_at, 300);

  EXPECT_TRUE(store_->complete(attempt_of(second), 320).value());
  now = find(job.id);
  EXPECT_EQ(now.state, JobState::kCompleted);
  EXPECT_EQ(now.finished_at, 320);
  // Whose attempt was rescued stays on record.
  EXPECT_NE(now.last_error.find("no heartbeat from r1"), std::string::npos) << now.last_error;
  // Finished is finished.
  EXPECT_FALSE(store_->complete(attempt_of(second), 330).value());
  EXPECT_FALSE(store_->heartbeat(attempt_of(second), 330).value());
}

TEST_P(JobStoreSuite, AFailedJobIsRetriedLaterUntilItsAttemptsAreSpent) {
  const auto job = enqueue("flaky", 100, 2);
  const auto first = only_claim("flaky", 100);
  EXPECT_TRUE(store_->fail(attempt_of(first), "boom", 160, 110).value());
  auto now = find(job.id);
  EXPECT_EQ(now.state, JobState::kRetryable);
  EXPECT_EQ(now.scheduled_at, 160);
  EXPECT_EQ(now.last_error, "boom");
  EXPECT_FALSE(now.finished_at);
  EXPECT_TRUE(store_->claim({"flaky"}, 1, "r1", 159).value().empty());

  const auto second = only_claim("flaky", 160);
  EXPECT_EQ(second.attempt, 2);
  EXPECT_TRUE(store_->fail(attempt_of(second), "boom again", 220, 170).value());
  now = find(job.id);
  EXPECT_EQ(now.state, JobState::kDiscarded);
  EXPECT_EQ(now.finished_at, 170);
  EXPECT_EQ(now.last_error, "boom again");
  EXPECT_TRUE(store_->claim({"flaky"}, 1, "r1", 1000).value().empty());
}

TEST_P(JobStoreSuite, TheRescuerTakesBackOnlyJobsWhoseHeartbeatStopped) {
  enqueue("a", 100, 3);
  enqueue("a", 100, 1);
  const auto alive = only_claim("a", 100, "alive");
  const auto dead = only_claim("a", 100, "dead:42:beef");
  ASSERT_TRUE(store_->heartbeat(attempt_of(alive), 190).value());

  EXPECT_TRUE(store_->rescue(100, 200).value().empty());  // older than, not as old as
  const auto rescued = store_->rescue(150, 200).value();
  ASSERT_EQ(rescued.size(), 1u);
  EXPECT_EQ(rescued[0].id, dead.id);
  // Its only attempt is spent: discarded, saying whose heartbeat stopped.
  EXPECT_EQ(rescued[0].state, JobState::kDiscarded);
  EXPECT_EQ(rescued[0].finished_at, 200);
  EXPECT_NE(rescued[0].last_error.find("dead:42:beef"), std::string::npos) << rescued[0].last_error;
  EXPECT_EQ(find(alive.id).state, JobState::kRunning);

  // With attempts left, a rescued job is retryable at once.
  const auto later = store_->rescue(195, 300).value();
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].state, JobState::kRetryable);
  EXPECT_EQ(later[0].scheduled_at, 300);
  EXPECT_FALSE(later[0].finished_at);
  EXPECT_EQ(only_claim("a", 300, "other").attempt, 2);
}

TEST_P(JobStoreSuite, OneLeaderAtATimeUntilItsTermExpiresOrItResigns) {
  EXPECT_TRUE(store_->elect_leader("jobs", "a", 100, 115).value());
  EXPECT_FALSE(store_->elect_leader("jobs", "b", 101, 116).value());
  EXPECT_TRUE(store_->elect_leader("other", "b", 101, 116).value());  // names are apart
  EXPECT_TRUE(store_->reelect_leader("jobs", "a", 110, 125).value());
  EXPECT_FALSE(store_->reelect_leader("jobs", "b", 110, 125).value());
  EXPECT_FALSE(store_->elect_leader("jobs", "b", 125, 140).value());  // expires_at is still in the term

  // a goes quiet: its term ends and b takes over; a cannot extend a term it lost.
  EXPECT_TRUE(store_->elect_leader("jobs", "b", 126, 141).value());
  EXPECT_FALSE(store_->reelect_leader("jobs", "a", 127, 142).value());
  EXPECT_TRUE(store_->reelect_leader("jobs", "b", 127, 142).value());

  // An expired leader that was not replaced cannot extend either: it must be elected again.
  EXPECT_FALSE(store_->reelect_leader("jobs", "b", 143, 158).value());
  EXPECT_TRUE(store_->elect_leader("jobs", "b", 143, 158).value());

  // Resigning hands over at once; a resign by someone else changes nothing.
  ASSERT_TRUE(store_->resign_leader("jobs", "a"));
  EXPECT_FALSE(store_->elect_leader("jobs", "a", 144, 159).value());
  ASSERT_TRUE(store_->resign_leader("jobs", "b"));
  EXPECT_TRUE(store_->elect_leader("jobs", "a", 144, 159).value());
}

TEST_P(JobStoreSuite, ReplicasElectingAtOnceGetOneLeader) {
  constexpr int kReplicas = 8;
  for (std::int64_t term = 0; term < 5; ++term) {
    const std::int64_t now = 1000 + term * 100;  // each round after the last one's term expired
    std::atomic<int> elected{0};
    std::atomic<int> failed{0};
    std::vector<std::thread> threads;
    for (int r = 0; r < kReplicas; ++r) {
      threads.emplace_back([&, r] {
        auto won = store_->elect_leader("jobs", "replica" + std::to_string(r), now, now + 15);
        if (!won) {
          ++failed;
        } else if (*won) {
          ++elected;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failed, 0);
    EXPECT_EQ(elected, 1) << "term " << term;
  }
}

TEST_P(JobStoreSuite, JobsAreListedNewestFirstByKindAndState) {
  const auto a1 = enqueue("a");
  const auto b1 = enqueue("b");
  const auto a2 = enqueue("a");
  only_claim("b", 100);
  auto ids = [](const std::vector<Job>& jobs) {
    std::vector<std::int64_t> out;
    for (const auto& job : jobs) out.push_back(job.id);
    return out;
  };
  EXPECT_EQ(ids(store_->list_jobs({}).value()), (std::vector<std::int64_t>{a2.id, b1.id, a1.id}));
  EXPECT_EQ(ids(store_->list_jobs({"a", std::nullopt, 100}).value()), (std::vector<std::int64_t>{a2.id, a1.id}));
  EXPECT_EQ(ids(store_->list_jobs({std::nullopt, JobState::kRunning, 100}).value()), std::vector<std::int64_t>{b1.id});
  EXPECT_EQ(ids(store_->list_jobs({"a", JobState::kRunning, 100}).value()), std::vector<std::int64_t>{});
  EXPECT_EQ(ids(store_->list_jobs({std::nullopt, std::nullopt, 1}).value()), std::vector<std::int64_t>{a2.id});
}

TEST_P(JobStoreSuite, FinishedJobsAreDeletedAfterTheCutoffAndFreeTheirKeys) {
  enqueue("done", 100, 1, "done@100");
  enqueue("gone", 100, 1);
  enqueue("recent", 100, 1);
  enqueue("running", 100, 1);
  enqueue("waiting", 100, 1);
  ASSERT_TRUE(store_->complete(attempt_of(only_claim("done", 100)), 110).value());
  ASSERT_TRUE(store_->fail(attempt_of(only_claim("gone", 100)), "x", 200, 120).value());  // discarded
  ASSERT_TRUE(store_->complete(attempt_of(only_claim("recent", 100)), 200).value());
  only_claim("running", 100);

  EXPECT_EQ(store_->delete_finished_jobs(150).value(), 2u);
  std::set<std::string> left;
  for (const auto& job : store_->list_jobs({}).value()) left.insert(job.kind);
  EXPECT_EQ(left, (std::set<std::string>{"recent", "running", "waiting"}));
  EXPECT_TRUE(store_->enqueue(NewJob{"done", "{}", 100, 1, "done@100"}).value());
}

INSTANTIATE_TEST_SUITE_P(
    Backends, JobStoreSuite,
    ::testing::Values(Backend{"sqlite", [](const auto& dir) { return open_sqlite_job_store(dir / "pier.db"); }},
                      Backend{"postgres",
                              [](const auto&) {
                                return open_postgres_job_store(testing::PostgresServer::shared().create_database());
                              }}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace pier::meta
