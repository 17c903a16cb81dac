// Two runners on one database, as two replicas on one PostgreSQL (and, where it makes sense, two
// runners on one SQLite file): periodic slots run once, a stopped runner's job is rescued and
// run by the other, a failed job is tried again after its backoff; alone on SQLite, a runner
// takes over at once what a killed predecessor left.
#include "jobs/job_runner.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "meta/postgres/pg_job_store.h"
#include "meta/sqlite/sqlite_job_store.h"
#include "pg_server.h"
#include "test_dirs.h"

namespace pier::jobs {
namespace {

using namespace std::chrono_literals;

// Store time, moved by the test; the runners' own cadence is real time.
class SteppedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(seconds.load()));
  }
  void advance(std::chrono::seconds by) { seconds += by.count(); }
  std::atomic<std::int64_t> seconds{1'700'000'000};  // a multiple of every period below
};

// What the handlers saw: (runner, job id, attempt, scheduled_at) of each call.
struct Call {
  std::string runner;
  std::int64_t job_id;
  int attempt;
  std::int64_t scheduled_at;
};

class Calls {
 public:
  void add(Call call) {
    std::lock_guard lock(mutex_);
    calls_.push_back(std::move(call));
  }
  std::vector<Call> all() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::size_t size() const { return all().size(); }

 private:
  mutable std::mutex mutex_;
  std::vector<Call> calls_;
};

// Polls `done` until it holds, for at most 30 s: the runners work on threads of their own.
bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

struct Backend {
  std::string name;
  // A function that opens one more store on the same database each time it is called.
  std::function<std::function<std::unique_ptr<meta::JobStore>()>(const std::filesystem::path&)> database;
};

void PrintTo(const Backend& backend, std::ostream* out) { *out << backend.name; }

class JobRunnerTest : public ::testing::TestWithParam<Backend> {
 protected:
  JobRunnerTest() : open_store_(GetParam().database(dir_.path())), store_(open_store_()) {}

  // A runner on a store of its own, polling every 20 ms unless told otherwise, with a 2 s
  // heartbeat timeout and two workers.
  std::unique_ptr<JobRunner> runner(const std::string& name, std::chrono::milliseconds poll_interval = 20ms) {
    stores_.push_back(open_store_());
    JobRunnerOptions options;
    options.replica_id = name;
    options.poll_interval = poll_interval;
    options.heartbeat_timeout = 2s;
    options.workers = 2;
    return std::make_unique<JobRunner>(*stores_.back(), clock_, log_, options);
  }

  // A handler that records each call and succeeds.
  JobHandler recording(const std::string& runner) {
    return [this, runner](const meta::Job& job, JobContext&) -> Result<void> {
      calls_.add({runner, job.id, job.attempt, job.scheduled_at});
      return {};
    };
  }

  std::vector<meta::Job> jobs(const std::string& kind) {
    return store_->list_jobs(meta::JobFilter{kind, std::nullopt, 1000}).value();
  }

  testing::TempDir dir_;
  std::function<std::unique_ptr<meta::JobStore>()> open_store_;
  std::unique_ptr<meta::JobStore> store_;
  std::vector<std::unique_ptr<meta::JobStore>> stores_;
  SteppedClock clock_;
  std::shared_ptr<spdlog::logger> log_ =
      std::make_shared<spdlog::logger>("jobs", std::make_shared<spdlog::sinks::null_sink_mt>());
  Calls calls_;
};

