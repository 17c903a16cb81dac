// One suite for every NotificationStore implementation, beside the MetadataStore, LifecycleStore
// and JobStore of the same database: the events their changes write to the outbox in the same
// transaction, rules, dispatching into deliveries and their jobs, attempts and disabling.
#include "meta/notification_store.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>

#include "meta/job_store.h"
#include "meta/lifecycle_store.h"
#include "meta/metadata_store.h"
#include "meta/postgres/pg_job_store.h"
#include "meta/postgres/pg_lifecycle_store.h"
#include "meta/postgres/pg_notification_store.h"
#include "meta/postgres/pg_store.h"
#include "meta/sqlite/sqlite_job_store.h"
#include "meta/sqlite/sqlite_lifecycle_store.h"
#include "meta/sqlite/sqlite_notification_store.h"
#include "meta/sqlite/sqlite_store.h"
#include "pg_server.h"
#include "test_dirs.h"

namespace pier::meta {
namespace {

struct Stores {
  std::unique_ptr<MetadataStore> metadata;
  std::unique_ptr<LifecycleStore> lifecycle;
  std::unique_ptr<JobStore> jobs;
  std::unique_ptr<NotificationStore> notifications;
};

struct Backend {
  std::string name;
  std::function<Stores(const std::filesystem::path&)> make;
};

void PrintTo(const Backend& backend, std::ostream* out) { *out << backend.name; }

const std::string kImage = "application/vnd.oci.image.manifest.v1+json";

boost::json::object payload_of(const OutboxEvent& event) { return boost::json::parse(event.payload).as_object(); }

class NotificationStoreSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto stores = GetParam().make(dir_.path());
    metadata_ = std::move(stores.metadata);
    lifecycle_ = std::move(stores.lifecycle);
    jobs_ = std::move(stores.jobs);
    store_ = std::move(stores.notifications);
  }

  std::string put_manifest(std::string_view content, const std::vector<std::string>& tags,
                           std::string pushed_by = "alice") {
    ManifestRecord record{digest_of(content).str(), kImage, std::string(content), "", "", "", {}};
    record.pushed_by = std::move(pushed_by);
    EXPECT_TRUE(metadata_->put_manifest("acme/app", record, tags, 10));
    return record.digest;
  }

  NotificationRule rule(std::string event, std::optional<std::string> repository = std::nullopt) {
    NotificationRule rule;
    rule.namespace_name = "acme";
    rule.repository = std::move(repository);
    rule.event = std::move(event);
    rule.method = "webhook";
    rule.config = R"({"url":"http://127.0.0.1:9/"})";
    rule.created_at = 5;
    return store_->create_rule(rule).value();
  }

  std::vector<OutboxEvent> pending() { return store_->undispatched_events(100).value(); }

  static NewJob delivery_job() { return NewJob{"deliver_notification", "{}", 10, 3, std::nullopt}; }

  testing::TempDir dir_;
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<LifecycleStore> lifecycle_;
  std::unique_ptr<JobStore> jobs_;
  std::unique_ptr<NotificationStore> store_;
};

TEST_P(NotificationStoreSuite, APushWritesItsEventInItsOwnTransaction) {
  const auto digest = put_manifest("{}", {"1.0", "latest"});
  const auto events = pending();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "push");
  EXPECT_EQ(events[0].namespace_name, "acme");
  EXPECT_EQ(events[0].repository, "acme/app");
  EXPECT_EQ(events[0].occurred_at, 10);
  const auto payload = payload_of(events[0]);
  EXPECT_EQ(payload.at("digest").as_string(), digest);
  EXPECT_EQ(payload.at("tags"), (boost::json::array{"1.0", "latest"}));
  EXPECT_EQ(payload.at("media_type").as_string(), kImage);
  EXPECT_EQ(payload.at("size").to_number<std::int64_t>(), 2);
  EXPECT_EQ(payload.at("actor").as_string(), "alice");
  EXPECT_EQ(payload.at("repository").as_string(), "acme/app");

  // A push refused (a reference missing) rolls back its event with it.
  ManifestRecord refused{digest_of("x").str(), kImage, "x", "", "", "", {}};
  refused.references.push_back({digest_of("missing").str(), ReferenceKind::kBlob, std::nullopt, "config"});
  EXPECT_FALSE(metadata_->put_manifest("acme/app", refused, {"2.0"}, 11));
  EXPECT_EQ(pending().size(), 1u);
}

