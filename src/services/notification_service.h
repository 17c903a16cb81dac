// services/notification_service.h: notification rules, and the delivery of events to them.
//
// Events are written to the outbox (meta/notification_store.h) by the transaction of the
// change they tell of, or here for those with none. A dispatcher thread turns outbox events
// into deliveries, one per matching rule, each with its job (one transaction); it runs when a
// change here says an event was written, at start (so what a crash left behind goes out at
// once) and every second, for the events other replicas and the lifecycle jobs write. The
// jobs send (deliver()), so each delivery is sent by one replica, retried with backoff and
// taken over from a replica that dies; a receiver that hangs holds a job worker, never a
// request.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "meta/notification_store.h"

namespace spdlog {
class logger;
}

namespace pier::notify {
class Sender;
}

namespace pier::vuln {
struct Finding;
}

namespace pier::services {

struct NotificationSettings {
  std::string registry;  // host[:port] the events name
  int max_attempts = 10;
  int disable_after = 5;
  std::chrono::milliseconds poll_interval{1000};
};

struct RuleRequest {
  std::string namespace_name;
  std::optional<std::string> repository;
  std::string event;
  std::string method;
  std::string config_json = "{}";
  std::string title;
  std::string tag_filter;
  std::string min_severity;
};

struct RuleChange {
  std::optional<std::string> title;
  std::optional<std::string> config_json;
  std::optional<std::string> tag_filter;
  std::optional<std::string> min_severity;
  std::optional<bool> enabled;
};

// A rule as the API shows it: its config with secrets redacted, and its recent deliveries.
struct RuleView {
  meta::NotificationRule rule;
  std::vector<meta::Delivery> deliveries;
};

struct TestOutcome {
  bool delivered = false;
  int status_code = 0;
  std::string error;
};

// The job kind that sends one rule's deliveries of a dispatch, in order.
inline constexpr std::string_view kDeliveryJob = "deliver_notification";

class NotificationService {
 public:
  NotificationService(meta::NotificationStore& store, notify::Sender& sender, Clock& clock,
                      NotificationSettings settings, std::shared_ptr<spdlog::logger> log);
  ~NotificationService();
  NotificationService(const NotificationService&) = delete;
  NotificationService& operator=(const NotificationService&) = delete;

  // The events a rule may ask for.
  static const std::vector<std::string_view>& events();

  // kBadRequest naming what is wrong with the request.
  Result<RuleView> create(const RuleRequest& request);
  Result<std::vector<RuleView>> list(std::string_view namespace_name, const std::optional<std::string>& repository);
  Result<std::optional<RuleView>> get(std::int64_t id);
  // kNotFound if there is no such rule. Enabling a rule clears why it was disabled.
  Result<RuleView> update(std::int64_t id, const RuleChange& change);
  Result<bool> remove(std::int64_t id);
  // Sends a `test` event to the rule now, one attempt, recorded among its deliveries.
  Result<TestOutcome> test(std::int64_t id);
  Result<void> forget_namespace(std::string_view namespace_name);
  Result<void> forget_repository(std::string_view repository);

  // A change wrote an event to the outbox: dispatch it now rather than at the next poll.
  void changed();
  // A manifest GET answered. Written (off the request's thread) only when an enabled rule asks
  // for pulls of the repository.
  void pulled(std::string_view repository, std::string_view digest, std::string_view tag, std::string_view actor);
  // A signature stored for manifest `digest`: "gpg" through the signature API, "cosign" as a tag.
  void signature_added(std::string_view repository, std::string_view digest, std::string_view kind,
                       std::string_view actor);
  // A push refused by its namespace's quota (the error's detail names namespace and limit).
  void quota_refused(const Error& refusal);
  // A scan found vulnerabilities in `digest`.
  void vulnerabilities_found(std::string_view repository, std::string_view digest,
                             const std::vector<vuln::Finding>& findings);

  // Starts the dispatcher; `deliveries_added` is called after deliveries (and their jobs) were
  // added, so the job runner looks for them at once.
  void start(std::function<void()> deliveries_added);
  void stop();
  // One pass over the undispatched events; returns the deliveries added.
  Result<std::size_t> dispatch();
  // The delivery job: one attempt at one rule's deliveries `ids`, in order, up to the first
  // that fails (the receiver is down or refusing: the rest wait for the next attempt, in the
  // same order); an error makes the job try again later.
  Result<void> deliver(const std::vector<std::int64_t>& ids, int attempt, int max_attempts);
  // Old events and deliveries removed.
  Result<std::uint64_t> upkeep();

  int max_attempts() const { return settings_.max_attempts; }
  // 1 s after the first failed attempt, twice as long after each next, at most 5 minutes.
  static std::chrono::seconds retry_delay(int failed_attempts);

 private:
  void run_dispatcher();
  void record_quietly(meta::OutboxEvent event);
  Result<RuleView> view_of(meta::NotificationRule rule);
  void rules_changed();
  Result<void> refresh_rules();
  bool wants_pulls_of(std::string_view repository) const;
  std::string full_payload(const meta::OutboxEvent& event) const;

  meta::NotificationStore& store_;
  notify::Sender& sender_;
  Clock& clock_;
  const NotificationSettings settings_;
  const std::shared_ptr<spdlog::logger> log_;

  // Enabled rules asking for pulls, as of the last refresh (every poll): a pull reads no
  // database to learn that no rule wants it.
  std::atomic<bool> any_pull_rules_{false};
  mutable std::mutex rules_mutex_;
  std::vector<meta::NotificationRule> pull_rules_;  // guarded by rules_mutex_

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;                       // guarded by mutex_
  bool woken_ = false;                          // guarded by mutex_
  std::vector<meta::OutboxEvent> pending_;      // pulls to write; guarded by mutex_
  std::atomic<bool> wake_pending_{false};
  std::function<void()> deliveries_added_;
  std::thread dispatcher_;
};

}  // namespace pier::services
