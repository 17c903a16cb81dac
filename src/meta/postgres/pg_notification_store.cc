#include "meta/postgres/pg_notification_store.h"

#include "meta/notification_columns.h"
#include "meta/postgres/pg_database.h"

namespace pier::meta {
namespace {

using postgres::Connection;
using postgres::Param;
using postgres::Rows;

NotificationRule rule_of(const Rows& rows, int i) {
  NotificationRule rule;
  rule.id = rows.integer(i, 0);
  rule.namespace_name = rows.text(i, 1);
  if (!rows.is_null(i, 2)) rule.repository = rows.text(i, 2);
  rule.event = rows.text(i, 3);
  rule.method = rows.text(i, 4);
  rule.config = rows.text(i, 5);
  rule.title = rows.text(i, 6);
  rule.tag_filter = rows.text(i, 7);
  rule.min_severity = rows.text(i, 8);
  rule.enabled = rows.boolean(i, 9);
  rule.disabled_reason = rows.text(i, 10);
  rule.failures_in_a_row = static_cast<int>(rows.integer(i, 11));
  rule.created_at = rows.integer(i, 12);
  return rule;
}

std::vector<NotificationRule> rules_from(const Rows& rows) {
  std::vector<NotificationRule> rules;
  for (int i = 0; i < rows.size(); ++i) rules.push_back(rule_of(rows, i));
  return rules;
}

Delivery delivery_of(const Rows& rows, int i) {
  Delivery delivery;
  delivery.id = rows.integer(i, 0);
  delivery.rule_id = rows.integer(i, 1);
  if (!rows.is_null(i, 2)) delivery.event_id = rows.integer(i, 2);
  delivery.event_kind = rows.text(i, 3);
  delivery.state = delivery_state_of(rows.text(i, 4));
  delivery.attempts = static_cast<int>(rows.integer(i, 5));
  delivery.status_code = static_cast<int>(rows.integer(i, 6));
  delivery.error = rows.text(i, 7);
  delivery.created_at = rows.integer(i, 8);
  delivery.updated_at = rows.integer(i, 9);
  return delivery;
}

OutboxEvent event_of(const Rows& rows, int i) {
  return OutboxEvent{rows.integer(i, 0), rows.text(i, 1), rows.text(i, 2),
                     rows.text(i, 3),    rows.text(i, 4), rows.integer(i, 5)};
}

std::optional<NotificationRule> read_rule(Connection& db, std::int64_t id) {
  static const std::string sql = select_from(kRuleColumns, "FROM notification_rules WHERE id = $1");
  const auto rows = db.query(sql, {id});
  if (rows.empty()) return std::nullopt;
  return rule_of(rows, 0);
}

void count_against_rule(Connection& db, std::int64_t rule_id, const AttemptOutcome& outcome) {
  if (outcome.state == DeliveryState::kDelivered) {
    // Written only when it changes: a rule's every delivery would rewrite its row otherwise.
    db.query("UPDATE notification_rules SET failures_in_a_row = 0 WHERE id = $1 AND failures_in_a_row <> 0", {rule_id});
  } else if (outcome.state == DeliveryState::kFailed) {
    db.query("UPDATE notification_rules SET failures_in_a_row = failures_in_a_row + 1, "
             "enabled = CASE WHEN failures_in_a_row + 1 >= $2 THEN FALSE ELSE enabled END, "
             "disabled_reason = CASE WHEN enabled AND failures_in_a_row + 1 >= $2 THEN $3 ELSE disabled_reason END "
             "WHERE id = $1",
             {rule_id, outcome.disable_after, outcome.disable_reason});
  }
}

class PostgresNotificationStore final : public NotificationStore {
 public:
  explicit PostgresNotificationStore(const std::string& url) : db_(url, {"metadata store", false}) {}

  Result<NotificationRule> create_rule(const NotificationRule& rule) override {
    return db_.write<NotificationRule>([&](Connection& db) -> Result<NotificationRule> {
      static const std::string sql =
          "INSERT INTO notification_rules (namespace, repository, event, method, config, title, tag_filter, "
          "min_severity, enabled, disabled_reason, failures_in_a_row, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11) RETURNING " + std::string(kRuleColumns);
      const auto rows = db.query(sql, {rule.namespace_name, rule.repository ? Param(*rule.repository) : Param::null(),
                                       rule.event, rule.method, rule.config, rule.title, rule.tag_filter,
                                       rule.min_severity, rule.enabled, rule.disabled_reason, rule.created_at});
      return rule_of(rows, 0);
    });
  }

  Result<std::optional<NotificationRule>> rule(std::int64_t id) override {
    return db_.read<std::optional<NotificationRule>>(
        [&](Connection& db) -> Result<std::optional<NotificationRule>> { return read_rule(db, id); });
  }

