#include "access/audit_trail.h"

#include <algorithm>
#include <thread>

#include "access_fixture.h"

namespace pier::access {
namespace {

class AuditTrailTest : public AccessFixture {
 protected:
  static meta::AuditEvent event(std::string action, std::string actor, std::string reference) {
    meta::AuditEvent e;
    e.at = 100;
    e.actor = std::move(actor);
    e.actor_kind = meta::ActorKind::kUser;
    e.client_address = "192.0.2.1";
    e.action = std::move(action);
    e.namespace_name = "acme";
    e.repository = "acme/app";
    e.detail = "{\"reference\":\"" + reference + "\"}";
    return e;
  }
  static PullSighting pull(std::string_view actor, std::string_view reference) {
    return {actor, meta::ActorKind::kUser, "192.0.2.1", "acme/app", reference, ""};
  }
  std::vector<meta::AuditEvent> stored() { return accounts_->query_audit_events({}).value(); }
};

TEST_F(AuditTrailTest, NothingIsWrittenUntilFlushed) {
  AuditTrail trail(*accounts_);
  trail.record(event("push", "alice", "v1"));
  EXPECT_TRUE(stored().empty());
  ASSERT_TRUE(trail.flush());
  ASSERT_EQ(stored().size(), 1u);
  EXPECT_EQ(stored()[0].detail, "{\"reference\":\"v1\"}");
  ASSERT_TRUE(trail.flush());  // an empty flush writes nothing more
  EXPECT_EQ(stored().size(), 1u);
}

TEST_F(AuditTrailTest, IdenticalPullsOfOneFlushAreCounted) {
  AuditTrail trail(*accounts_);
  for (int i = 0; i < 3; ++i) trail.record_pull(pull("alice", "v1"), 100);
  trail.record_pull(pull("bob", "v1"), 100);
  trail.record_pull(pull("alice", "v2"), 100);
  trail.record(event("push", "alice", "v1"));
  trail.record(event("push", "alice", "v1"));  // pushes are never merged
  ASSERT_TRUE(trail.flush());
  auto events = stored();
  ASSERT_EQ(events.size(), 5u);
  std::reverse(events.begin(), events.end());  // oldest first
  EXPECT_EQ(events[0].detail, "{\"reference\":\"v1\",\"count\":3}");
  EXPECT_EQ(events[0].action, "pull");
  EXPECT_EQ(events[0].namespace_name, "acme");
  EXPECT_EQ(events[0].repository, "acme/app");
  EXPECT_EQ(events[1].actor, "bob");
  EXPECT_EQ(events[1].detail, "{\"reference\":\"v1\"}");
  EXPECT_EQ(events[2].detail, "{\"reference\":\"v2\"}");
  EXPECT_EQ(events[3].action, "push");
  EXPECT_EQ(events[4].action, "push");

  // The next second starts counting anew.
  trail.record_pull(pull("alice", "v1"), 101);
  ASSERT_TRUE(trail.flush());
  EXPECT_EQ(stored().front().detail, "{\"reference\":\"v1\"}");
}

TEST_F(AuditTrailTest, PullsCountedOnSeveralThreadsAreWrittenOnceEach) {
  AuditTrail trail(*accounts_);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&trail] {
      for (int i = 0; i < 1000; ++i) trail.record_pull(pull("alice", "v1"), 100);
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(trail.flush());
  std::uint64_t total = 0;
  for (const auto& e : stored()) {
    EXPECT_EQ(e.actor, "alice");
    const auto at = e.detail.find("\"count\":");
    ASSERT_NE(at, std::string::npos) << e.detail;
    total += std::stoull(e.detail.substr(at + 8));
  }
  EXPECT_EQ(total, 4000u);  // one row per thread at most, no pull lost
  EXPECT_LE(stored().size(), 4u);
}

TEST_F(AuditTrailTest, AFullQueueCountsWhatItDrops) {
  AuditTrail trail(*accounts_);
  for (std::size_t i = 0; i < AuditTrail::kMaxQueued + 3; ++i) trail.record(event("push", "alice", "v1"));
  EXPECT_EQ(trail.take_dropped(), 3u);
  EXPECT_EQ(trail.take_dropped(), 0u);
  ASSERT_TRUE(trail.flush());
  meta::AuditQuery all;
  all.limit = AuditTrail::kMaxQueued + 10;
  EXPECT_EQ(accounts_->query_audit_events(all).value().size(), AuditTrail::kMaxQueued);
}

}  // namespace
}  // namespace pier::access
