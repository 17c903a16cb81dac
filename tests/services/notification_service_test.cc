// Notification rules and deliveries over a real embedded database: which events a rule gets
// (its scope, tag glob, minimum severity), what an attempt records, and when a rule is
// disabled. The sender is a recording one: sending itself is tests/notify's and the
// integration tests'.
#include "services/notification_service.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <mutex>

#include "meta/sqlite/sqlite_job_store.h"
#include "meta/sqlite/sqlite_notification_store.h"
#include "meta/sqlite/sqlite_store.h"
#include "notify/sender.h"
#include "test_dirs.h"
#include "vuln/vulnerability_index.h"

namespace pier::services {
namespace {

class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return time; }
  std::chrono::system_clock::time_point time{std::chrono::seconds(1'000'000)};
};

class RecordingSender final : public notify::Sender {
 public:
  notify::Attempt send(notify::Method, std::string_view config_json, const notify::Outgoing& outgoing) override {
    std::lock_guard lock(mutex);
    sent.push_back(outgoing);
    configs.emplace_back(config_json);
    return next;
  }
  std::mutex mutex;
  std::vector<notify::Outgoing> sent;
  std::vector<std::string> configs;
  notify::Attempt next{true, 204, ""};
};

class NotificationServiceTest : public ::testing::Test {
 protected:
  NotificationServiceTest()
      : metadata_(meta::open_sqlite_store(dir_.path() / "pier.db")),
        jobs_(meta::open_sqlite_job_store(dir_.path() / "pier.db")),
        store_(meta::open_sqlite_notification_store(dir_.path() / "pier.db")),
        service_(*store_, sender_, clock_, {"registry.example:5000", 3, 2, std::chrono::milliseconds(1000)},
                 std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>())) {}

  RuleView create(std::string event, std::optional<std::string> repository = std::nullopt, std::string tags = "",
                  std::string severity = "") {
    RuleRequest request{"acme", std::move(repository), std::move(event), "webhook",
                        R"({"url":"http://127.0.0.1:9/","secret":"s"})", "", std::move(tags), std::move(severity)};
    return service_.create(request).value();
  }

  void push(std::string repository, std::string content, std::vector<std::string> tags) {
    meta::ManifestRecord record{digest_of(content).str(), "application/vnd.oci.image.manifest.v1+json", content,
                                "",  "", "", {}};
    record.pushed_by = "alice";
    ASSERT_TRUE(metadata_->put_manifest(repository, record, tags, 10));
  }

  // Every delivery job's attempt run as the runner would, until each has delivered or failed.
  void run_deliveries() {
    for (int round = 0; round < 10; ++round) {
      auto claimed = jobs_->claim({std::string(kDeliveryJob)}, 100, "r", 1'000'000 + round * 1000).value();
      if (claimed.empty()) return;
      for (const auto& job : claimed) {
        std::vector<std::int64_t> ids;
        const auto args = boost::json::parse(job.args);
        for (const auto& id : args.at("deliveries").as_array()) ids.push_back(id.to_number<std::int64_t>());
        auto delivered = service_.deliver(ids, job.attempt, job.max_attempts);
        if (delivered) {
          jobs_->complete({job.id, job.attempt}, 1'000'000).value();
        } else {
          jobs_->fail({job.id, job.attempt}, delivered.error().message, 0, 1'000'000).value();
        }
      }
    }
  }

  testing::TempDir dir_;
  FixedClock clock_;
  RecordingSender sender_;
  std::unique_ptr<meta::MetadataStore> metadata_;
  std::unique_ptr<meta::JobStore> jobs_;
  std::unique_ptr<meta::NotificationStore> store_;
  NotificationService service_;
};

