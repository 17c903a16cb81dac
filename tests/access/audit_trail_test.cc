#include "access/audit_trail.h"

#include <algorithm>

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
  for (int i = 0; i < 3; ++i) trail.record(event("pull", "alice", "v1"));
  trail.record(event("pull", "bob", "v1"));
  trail.record(event("pull", "alice", "v2"));
  trail.record(event("push", "alice", "v1"));
  trail.record(event("push", "alice", "v1"));  // pushes are never merged
  ASSERT_TRUE(trail.flush());
  auto events = stored();
  ASSERT_EQ(events.size(), 5u);
  std::reverse(events.begin(), events.end());  // oldest first
  EXPECT_EQ(events[0].detail, "{\"reference\":\"v1\",\"count\":3}");
  EXPECT_EQ(events[1].actor, "bob");
  EXPECT_EQ(events[1].detail, "{\"reference\":\"v1\"}");
  EXPECT_EQ(events[2].detail, "{\"reference\":\"v2\"}");
  EXPECT_EQ(events[3].action, "push");
  EXPECT_EQ(events[4].action, "push");

  // The next second starts counting anew.
  trail.record(event("pull", "alice", "v1"));
  ASSERT_TRUE(trail.flush());
  EXPECT_EQ(stored().front().detail, "{\"reference\":\"v1\"}");
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
