// meta/postgres/pg_notification_store.h: NotificationStore on PostgreSQL, shared by every
// replica, and the outbox insert the other stores call inside their own transactions.
#pragma once
#include <memory>
#include <string>

#include "meta/notification_store.h"
#include "meta/postgres/pg_connection.h"

namespace pier::meta {

std::unique_ptr<NotificationStore> open_postgres_notification_store(const std::string& url);

// Writes `event` to the outbox in the caller's transaction; returns its id.
std::int64_t insert_event(postgres::Connection& db, const OutboxEvent& event);

}  // namespace pier::meta