TEST_F(NotificationServiceTest, RulesAreCheckedAndShownWithoutSecrets) {
  const auto rule = create("push");
  EXPECT_EQ(boost::json::parse(rule.rule.config).at("secret").as_string(), "********");
  RuleRequest bad{"acme", std::nullopt, "pushed", "webhook", R"({"url":"http://x/"})", "", "", ""};
  EXPECT_EQ(service_.create(bad).error().code, ErrorCode::kBadRequest);
  bad.event = "push";
  bad.method = "pigeon";
  EXPECT_EQ(service_.create(bad).error().code, ErrorCode::kBadRequest);
  bad.method = "webhook";
  bad.tag_filter = "[v";
  EXPECT_EQ(service_.create(bad).error().code, ErrorCode::kBadRequest);
  bad.tag_filter = "v*";
  bad.event = "quota_warning";
  EXPECT_EQ(service_.create(bad).error().code, ErrorCode::kBadRequest) << "quota events name no tags";
  bad.tag_filter = "";
  bad.repository = "acme/app";
  EXPECT_EQ(service_.create(bad).error().code, ErrorCode::kBadRequest) << "quotas are a namespace's";
  bad.event = "push";
  bad.repository.reset();
  bad.min_severity = "high";
  EXPECT_EQ(service_.create(bad).error().code, ErrorCode::kBadRequest) << "severity is for vulnerability_found";
}

TEST_F(NotificationServiceTest, EventsReachTheRulesTheyMatch) {
  create("push");
  create("push", "acme/other");
  create("push", std::nullopt, "v*");
  create("delete");
  push("acme/app", "{}", {"latest"});
  push("acme/app", "{ }", {"v1"});
  push("elsewhere/app", "{  }", {"v1"});
  EXPECT_EQ(service_.dispatch().value(), 3u);
  run_deliveries();
  ASSERT_EQ(sender_.sent.size(), 3u);
  std::vector<std::vector<std::string>> tags;
  for (const auto& sent : sender_.sent) {
    const auto payload = boost::json::parse(sent.payload_json).as_object();
    EXPECT_EQ(payload.at("event").as_string(), "push");
    EXPECT_EQ(payload.at("registry").as_string(), "registry.example:5000");
    EXPECT_EQ(payload.at("repository").as_string(), "acme/app");
    EXPECT_EQ(payload.at("actor").as_string(), "alice");
    EXPECT_EQ(payload.at("occurred_at").as_string(), "1970-01-01T00:00:10Z");
    tags.push_back({std::string(payload.at("tags").as_array().at(0).as_string())});
  }
  std::sort(tags.begin(), tags.end());
  EXPECT_EQ(tags, (std::vector<std::vector<std::string>>{{"latest"}, {"v1"}, {"v1"}}));
  EXPECT_EQ(service_.dispatch().value(), 0u) << "every event is dispatched once";
}

TEST_F(NotificationServiceTest, FindingsBelowTheRulesSeverityAreNotSent) {
  create("vulnerability_found", std::nullopt, "", "high");
  vuln::Finding medium;
  medium.id = "CVE-1";
  medium.package = "openssl";
  medium.severity = vuln::Severity::kMedium;
  service_.vulnerabilities_found("acme/app", "sha256:aa", {medium});
  auto critical = medium;
  critical.id = "CVE-2";
  critical.severity = vuln::Severity::kCritical;
  service_.vulnerabilities_found("acme/app", "sha256:bb", {medium, critical});
  EXPECT_EQ(service_.dispatch().value(), 1u);
  run_deliveries();
  ASSERT_EQ(sender_.sent.size(), 1u);
  const auto payload = boost::json::parse(sender_.sent[0].payload_json).as_object();
  EXPECT_EQ(payload.at("digest").as_string(), "sha256:bb");
  EXPECT_EQ(payload.at("severity").as_string(), "critical");
  EXPECT_EQ(payload.at("summary").at("medium").to_number<int>(), 1);
  EXPECT_EQ(payload.at("vulnerabilities").as_array().size(), 2u);
}

TEST_F(NotificationServiceTest, ARuleFailingItsDeliveriesIsDisabledAndEnablingClearsIt) {
  const auto rule = create("push");
  sender_.next = {false, 500, "HTTP 500: down"};
  push("acme/app", "{}", {"1"});
  push("acme/app", "{ }", {"2"});
  service_.dispatch().value();
  run_deliveries();
  // One job holds both, in order: the first fails each of its 3 attempts, and the second waits
  // behind it rather than being sent out of order.
  EXPECT_EQ(sender_.sent.size(), 3u);
  auto view = service_.get(rule.rule.id).value().value();
  EXPECT_FALSE(view.rule.enabled);
  EXPECT_NE(view.rule.disabled_reason.find("HTTP 500: down"), std::string::npos);
  ASSERT_EQ(view.deliveries.size(), 2u);
  EXPECT_EQ(view.deliveries[1].state, meta::DeliveryState::kFailed);
  EXPECT_EQ(view.deliveries[1].attempts, 3);
  EXPECT_EQ(view.deliveries[1].status_code, 500);
  EXPECT_EQ(view.deliveries[0].state, meta::DeliveryState::kFailed);
  EXPECT_NE(view.deliveries[0].error.find("not sent"), std::string::npos);

  // A disabled rule's pending deliveries are not sent.
  sender_.next = {true, 204, ""};
  push("acme/app", "{  }", {"3"});
  EXPECT_EQ(service_.dispatch().value(), 0u);
  view = service_.update(rule.rule.id, {std::nullopt, std::nullopt, std::nullopt, std::nullopt, true}).value();
  EXPECT_TRUE(view.rule.enabled);
  EXPECT_EQ(view.rule.disabled_reason, "");
  push("acme/app", "{   }", {"4"});
  service_.dispatch().value();
  run_deliveries();
  EXPECT_EQ(sender_.sent.size(), 4u);
}

TEST_F(NotificationServiceTest, ATestIsSentAtOnceAndListed) {
  const auto rule = create("push", "acme/app");
  const auto outcome = service_.test(rule.rule.id).value();
  EXPECT_TRUE(outcome.delivered);
  EXPECT_EQ(outcome.status_code, 204);
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(sender_.sent[0].event, "test");
  EXPECT_EQ(boost::json::parse(sender_.sent[0].payload_json).at("repository").as_string(), "acme/app");
  const auto view = service_.get(rule.rule.id).value().value();
  ASSERT_EQ(view.deliveries.size(), 1u);
  EXPECT_EQ(view.deliveries[0].event_kind, "test");
}

TEST(NotificationRetryDelay, DoublesFromOneSecondToFiveMinutes) {
  EXPECT_EQ(NotificationService::retry_delay(1).count(), 1);
  EXPECT_EQ(NotificationService::retry_delay(2).count(), 2);
  EXPECT_EQ(NotificationService::retry_delay(3).count(), 4);
  EXPECT_EQ(NotificationService::retry_delay(9).count(), 256);
  EXPECT_EQ(NotificationService::retry_delay(10).count(), 300);
  EXPECT_EQ(NotificationService::retry_delay(100).count(), 300);
}

}  // namespace
}  // namespace pier::services