TEST_P(JobRunnerTest, APeriodicJobRunsOncePerSlotAcrossRunners) {
  auto a = runner("a");
  auto b = runner("b");
  for (auto* r : {a.get(), b.get()}) {
    r->handle("tick", recording(r->replica_id()));
    r->every("tick", 10s);
    r->start();
  }
  const std::int64_t first = clock_.seconds;
  constexpr int kSlots = 5;
  for (int slot = 0; slot < kSlots; ++slot) {
    const std::int64_t start = first + 10 * slot;
    ASSERT_TRUE(eventually([&] {
      for (const auto& call : calls_.all()) {
        if (call.scheduled_at == start) return true;
      }
      return false;
    })) << "slot " << slot;
    // Long enough for either runner to enqueue or run the slot again, were it to.
    std::this_thread::sleep_for(100ms);
    if (slot + 1 < kSlots) clock_.advance(10s);
  }
  a->stop();
  b->stop();

  const auto calls = calls_.all();
  ASSERT_EQ(calls.size(), static_cast<std::size_t>(kSlots));
  std::map<std::int64_t, int> runs_per_slot;
  for (const auto& call : calls) ++runs_per_slot[call.scheduled_at];
  EXPECT_EQ(runs_per_slot.size(), static_cast<std::size_t>(kSlots));
  const auto stored = jobs("tick");
  ASSERT_EQ(stored.size(), static_cast<std::size_t>(kSlots));
  for (const auto& job : stored) {
    EXPECT_EQ(job.state, meta::JobState::kCompleted);
    EXPECT_EQ(job.attempt, 1);
    EXPECT_EQ(job.unique_key, "tick@" + std::to_string(job.scheduled_at));
  }
}

// Cases of replicas sharing PostgreSQL only: one process uses a SQLite file, and its runner
// leads unelected and takes over at its start whatever its database holds as running.
class SharedJobRunnerTest : public JobRunnerTest {};
// Cases of the one process on a SQLite file only: on PostgreSQL, a job running at start may
// have a live holder, and a leader a term.
class EmbeddedJobRunnerTest : public JobRunnerTest {};

TEST_P(SharedJobRunnerTest, AJobLeftByAStoppedRunnerIsRescuedAndRunByTheOther) {
  std::atomic<bool> started_on_a{false};
  auto a = runner("a");
  // On a the job holds its worker until the runner stops, as a long job would.
  a->handle("long", [&](const meta::Job& job, JobContext& context) -> Result<void> {
    calls_.add({"a", job.id, job.attempt, job.scheduled_at});
    started_on_a = true;
    while (context.sleep_for(10ms)) {
    }
    return make_error(ErrorCode::kUnavailable, "stopped");
  });
  a->start();
  const auto job = store_->enqueue(meta::NewJob{"long", "{}", clock_.seconds, 3, std::nullopt}).value().value();
  ASSERT_TRUE(eventually([&] { return started_on_a.load(); }));
  ASSERT_TRUE(eventually([&] { return a->leads(); }));

  auto b = runner("b");
  b->handle("long", recording("b"));
  b->start();
  a->stop();  // resigns: b leads from its next campaign
  EXPECT_EQ(jobs("long").at(0).state, meta::JobState::kRunning);
  EXPECT_EQ(calls_.size(), 1u);  // b does not take a job whose heartbeat is fresh

  clock_.advance(3s);  // past the heartbeat timeout
  ASSERT_TRUE(eventually([&] { return jobs("long").at(0).state == meta::JobState::kCompleted; }));
  b->stop();
  const auto calls = calls_.all();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].runner, "b");
  EXPECT_EQ(calls[1].attempt, 2);
  const auto done = jobs("long").at(0);
  EXPECT_EQ(done.id, job.id);
  EXPECT_EQ(done.attempt, 2);
  EXPECT_EQ(done.attempted_by, "b");
}

// A poke makes a runner poll now, and a worker that frees up after a poll that filled every
// worker polls again: five jobs for two workers all run long before the next interval.
TEST_P(JobRunnerTest, JobsEnqueuedHereRunAtOnceHoweverManyTheWorkers) {
  auto a = runner("a", 1h);
  a->handle("work", recording("a"));
  a->start();
  std::this_thread::sleep_for(100ms);  // past the poll made at start, which found nothing
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->enqueue(meta::NewJob{"work", "{}", clock_.seconds, 3, std::nullopt}).value());
  }
  a->poke();
  EXPECT_TRUE(eventually([&] {
    const auto all = jobs("work");
    return std::ranges::all_of(all, [](const meta::Job& job) { return job.state == meta::JobState::kCompleted; });
  }));
  EXPECT_EQ(calls_.size(), 5u);
  a->stop();
}

