// meta/sqlite/sqlite_notification_store.h: NotificationStore on the embedded SQLite database,
// and the outbox insert the other stores on the file call inside their own transactions.
#pragma once
#include <filesystem>
#include <memory>

#include "meta/notification_store.h"
#include "meta/sqlite/sqlite_db.h"

namespace pier::meta {

std::unique_ptr<NotificationStore> open_sqlite_notification_store(const std::filesystem::path& path);

// Writes `event` to the outbox in the caller's transaction; returns its id.
std::int64_t insert_event(sqlite::Connection& db, const OutboxEvent& event);

}  // namespace pier::meta