TEST_P(NotificationStoreSuite, DeletionsTagsAndExpiryWriteTheirEvents) {
  const auto digest = put_manifest("{}", {"1.0", "2.0"});
  ASSERT_TRUE(metadata_->delete_tag("acme/app", "2.0", 11).value());
  ASSERT_TRUE(metadata_->tag_manifest("acme/app", "3.0", Digest::parse(digest).value(), 12).value());
  ASSERT_TRUE(lifecycle_->set_tag_expiry("acme/app", "3.0", 13, std::nullopt).value());
  ASSERT_EQ(lifecycle_->remove_expired_tags(14, 10).value().size(), 1u);
  ASSERT_TRUE(lifecycle_->remove_tag_if_at("acme/app", "1.0", digest, 15).value());
  const auto other = put_manifest("{ }", {});
  ASSERT_TRUE(metadata_->delete_manifest("acme/app", Digest::parse(other).value(), 16).value());

  const auto events = pending();
  std::vector<std::string> kinds;
  for (const auto& event : events) kinds.push_back(event.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"push", "delete", "push", "tag_expired", "tag_pruned", "push", "delete"}));
  EXPECT_EQ(payload_of(events[1]).at("tags"), (boost::json::array{"2.0"}));
  EXPECT_EQ(payload_of(events[1]).at("digest").as_string(), digest);
  EXPECT_EQ(payload_of(events[2]).at("tags"), (boost::json::array{"3.0"}));
  EXPECT_EQ(payload_of(events[3]).at("tags"), (boost::json::array{"3.0"}));
  EXPECT_EQ(payload_of(events[4]).at("tags"), (boost::json::array{"1.0"}));
  EXPECT_EQ(payload_of(events[6]).at("digest").as_string(), other);
}

TEST_P(NotificationStoreSuite, AQuotaWarnsOnceWhenALinkCrossesItsThreshold) {
  ASSERT_TRUE(lifecycle_->set_quota("acme", 1000, 500));
  ASSERT_TRUE(metadata_->link_blob("acme/app", digest_of("a"), 400, 1));
  EXPECT_TRUE(pending().empty());
  ASSERT_TRUE(metadata_->link_blob("acme/app", digest_of("b"), 200, 2));
  ASSERT_TRUE(metadata_->link_blob("acme/app", digest_of("c"), 100, 3));
  const auto events = pending();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "quota_warning");
  EXPECT_EQ(events[0].repository, "");
  EXPECT_EQ(payload_of(events[0]).at("usage_bytes").to_number<std::int64_t>(), 600);
  EXPECT_EQ(payload_of(events[0]).at("quota_bytes").to_number<std::int64_t>(), 1000);
}

TEST_P(NotificationStoreSuite, RulesAreListedPerScopeAndUpdated) {
  const auto on_namespace = rule("push");
  const auto on_repository = rule("delete", "acme/app");
  EXPECT_EQ(store_->rules_of("acme", std::nullopt).value(), std::vector<NotificationRule>{on_namespace});
  EXPECT_EQ(store_->rules_of("acme", std::string("acme/app")).value(), std::vector<NotificationRule>{on_repository});
  auto changed = on_namespace;
  changed.title = "CI";
  changed.enabled = false;
  changed.disabled_reason = "by hand";
  ASSERT_TRUE(store_->update_rule(changed).value());
  EXPECT_EQ(store_->rule(on_namespace.id).value(), changed);
  EXPECT_EQ(store_->enabled_rules().value(), std::vector<NotificationRule>{on_repository});
  ASSERT_TRUE(store_->delete_namespace_rules("acme"));
  EXPECT_TRUE(store_->enabled_rules().value().empty());
  EXPECT_FALSE(store_->delete_rule(on_namespace.id).value());
}

