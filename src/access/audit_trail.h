// access/audit_trail.h: the audit events of registry traffic (pushes, pulls, deletes).
//
// Requests must not wait for a database write to be audited (a pull is a read), so events are
// queued in memory and written together, in one transaction, by flush(), which the server
// runs every second and once more at shutdown. Sign-ins are audited by auth::Authenticator
// directly. Identical pulls (same actor, address, repository and reference) within one flush
// become one event whose detail carries "count", so a busy registry writes one row per
// puller and image each second rather than one per request. If the database stays
// unwritable the queue is bounded: beyond kMaxQueued events new ones are counted as dropped
// (and the count logged by the caller) rather than using up memory.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <mutex>
#include <string>
#include <vector>

#include "common/error.h"
#include "meta/account_store.h"

namespace pier::access {

// A manifest pull as the audit trail counts it.
struct PullSighting {
  std::string_view actor;  // empty for anonymous
  meta::ActorKind actor_kind = meta::ActorKind::kAnonymous;
  std::string_view client_address;
  std::string_view repository;
  std::string_view reference;
  std::string_view digest;  // may be empty
};

class AuditTrail {
 public:
  static constexpr std::size_t kMaxQueued = 100000;

  explicit AuditTrail(meta::AccountStore& accounts);
  ~AuditTrail();

  // Never blocks on the database. Events are written in the order they were recorded.
  void record(meta::AuditEvent event);
  // A pull identical to one already recorded since the last flush only adds to its count.
  // Counted in a table of the calling thread, so the I/O threads, which see every pull, do
  // not wait on one another, and the event is built only for the first of its kind.
  void record_pull(const PullSighting& pull, std::int64_t at);
  // Writes the queued events; on failure they stay queued for the next call.
  Result<void> flush();
  // Events not queued because the queue was full, since the last call.
  std::uint64_t take_dropped();

 private:
  struct Pending {
    std::uint64_t sequence = 0;  // order of recording
    meta::AuditEvent event;
    std::uint64_t count = 1;
  };
  struct PullTable;
  PullTable& pull_table_of_this_thread();
  bool reserve_room();

  meta::AccountStore& accounts_;
  const std::uint64_t id_;  // tells this trail's tables from another's in a thread's list
  std::atomic<std::uint64_t> sequence_{0};
  std::atomic<std::size_t> pending_{0};  // queued events and pull-table entries together
  std::atomic<std::uint64_t> dropped_{0};
  std::mutex mutex_;
  std::vector<Pending> queued_;
  std::vector<std::shared_ptr<PullTable>> pull_tables_;  // one per thread that recorded a pull
  std::mutex flush_mutex_;  // one flush at a time, so events are written in order
};

}  // namespace pier::access
