#include "meta/sqlite/sqlite_notification_store.h"

#include "meta/notification_columns.h"
#include "meta/sqlite/database.h"

namespace pier::meta {
namespace {

using sqlite::Connection;
using sqlite::Statement;

NotificationRule rule_of(const Statement& row) {
  NotificationRule rule;
  rule.id = row.integer(0);
  rule.namespace_name = row.text(1);
  if (!row.is_null(2)) rule.repository = row.text(2);
  rule.event = row.text(3);
  rule.method = row.text(4);
  rule.config = row.text(5);
  rule.title = row.text(6);
  rule.tag_filter = row.text(7);
  rule.min_severity = row.text(8);
  rule.enabled = row.integer(9) != 0;
  rule.disabled_reason = row.text(10);
  rule.failures_in_a_row = static_cast<int>(row.integer(11));
  rule.created_at = row.integer(12);
  return rule;
}

Delivery delivery_of(const Statement& row) {
  Delivery delivery;
  delivery.id = row.integer(0);
  delivery.rule_id = row.integer(1);
  if (!row.is_null(2)) delivery.event_id = row.integer(2);
  delivery.event_kind = row.text(3);
  delivery.state = delivery_state_of(row.text(4));
  delivery.attempts = static_cast<int>(row.integer(5));
  delivery.status_code = static_cast<int>(row.integer(6));
  delivery.error = row.text(7);
  delivery.created_at = row.integer(8);
  delivery.updated_at = row.integer(9);
  return delivery;
}

OutboxEvent event_of(const Statement& row) {
  return OutboxEvent{row.integer(0), row.text(1), row.text(2), row.text(3), row.text(4), row.integer(5)};
}

std::vector<NotificationRule> rules_from(Statement& rows) {
  std::vector<NotificationRule> rules;
  while (rows.step()) rules.push_back(rule_of(rows));
  return rules;
}

std::optional<NotificationRule> read_rule(Connection& db, std::int64_t id) {
  static const std::string sql = select_from(kRuleColumns, "FROM notification_rules WHERE id = ?");
  auto row = db.prepare(sql);
  row.bind(1, id);
  if (!row.step()) return std::nullopt;
  return rule_of(row);
}

// A failed delivery counts against its rule; a delivered one clears the count.
void count_against_rule(Connection& db, std::int64_t rule_id, const AttemptOutcome& outcome) {
  if (outcome.state == DeliveryState::kDelivered) {
    // Written only when it changes: a rule's every delivery would rewrite its row otherwise.
    db.prepare("UPDATE notification_rules SET failures_in_a_row = 0 WHERE id = ? AND failures_in_a_row <> 0")
        .bind(1, rule_id).run();
  } else if (outcome.state == DeliveryState::kFailed) {
    db.prepare("UPDATE notification_rules SET failures_in_a_row = failures_in_a_row + 1, "
               "enabled = CASE WHEN failures_in_a_row + 1 >= ?2 THEN 0 ELSE enabled END, "
               "disabled_reason = CASE WHEN enabled = 1 AND failures_in_a_row + 1 >= ?2 THEN ?3 "
               "ELSE disabled_reason END WHERE id = ?1")
        .bind(1, rule_id).bind(2, std::int64_t{outcome.disable_after}).bind(3, outcome.disable_reason).run();
  }
}

class SqliteNotificationStore final : public NotificationStore {
 public:
  explicit SqliteNotificationStore(const std::string& path) : db_(path, {"metadata store", false}) {}

  Result<NotificationRule> create_rule(const NotificationRule& rule) override {
    return db_.write<NotificationRule>([&](Connection& db) -> Result<NotificationRule> {
      auto insert = db.prepare(
          "INSERT INTO notification_rules (namespace, repository, event, method, config, title, tag_filter, "
          "min_severity, enabled, disabled_reason, failures_in_a_row, created_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?) RETURNING id");
      insert.bind(1, rule.namespace_name);
      if (rule.repository) {
        insert.bind(2, *rule.repository);
      } else {
        insert.bind_null(2);
      }
      insert.bind(3, rule.event).bind(4, rule.method).bind(5, rule.config).bind(6, rule.title)
          .bind(7, rule.tag_filter).bind(8, rule.min_severity).bind(9, std::int64_t{rule.enabled ? 1 : 0})
          .bind(10, rule.disabled_reason).bind(11, rule.created_at);
      insert.step();
      const auto id = insert.integer(0);
      insert.step();  // finishes the statement before the next one reads
      return *read_rule(db, id);
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
        static const std::string sql =
            select_from(kRuleColumns, "FROM notification_rules WHERE namespace = ? AND repository IS NULL ORDER BY id");
        auto rows = db.prepare(sql);
        rows.bind(1, namespace_name);
        return rules_from(rows);
      }
      static const std::string sql =
          select_from(kRuleColumns, "FROM notification_rules WHERE namespace = ? AND repository = ? ORDER BY id");
      auto rows = db.prepare(sql);
      rows.bind(1, namespace_name).bind(2, *repository);
      return rules_from(rows);
    });
  }