TEST_P(NotificationStoreSuite, DispatchMakesEachDeliveryAndItsJobOnce) {
  const auto push_rule = rule("push");
  put_manifest("{}", {"1.0"});
  const auto events = pending();
  ASSERT_EQ(events.size(), 1u);
  const std::vector<NewDelivery> deliveries{{push_rule.id, events[0].id, "push"}};
  EXPECT_EQ(store_->dispatch({events[0].id}, deliveries, delivery_job(), 10).value(), 1u);
  EXPECT_TRUE(pending().empty());
  // A second dispatcher that read the same events adds nothing.
  EXPECT_EQ(store_->dispatch({events[0].id}, deliveries, delivery_job(), 10).value(), 0u);

  const auto claimed = jobs_->claim({"deliver_notification"}, 10, "r1", 10).value();
  ASSERT_EQ(claimed.size(), 1u);
  const auto ids = boost::json::parse(claimed[0].args).at("deliveries").as_array();
  ASSERT_EQ(ids.size(), 1u);
  const auto delivery_id = ids[0].to_number<std::int64_t>();
  EXPECT_EQ(claimed[0].unique_key, "deliver_notification@" + std::to_string(delivery_id));
  EXPECT_EQ(claimed[0].max_attempts, 3);
  const auto works = store_->deliveries({delivery_id, 999}).value();
  ASSERT_EQ(works.size(), 1u);
  EXPECT_EQ(works[0].rule, push_rule);
  ASSERT_TRUE(works[0].event);
  EXPECT_EQ(works[0].event->id, events[0].id);
  EXPECT_EQ(works[0].delivery.state, DeliveryState::kPending);

  // A delivery for a rule deleted meanwhile is not made.
  const auto gone = rule("push");
  ASSERT_TRUE(store_->delete_rule(gone.id).value());
  put_manifest("{ }", {});
  const auto later = pending();
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(store_->dispatch({later[0].id}, {{gone.id, later[0].id, "push"}}, delivery_job(), 11).value(), 0u);
}

TEST_P(NotificationStoreSuite, OneJobSendsARulesDeliveriesInOrder) {
  const auto first = rule("push");
  const auto second = rule("push", "acme/app");
  put_manifest("{}", {"1"});
  put_manifest("{ }", {"2"});
  const auto events = pending();
  ASSERT_EQ(events.size(), 2u);
  std::vector<NewDelivery> deliveries;
  for (const auto& event : events) {
    deliveries.push_back({first.id, event.id, "push"});
    deliveries.push_back({second.id, event.id, "push"});
  }
  EXPECT_EQ(store_->dispatch({events[0].id, events[1].id}, deliveries, delivery_job(), 10).value(), 4u);
  const auto claimed = jobs_->claim({"deliver_notification"}, 10, "r1", 10).value();
  ASSERT_EQ(claimed.size(), 2u);
  for (const auto& job : claimed) {
    std::vector<std::int64_t> ids;
    const auto args = boost::json::parse(job.args);
    for (const auto& id : args.at("deliveries").as_array()) ids.push_back(id.to_number<std::int64_t>());
    const auto works = store_->deliveries(ids).value();
    ASSERT_EQ(works.size(), 2u);
    EXPECT_EQ(works[0].rule->id, works[1].rule->id);
    EXPECT_EQ(works[0].event->id, events[0].id);
    EXPECT_EQ(works[1].event->id, events[1].id);
  }
}