  Result<std::vector<NotificationRule>> rules_of(std::string_view namespace_name,
                                                 const std::optional<std::string>& repository) override {
    return db_.read<std::vector<NotificationRule>>([&](Connection& db) -> Result<std::vector<NotificationRule>> {
      if (!repository) {
        static const std::string sql = select_from(
            kRuleColumns, "FROM notification_rules WHERE namespace = $1 AND repository IS NULL ORDER BY id");
        return rules_from(db.query(sql, {namespace_name}));
      }
      static const std::string sql =
          select_from(kRuleColumns, "FROM notification_rules WHERE namespace = $1 AND repository = $2 ORDER BY id");
      return rules_from(db.query(sql, {namespace_name, *repository}));
    });
  }

  Result<std::vector<NotificationRule>> enabled_rules() override {
    return db_.read<std::vector<NotificationRule>>([&](Connection& db) -> Result<std::vector<NotificationRule>> {
      static const std::string sql = select_from(kRuleColumns, "FROM notification_rules WHERE enabled ORDER BY id");
      return rules_from(db.query(sql));
    });
  }

  Result<bool> update_rule(const NotificationRule& rule) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      const auto rows = db.query(
          "UPDATE notification_rules SET title = $1, config = $2, tag_filter = $3, min_severity = $4, enabled = $5, "
          "disabled_reason = $6, failures_in_a_row = $7 WHERE id = $8",
          {rule.title, rule.config, rule.tag_filter, rule.min_severity, rule.enabled, rule.disabled_reason,
           rule.failures_in_a_row, rule.id});
      return rows.affected() > 0;
    });
  }

  Result<bool> delete_rule(std::int64_t id) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      return db.query("DELETE FROM notification_rules WHERE id = $1", {id}).affected() > 0;
    });
  }

  Result<void> delete_namespace_rules(std::string_view namespace_name) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.query("DELETE FROM notification_rules WHERE namespace = $1", {namespace_name});
      return {};
    });
  }

  Result<void> delete_repository_rules(std::string_view repository) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.query("DELETE FROM notification_rules WHERE repository = $1", {repository});
      return {};
    });
  }

  Result<std::int64_t> record_event(const OutboxEvent& event) override {
    return db_.write<std::int64_t>([&](Connection& db) -> Result<std::int64_t> { return insert_event(db, event); });
  }

  Result<std::vector<OutboxEvent>> undispatched_events(std::size_t limit) override {
    return db_.read<std::vector<OutboxEvent>>([&](Connection& db) -> Result<std::vector<OutboxEvent>> {
      static const std::string sql =
          select_from(kEventColumns, "FROM events WHERE NOT dispatched ORDER BY id LIMIT $1::bigint");
      const auto rows = db.query(sql, {static_cast<std::int64_t>(limit)});
      std::vector<OutboxEvent> events;
      for (int i = 0; i < rows.size(); ++i) events.push_back(event_of(rows, i));
      return events;
    });
  }

  Result<std::size_t> dispatch(const std::vector<std::int64_t>& events, const std::vector<NewDelivery>& deliveries,
                               const NewJob& job, std::int64_t now) override {
    return db_.write<std::size_t>([&](Connection& db) -> Result<std::size_t> {
      std::size_t added = 0;
      for (const auto& [rule_id, group] : by_rule(deliveries)) {
        std::vector<std::int64_t> ids;
        for (const auto* delivery : group) {
          const auto rows = db.query(
              "INSERT INTO notification_deliveries (rule_id, event_id, event_kind, created_at, updated_at) "
              "SELECT $1::bigint, $2::bigint, $3::text, $4::bigint, $4::bigint "
              "WHERE EXISTS (SELECT 1 FROM notification_rules WHERE id = $1::bigint) "
              "ON CONFLICT (rule_id, event_id) DO NOTHING RETURNING id",
              {rule_id, delivery->event_id, delivery->event_kind, now});
          if (!rows.empty()) ids.push_back(rows.integer(0, 0));
        }
        if (ids.empty()) continue;
        db.query("INSERT INTO jobs (kind, args, max_attempts, scheduled_at, unique_key) VALUES ($1, $2, $3, $4, $5) "
                 "ON CONFLICT (unique_key) DO NOTHING",
                 {job.kind, delivery_job_args(ids), job.max_attempts, job.scheduled_at,
                  delivery_job_key(job.kind, ids)});
        added += ids.size();
      }
      for (const auto id : events) {
        if (db.query("DELETE FROM events WHERE id = $1 AND NOT EXISTS "
                     "(SELECT 1 FROM notification_deliveries WHERE event_id = $1)",
                     {id}).affected() == 0) {
          db.query("UPDATE events SET dispatched = TRUE WHERE id = $1", {id});
        }
      }
      return added;
    });
  }

  Result<std::vector<DeliveryWork>> deliveries(const std::vector<std::int64_t>& ids) override {
    return db_.read<std::vector<DeliveryWork>>([&](Connection& db) -> Result<std::vector<DeliveryWork>> {
      std::vector<DeliveryWork> works;
      for (const auto id : ids) {
        static const std::string sql = select_from(kDeliveryColumns, "FROM notification_deliveries WHERE id = $1");
        const auto rows = db.query(sql, {id});
        if (rows.empty()) continue;
        DeliveryWork work{delivery_of(rows, 0), std::nullopt, std::nullopt};
        work.rule = read_rule(db, work.delivery.rule_id);
        if (work.delivery.event_id) {
          static const std::string event_sql = select_from(kEventColumns, "FROM events WHERE id = $1");
          const auto event = db.query(event_sql, {*work.delivery.event_id});
          if (!event.empty()) work.event = event_of(event, 0);
        }
        works.push_back(std::move(work));
      }
      return works;
    });
  }

  Result<void> record_attempts(const std::vector<std::pair<std::int64_t, AttemptOutcome>>& outcomes) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      for (const auto& [delivery_id, outcome] : outcomes) {
        const auto rows = db.query(
            "UPDATE notification_deliveries SET state = $1, attempts = $2, status_code = $3, error = $4, "
            "updated_at = $5 WHERE id = $6 RETURNING rule_id",
            {to_text(outcome.state), outcome.attempts, outcome.status_code, outcome.error, outcome.now, delivery_id});
        if (!rows.empty()) count_against_rule(db, rows.integer(0, 0), outcome);
      }
      return {};
    });
  }

  Result<std::int64_t> record_test_delivery(std::int64_t rule_id, const AttemptOutcome& outcome) override {
    return db_.write<std::int64_t>([&](Connection& db) -> Result<std::int64_t> {
      const auto rows = db.query(
          "INSERT INTO notification_deliveries (rule_id, event_id, event_kind, state, attempts, status_code, error, "
          "created_at, updated_at) VALUES ($1, NULL, 'test', $2, $3, $4, $5, $6, $6) RETURNING id",
          {rule_id, to_text(outcome.state), outcome.attempts, outcome.status_code, outcome.error, outcome.now});
      return rows.integer(0, 0);
    });
  }

  Result<std::vector<Delivery>> recent_deliveries(std::int64_t rule_id, std::size_t limit) override {
    return db_.read<std::vector<Delivery>>([&](Connection& db) -> Result<std::vector<Delivery>> {
      static const std::string sql = select_from(
          kDeliveryColumns, "FROM notification_deliveries WHERE rule_id = $1 ORDER BY id DESC LIMIT $2::bigint");
      const auto rows = db.query(sql, {rule_id, static_cast<std::int64_t>(limit)});
      std::vector<Delivery> deliveries;
      for (int i = 0; i < rows.size(); ++i) deliveries.push_back(delivery_of(rows, i));
      return deliveries;
    });
  }

  Result<std::uint64_t> remove_old(std::int64_t events_before, std::size_t kept_per_rule) override {
    return db_.write<std::uint64_t>([&](Connection& db) -> Result<std::uint64_t> {
      std::uint64_t removed = static_cast<std::uint64_t>(
          db.query("DELETE FROM notification_deliveries WHERE state <> 'pending' AND id IN (SELECT id FROM "
                   "(SELECT id, row_number() OVER (PARTITION BY rule_id ORDER BY id DESC) AS newest "
                   "FROM notification_deliveries) ranked WHERE newest > $1::bigint)",
                   {static_cast<std::int64_t>(kept_per_rule)})
              .affected());
      removed += static_cast<std::uint64_t>(
          db.query("DELETE FROM events WHERE dispatched AND occurred_at < $1 AND NOT EXISTS (SELECT 1 FROM "
                   "notification_deliveries d WHERE d.event_id = events.id AND d.state = 'pending')",
                   {events_before})
              .affected());
      return removed;
    });
  }

 private:
  postgres::Database db_;
};

}  // namespace

std::int64_t insert_event(Connection& db, const OutboxEvent& event) {
  const auto rows = db.query(
      "INSERT INTO events (kind, namespace, repository, payload, occurred_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
      {event.kind, event.namespace_name, event.repository, event.payload, event.occurred_at});
  return rows.integer(0, 0);
}

std::unique_ptr<NotificationStore> open_postgres_notification_store(const std::string& url) {
  return std::make_unique<PostgresNotificationStore>(url);
}

}  // namespace pier::meta