TEST_P(JobRunnerTest, AFailedJobIsTriedAgainAfterItsBackoff) {
  auto a = runner("a");
  std::atomic<int> attempts{0};
  a->handle("flaky", [&](const meta::Job&, JobContext&) -> Result<void> {
    if (++attempts == 1) return make_error(ErrorCode::kUnavailable, "not yet");
    return {};
  });
  a->start();
  const auto job = store_->enqueue(meta::NewJob{"flaky", "{}", clock_.seconds, 3, std::nullopt}).value().value();
  ASSERT_TRUE(eventually([&] { return jobs("flaky").at(0).state == meta::JobState::kRetryable; }));
  const auto waiting = jobs("flaky").at(0);
  EXPECT_EQ(waiting.last_error, "not yet");
  EXPECT_EQ(waiting.scheduled_at, clock_.seconds + 5);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(attempts, 1);  // not before its time

  clock_.advance(5s);
  ASSERT_TRUE(eventually([&] { return jobs("flaky").at(0).state == meta::JobState::kCompleted; }));
  a->stop();
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(jobs("flaky").at(0).id, job.id);
}

TEST_P(SharedJobRunnerTest, AStoppedLeaderHandsOverAtOnce) {
  auto a = runner("a");
  auto b = runner("b");
  a->start();
  ASSERT_TRUE(eventually([&] { return a->leads(); }));
  b->start();
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(b->leads());
  a->stop();
  // Within b's next campaigns, with the store's clock standing still: no term had to expire.
  EXPECT_TRUE(eventually([&] { return b->leads(); }));
  b->stop();
}

TEST_P(EmbeddedJobRunnerTest, AloneOnItsDatabaseARunnerTakesOverWhatAKilledOneLeftAtOnce) {
  // What a killed process leaves: its job running with a fresh heartbeat, and its term.
  const std::int64_t now = clock_.seconds;
  ASSERT_TRUE(store_->enqueue(meta::NewJob{"work", "{}", now, 3, std::nullopt}).value());
  ASSERT_EQ(store_->claim({"work"}, 1, "killed:1:0", now).value().size(), 1u);
  ASSERT_TRUE(store_->elect_leader("jobs", "killed:1:0", now, now + 60).value());

  auto a = runner("a");
  a->handle("work", recording("a"));
  a->every("tick", 10s);
  a->handle("tick", recording("a"));
  a->start();
  // Neither the heartbeat timeout nor the term had to pass: the store's clock stands still.
  ASSERT_TRUE(eventually([&] { return jobs("work").at(0).state == meta::JobState::kCompleted; }));
  ASSERT_TRUE(eventually([&] { return !jobs("tick").empty(); }));
  EXPECT_TRUE(a->leads());
  a->stop();
  const auto done = jobs("work").at(0);
  EXPECT_EQ(done.attempt, 2);
  EXPECT_EQ(done.attempted_by, "a");
  EXPECT_NE(done.last_error.find("killed:1:0"), std::string::npos) << done.last_error;
}

const Backend kSqlite{"sqlite", [](const std::filesystem::path& dir) {
                         return [path = dir / "pier.db"] { return meta::open_sqlite_job_store(path); };
                       }};
const Backend kPostgres{"postgres", [](const std::filesystem::path&) {
                          return [url = testing::PostgresServer::shared().create_database()] {
                            return meta::open_postgres_job_store(url);
                          };
                        }};
const auto kName = [](const auto& info) { return info.param.name; };

INSTANTIATE_TEST_SUITE_P(Backends, JobRunnerTest, ::testing::Values(kSqlite, kPostgres), kName);
INSTANTIATE_TEST_SUITE_P(Backends, SharedJobRunnerTest, ::testing::Values(kPostgres), kName);
INSTANTIATE_TEST_SUITE_P(Backends, EmbeddedJobRunnerTest, ::testing::Values(kSqlite), kName);

}  // namespace
}  // namespace pier::jobs
