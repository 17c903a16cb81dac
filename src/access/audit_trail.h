// access/audit_trail.h: the audit events of registry traffic (pushes, pulls, deletes).
//
// Requests must not wait for a database write to be audited (a pull is a read), so events are
// queued in memory and written together, in one transaction, by flush(), which the server
// runs every second and once more at shutdown. Sign-ins are audited by auth::Authenticator
// directly. Identical pulls (same actor, address, repository and reference) within one flush
// become one event whose detail carries "count", so a busy registry writes one row per
// puller and image each second rather than one per request. If the database stays unwritable the queue is bounded: beyond kMaxQueued events
// new ones are counted as dropped (and the count logged by the caller) rather than using up
// memory.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "meta/account_store.h"

namespace pier::access {

class AuditTrail {
 public:
  static constexpr std::size_t kMaxQueued = 100000;

  explicit AuditTrail(meta::AccountStore& accounts) : accounts_(accounts) {}

  // Never blocks on the database.
  void record(meta::AuditEvent event);
  // Writes the queued events; on failure they stay queued for the next call.
  Result<void> flush();
  // Events not queued because the queue was full, since the last call.
  std::uint64_t take_dropped();

 private:
  meta::AccountStore& accounts_;
  std::mutex mutex_;
  std::vector<meta::AuditEvent> queued_;
  std::vector<std::uint64_t> counts_;  // parallel to queued_
  std::unordered_map<std::string, std::size_t> pulls_;  // identity of a pull -> index in queued_
  std::uint64_t dropped_ = 0;
  std::mutex flush_mutex_;  // one flush at a time, so events are written in order
};

}  // namespace pier::access