TEST_P(NotificationStoreSuite, FailuresInARowDisableTheRuleAndASuccessClearsThem) {
  const auto push_rule = rule("push");
  std::vector<std::int64_t> deliveries;
  for (int i = 0; i < 3; ++i) {
    put_manifest(std::string(static_cast<std::size_t>(i + 2), ' ') + "{}", {});
    const auto events = pending();
    ASSERT_EQ(events.size(), 1u);
    store_->dispatch({events[0].id}, {{push_rule.id, events[0].id, "push"}}, delivery_job(), 10).value();
    deliveries.push_back(store_->recent_deliveries(push_rule.id, 1).value().at(0).id);
  }
  AttemptOutcome failed{DeliveryState::kFailed, 3, 500, "HTTP 500", 20, 2, "disabled: HTTP 500"};
  ASSERT_TRUE(store_->record_attempts({{deliveries[0], failed}}));
  AttemptOutcome delivered{DeliveryState::kDelivered, 2, 204, "", 21, 2, ""};
  ASSERT_TRUE(store_->record_attempts({{deliveries[1], delivered}}));
  EXPECT_EQ(store_->rule(push_rule.id).value()->failures_in_a_row, 0);
  ASSERT_TRUE(store_->record_attempts({{deliveries[0], failed}}));
  EXPECT_TRUE(store_->rule(push_rule.id).value()->enabled);
  ASSERT_TRUE(store_->record_attempts({{deliveries[2], failed}}));
  const auto disabled = store_->rule(push_rule.id).value().value();
  EXPECT_FALSE(disabled.enabled);
  EXPECT_EQ(disabled.disabled_reason, "disabled: HTTP 500");

  const auto recent = store_->recent_deliveries(push_rule.id, 10).value();
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent[0].id, deliveries[2]);
  EXPECT_EQ(recent[0].state, DeliveryState::kFailed);
  EXPECT_EQ(recent[0].status_code, 500);
  EXPECT_EQ(recent[0].error, "HTTP 500");
  EXPECT_EQ(recent[1].state, DeliveryState::kDelivered);
  EXPECT_EQ(recent[1].attempts, 2);
}

TEST_P(NotificationStoreSuite, TestsAreDeliveriesWithoutEventsAndOldRowsGo) {
  const auto push_rule = rule("push");
  for (int i = 0; i < 3; ++i) {
    store_->record_test_delivery(push_rule.id, {DeliveryState::kDelivered, 1, 200, "", 30 + i, 5, ""}).value();
  }
  const auto recent = store_->recent_deliveries(push_rule.id, 10).value();
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_FALSE(recent[0].event_id);
  EXPECT_EQ(recent[0].event_kind, "test");
  // An event no rule matched is gone once dispatched; one with a delivery stays while it is
  // pending, and until the cutoff after.
  put_manifest("{}", {});
  put_manifest("{ }", {});
  const auto events = pending();
  ASSERT_EQ(events.size(), 2u);
  store_->dispatch({events[0].id, events[1].id}, {{push_rule.id, events[1].id, "push"}}, delivery_job(), 10).value();
  const auto delivery = store_->recent_deliveries(push_rule.id, 1).value().at(0);
  EXPECT_EQ(delivery.event_id, events[1].id);
  EXPECT_EQ(store_->remove_old(11, 10).value(), 0u) << "its delivery is pending";
  ASSERT_TRUE(store_->record_attempts({{delivery.id, {DeliveryState::kDelivered, 1, 200, "", 40, 5, ""}}}));
  EXPECT_EQ(store_->remove_old(5, 10).value(), 0u) << "younger than the cutoff";
  EXPECT_EQ(store_->remove_old(11, 10).value(), 1u);
  // Kept: the newest delivery per rule.
  EXPECT_EQ(store_->remove_old(5, 1).value(), 3u);
  EXPECT_EQ(store_->recent_deliveries(push_rule.id, 10).value().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Backends, NotificationStoreSuite,
    ::testing::Values(Backend{"sqlite",
                              [](const std::filesystem::path& dir) {
                                const auto path = dir / "pier.db";
                                return Stores{open_sqlite_store(path), open_sqlite_lifecycle_store(path),
                                              open_sqlite_job_store(path), open_sqlite_notification_store(path)};
                              }},
                      Backend{"postgres",
                              [](const std::filesystem::path&) {
                                const auto url = testing::PostgresServer::shared().create_database();
                                return Stores{open_postgres_store(url), open_postgres_lifecycle_store(url),
                                              open_postgres_job_store(url), open_postgres_notification_store(url)};
                              }}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace pier::meta