  Result<std::vector<NotificationRule>> enabled_rules() override {
    return db_.read<std::vector<NotificationRule>>([&](Connection& db) -> Result<std::vector<NotificationRule>> {
      static const std::string sql = select_from(kRuleColumns, "FROM notification_rules WHERE enabled = 1 ORDER BY id");
      auto rows = db.prepare(sql);
      return rules_from(rows);
    });
  }

  Result<bool> update_rule(const NotificationRule& rule) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      db.prepare("UPDATE notification_rules SET title = ?, config = ?, tag_filter = ?, min_severity = ?, enabled = ?, "
                 "disabled_reason = ?, failures_in_a_row = ? WHERE id = ?")
          .bind(1, rule.title).bind(2, rule.config).bind(3, rule.tag_filter).bind(4, rule.min_severity)
          .bind(5, std::int64_t{rule.enabled ? 1 : 0}).bind(6, rule.disabled_reason)
          .bind(7, std::int64_t{rule.failures_in_a_row}).bind(8, rule.id).run();
      return db.changes() > 0;
    });
  }

  Result<bool> delete_rule(std::int64_t id) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      db.prepare("DELETE FROM notification_rules WHERE id = ?").bind(1, id).run();
      return db.changes() > 0;
    });
  }

  Result<void> delete_namespace_rules(std::string_view namespace_name) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.prepare("DELETE FROM notification_rules WHERE namespace = ?").bind(1, namespace_name).run();
      return {};
    });
  }

  Result<void> delete_repository_rules(std::string_view repository) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.prepare("DELETE FROM notification_rules WHERE repository = ?").bind(1, repository).run();
      return {};
    });
  }

  Result<std::int64_t> record_event(const OutboxEvent& event) override {
    return db_.write<std::int64_t>([&](Connection& db) -> Result<std::int64_t> { return insert_event(db, event); });
  }

  Result<std::vector<OutboxEvent>> undispatched_events(std::size_t limit) override {
    return db_.read<std::vector<OutboxEvent>>([&](Connection& db) -> Result<std::vector<OutboxEvent>> {
      static const std::string sql = select_from(kEventColumns, "FROM events WHERE dispatched = 0 ORDER BY id LIMIT ?");
      auto rows = db.prepare(sql);
      rows.bind(1, static_cast<std::int64_t>(limit));
      std::vector<OutboxEvent> events;
      while (rows.step()) events.push_back(event_of(rows));
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
          auto insert = db.prepare(
              "INSERT INTO notification_deliveries (rule_id, event_id, event_kind, created_at, updated_at) "
              "SELECT ?1, ?2, ?3, ?4, ?4 WHERE EXISTS (SELECT 1 FROM notification_rules WHERE id = ?1) "
              "ON CONFLICT (rule_id, event_id) DO NOTHING RETURNING id");
          insert.bind(1, rule_id).bind(2, delivery->event_id).bind(3, delivery->event_kind).bind(4, now);
          if (!insert.step()) continue;
          ids.push_back(insert.integer(0));
          insert.step();
        }
        if (ids.empty()) continue;
        db.prepare("INSERT INTO jobs (kind, args, max_attempts, scheduled_at, unique_key) VALUES (?, ?, ?, ?, ?) "
                   "ON CONFLICT (unique_key) DO NOTHING")
            .bind(1, job.kind).bind(2, delivery_job_args(ids)).bind(3, std::int64_t{job.max_attempts})
            .bind(4, job.scheduled_at).bind(5, delivery_job_key(job.kind, ids)).run();
        added += ids.size();
      }
      for (const auto id : events) {
        db.prepare("DELETE FROM events WHERE id = ?1 AND NOT EXISTS "
                   "(SELECT 1 FROM notification_deliveries WHERE event_id = ?1)")
            .bind(1, id).run();
        if (db.changes() == 0) db.prepare("UPDATE events SET dispatched = 1 WHERE id = ?").bind(1, id).run();
      }
      return added;
    });
  }

  Result<std::vector<DeliveryWork>> deliveries(const std::vector<std::int64_t>& ids) override {
    return db_.read<std::vector<DeliveryWork>>([&](Connection& db) -> Result<std::vector<DeliveryWork>> {
      std::vector<DeliveryWork> works;
      for (const auto id : ids) {
        static const std::string sql = select_from(kDeliveryColumns, "FROM notification_deliveries WHERE id = ?");
        auto row = db.prepare(sql);
        row.bind(1, id);
        if (!row.step()) continue;
        DeliveryWork work{delivery_of(row), std::nullopt, std::nullopt};
        row.step();
        work.rule = read_rule(db, work.delivery.rule_id);
        if (work.delivery.event_id) {
          static const std::string event_sql = select_from(kEventColumns, "FROM events WHERE id = ?");
          auto event = db.prepare(event_sql);
          event.bind(1, *work.delivery.event_id);
          if (event.step()) work.event = event_of(event);
        }
        works.push_back(std::move(work));
      }
      return works;
    });
  }

  Result<void> record_attempts(const std::vector<std::pair<std::int64_t, AttemptOutcome>>& outcomes) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      for (const auto& [delivery_id, outcome] : outcomes) {
        auto updated = db.prepare(
            "UPDATE notification_deliveries SET state = ?, attempts = ?, status_code = ?, error = ?, updated_at = ? "
            "WHERE id = ? RETURNING rule_id");
        updated.bind(1, to_text(outcome.state)).bind(2, std::int64_t{outcome.attempts})
            .bind(3, std::int64_t{outcome.status_code}).bind(4, outcome.error).bind(5, outcome.now).bind(6, delivery_id);
        if (!updated.step()) continue;
        const auto rule_id = updated.integer(0);
        updated.step();
        count_against_rule(db, rule_id, outcome);
      }
      return {};
    });
  }

  Result<std::int64_t> record_test_delivery(std::int64_t rule_id, const AttemptOutcome& outcome) override {
    return db_.write<std::int64_t>([&](Connection& db) -> Result<std::int64_t> {
      auto insert = db.prepare(
          "INSERT INTO notification_deliveries (rule_id, event_id, event_kind, state, attempts, status_code, error, "
          "created_at, updated_at) VALUES (?, NULL, 'test', ?, ?, ?, ?, ?, ?) RETURNING id");
      insert.bind(1, rule_id).bind(2, to_text(outcome.state)).bind(3, std::int64_t{outcome.attempts})
          .bind(4, std::int64_t{outcome.status_code}).bind(5, outcome.error).bind(6, outcome.now).bind(7, outcome.now);
      insert.step();
      const auto id = insert.integer(0);
      insert.step();
      return id;
    });
  }

  Result<std::vector<Delivery>> recent_deliveries(std::int64_t rule_id, std::size_t limit) override {
    return db_.read<std::vector<Delivery>>([&](Connection& db) -> Result<std::vector<Delivery>> {
      static const std::string sql =
          select_from(kDeliveryColumns, "FROM notification_deliveries WHERE rule_id = ? ORDER BY id DESC LIMIT ?");
      auto rows = db.prepare(sql);
      rows.bind(1, rule_id).bind(2, static_cast<std::int64_t>(limit));
      std::vector<Delivery> deliveries;
      while (rows.step()) deliveries.push_back(delivery_of(rows));
      return deliveries;
    });
  }

  Result<std::uint64_t> remove_old(std::int64_t events_before, std::size_t kept_per_rule) override {
    return db_.write<std::uint64_t>([&](Connection& db) -> Result<std::uint64_t> {
      std::uint64_t removed = 0;
      db.prepare("DELETE FROM notification_deliveries WHERE state <> 'pending' AND id IN (SELECT id FROM "
                 "(SELECT id, row_number() OVER (PARTITION BY rule_id ORDER BY id DESC) AS newest "
                 "FROM notification_deliveries) WHERE newest > ?)")
          .bind(1, static_cast<std::int64_t>(kept_per_rule)).run();
      removed += static_cast<std::uint64_t>(db.changes());
      db.prepare("DELETE FROM events WHERE dispatched = 1 AND occurred_at < ? AND NOT EXISTS (SELECT 1 FROM "
                 "notification_deliveries d WHERE d.event_id = events.id AND d.state = 'pending')")
          .bind(1, events_before).run();
      removed += static_cast<std::uint64_t>(db.changes());
      return removed;
    });
  }

 private:
  sqlite::Database db_;
};

}  // namespace

std::int64_t insert_event(Connection& db, const OutboxEvent& event) {
  auto insert = db.prepare(
      "INSERT INTO events (kind, namespace, repository, payload, occurred_at) VALUES (?, ?, ?, ?, ?) RETURNING id");
  insert.bind(1, event.kind).bind(2, event.namespace_name).bind(3, event.repository).bind(4, event.payload)
      .bind(5, event.occurred_at);
  insert.step();
  const auto id = insert.integer(0);
  insert.step();
  return id;
}

std::unique_ptr<NotificationStore> open_sqlite_notification_store(const std::filesystem::path& path) {
  return std::make_unique<SqliteNotificationStore>(path.string());
}

}  // namespace pier::meta
