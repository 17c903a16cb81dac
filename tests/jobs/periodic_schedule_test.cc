#include "jobs/periodic_schedule.h"

#include <gtest/gtest.h>

#include "meta/sqlite/sqlite_job_store.h"
#include "test_dirs.h"

namespace pier::jobs {
namespace {

using namespace std::chrono_literals;

TEST(PeriodicSchedule, SlotsAreCountedFromTheEpoch) {
  EXPECT_EQ(slot_of(1'700'000'599, 600s), 1'700'000'400);
  EXPECT_EQ(slot_of(1'700'000'400, 600s), 1'700'000'400);
  EXPECT_EQ(slot_of(7, 1s), 7);
  EXPECT_EQ(slot_of(3599, 3600s), 0);
  EXPECT_EQ(slot_key("upload_expiry", 1'700'000'400), "upload_expiry@1700000400");
}

TEST(PeriodicSchedule, EachSlotIsEnqueuedOnceByAnyNumberOfEnqueuers) {
  testing::TempDir dir;
  auto store = meta::open_sqlite_job_store(dir.path() / "pier.db");
  // Two leaders in turn, each with its own memory of what it enqueued.
  PeriodicEnqueuer first(*store, 3);
  PeriodicEnqueuer second(*store, 3);
  for (auto* enqueuer : {&first, &second}) {
    enqueuer->add(Schedule{"often", 60s, "{\"a\":1}"});
    enqueuer->add(Schedule{"hourly", 3600s});
  }
  ASSERT_TRUE(first.enqueue_due(7200));
  ASSERT_TRUE(second.enqueue_due(7210));
  ASSERT_TRUE(first.enqueue_due(7259));
  ASSERT_TRUE(second.enqueue_due(7260));  // the next minute
  const auto jobs = store->list_jobs({}).value();
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].unique_key, "often@7260");
  EXPECT_EQ(jobs[0].scheduled_at, 7260);
  EXPECT_EQ(jobs[0].args, "{\"a\":1}");
  EXPECT_EQ(jobs[0].max_attempts, 3);
  EXPECT_EQ(jobs[1].unique_key, "hourly@7200");
  EXPECT_EQ(jobs[2].unique_key, "often@7200");
}

}  // namespace
}  // namespace pier::jobs
