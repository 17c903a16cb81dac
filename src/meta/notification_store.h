// meta/notification_store.h: notification rules, the event outbox and deliveries.
//
// The outbox is the `events` table. The changes that raise events (a push, a deletion, a tag
// expired or pruned) write theirs in the same transaction as the change, through the
// metadata and lifecycle stores (meta/event_payloads.h), so an acknowledged change always has
// its event; events with no transaction of their own (a pull, a scan's findings, a signature)
// are recorded here. Dispatching turns each event into one delivery per matching rule and
// enqueues the job that sends it, in one transaction, so a crash between the two loses
// nothing and repeats nothing. Every method is one transaction.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "meta/job_store.h"

namespace pier::meta {

struct NotificationRule {
  std::int64_t id = 0;
  std::string namespace_name;
  std::optional<std::string> repository;  // nullopt: every repository of the namespace
  std::string event;                      // "push", "delete", ...
  std::string method;                     // "webhook", "slack", "cloudevents", "email"
  std::string config = "{}";              // JSON, the method's settings
  std::string title;
  std::string tag_filter;    // a glob; empty: every tag
  std::string min_severity;  // for vulnerability_found; empty: any
  bool enabled = true;
  std::string disabled_reason;
  int failures_in_a_row = 0;  // deliveries that failed after all their attempts, since the last success
  std::int64_t created_at = 0;
  friend bool operator==(const NotificationRule&, const NotificationRule&) = default;
};

struct OutboxEvent {
  std::int64_t id = 0;
  std::string kind;
  std::string namespace_name;
  std::string repository;  // empty for a namespace's events (quota)
  std::string payload;     // JSON object: the event's own fields (meta/event_payloads.h)
  std::int64_t occurred_at = 0;
};

enum class DeliveryState { kPending, kDelivered, kFailed };

inline std::string_view to_text(DeliveryState state) {
  switch (state) {
    case DeliveryState::kDelivered: return "delivered";
    case DeliveryState::kFailed: return "failed";
    case DeliveryState::kPending: break;
  }
  return "pending";
}

inline DeliveryState delivery_state_of(std::string_view text) {
  if (text == "delivered") return DeliveryState::kDelivered;
  if (text == "failed") return DeliveryState::kFailed;
  return DeliveryState::kPending;
}

struct Delivery {
  std::int64_t id = 0;
  std::int64_t rule_id = 0;
  std::optional<std::int64_t> event_id;  // nullopt: a test notification
  std::string event_kind;
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  int status_code = 0;  // of the last attempt; 0 when none came back
  std::string error;    // of the last failed attempt
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct NewDelivery {
  std::int64_t rule_id = 0;
  std::int64_t event_id = 0;
  std::string event_kind;
};

// What sending one delivery needs.
struct DeliveryWork {
  Delivery delivery;
  std::optional<NotificationRule> rule;  // nullopt: the rule was deleted meanwhile
  std::optional<OutboxEvent> event;      // nullopt: a test notification
};

// The outcome of one attempt, as recorded.
struct AttemptOutcome {
  DeliveryState state = DeliveryState::kPending;  // pending: failed, to be tried again
  int attempts = 0;
  int status_code = 0;
  std::string error;
  std::int64_t now = 0;
  // A delivery that failed for good counts against its rule; at this many in a row the rule is
  // disabled with `disable_reason`.
  int disable_after = 5;
  std::string disable_reason;
};

class NotificationStore {
 public:
  virtual ~NotificationStore() = default;

  // The rule as stored, with its id.
  virtual Result<NotificationRule> create_rule(const NotificationRule& rule) = 0;
  virtual Result<std::optional<NotificationRule>> rule(std::int64_t id) = 0;
  // A namespace's own rules (repository nullopt), or one repository's, by id.
  virtual Result<std::vector<NotificationRule>> rules_of(std::string_view namespace_name,
                                                         const std::optional<std::string>& repository) = 0;
  // Every enabled rule, by id: what events are matched against, and what decides whether a
  // pull is worth an event.
  virtual Result<std::vector<NotificationRule>> enabled_rules() = 0;
  // Stores title, config, tag_filter, min_severity, enabled, disabled_reason and
  // failures_in_a_row. False if there is no such rule.
  virtual Result<bool> update_rule(const NotificationRule& rule) = 0;
  // With its deliveries. False if there was no such rule.
  virtual Result<bool> delete_rule(std::int64_t id) = 0;
  // A namespace's rules and its repositories', when the namespace is deleted.
  virtual Result<void> delete_namespace_rules(std::string_view namespace_name) = 0;
  virtual Result<void> delete_repository_rules(std::string_view repository) = 0;

  // An event that has no transaction of its own to be written in. Returns its id.
  virtual Result<std::int64_t> record_event(const OutboxEvent& event) = 0;
  // Events not yet dispatched, oldest first.
  virtual Result<std::vector<OutboxEvent>> undispatched_events(std::size_t limit) = 0;
  // In one transaction: `deliveries` added (a rule and event pair already delivered is left
  // as it is); for each rule that got some, one job made from `job` that sends them in order,
  // with args {"deliveries": [ids]} and the unique key "<kind>@<first id>"; and `events` marked
  // dispatched, or deleted when no delivery needs them (no rule matched). Returns how many
  // deliveries were added.
  virtual Result<std::size_t> dispatch(const std::vector<std::int64_t>& events, const std::vector<NewDelivery>& deliveries,
                                       const NewJob& job, std::int64_t now) = 0;
  // The deliveries of `ids` that still exist, in the order of `ids`.
  virtual Result<std::vector<DeliveryWork>> deliveries(const std::vector<std::int64_t>& ids) = 0;
  // Records attempts' outcomes, in one transaction. A delivered one clears its rule's failures
  // in a row; one failed for good counts one up and, at disable_after, disables the rule.
  virtual Result<void> record_attempts(const std::vector<std::pair<std::int64_t, AttemptOutcome>>& outcomes) = 0;
  // A test notification's one attempt, recorded as a delivery without an event.
  virtual Result<std::int64_t> record_test_delivery(std::int64_t rule_id, const AttemptOutcome& outcome) = 0;
  // The rule's deliveries, newest first.
  virtual Result<std::vector<Delivery>> recent_deliveries(std::int64_t rule_id, std::size_t limit) = 0;
  // Deletes dispatched events older than `events_before` that no pending delivery needs, and
  // each rule's finished deliveries beyond its newest `kept_per_rule`. Returns rows deleted.
  virtual Result<std::uint64_t> remove_old(std::int64_t events_before, std::size_t kept_per_rule) = 0;
};

}  // namespace pier::meta
