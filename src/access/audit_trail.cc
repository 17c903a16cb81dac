#include "access/audit_trail.h"

#include <algorithm>
#include <unordered_map>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "access/repository_policy.h"

namespace pier::access {

namespace {

// `detail` is a JSON object; a count above one is added to it.
std::string with_count(std::string detail, std::uint64_t count) {
  if (count <= 1 || detail.size() < 2 || detail.back() != '}') return detail;
  detail.pop_back();
  if (detail != "{") detail += ',';
  detail += "\"count\":" + std::to_string(count) + "}";
  return detail;
}

std::uint64_t next_trail_id() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

meta::AuditEvent pull_event(const PullSighting& pull, std::int64_t at) {
  boost::json::object detail;
  detail["reference"] = pull.reference;
  if (!pull.digest.empty()) detail["digest"] = pull.digest;
  meta::AuditEvent event;
  event.at = at;
  event.actor = std::string(pull.actor);
  event.actor_kind = pull.actor_kind;
  event.client_address = std::string(pull.client_address);
  event.action = "pull";
  event.namespace_name = std::string(namespace_of(pull.repository));
  event.repository = std::string(pull.repository);
  event.detail = boost::json::serialize(detail);
  return event;
}

}  // namespace

struct AuditTrail::PullTable {
  std::mutex mutex;  // taken by its thread for every pull, and by flush
  std::unordered_map<std::string, Pending> pulls;  // by identity
};

AuditTrail::AuditTrail(meta::AccountStore& accounts) : accounts_(accounts), id_(next_trail_id()) {}

AuditTrail::~AuditTrail() = default;

bool AuditTrail::reserve_room() {
  if (pending_.fetch_add(1, std::memory_order_relaxed) < kMaxQueued) return true;
  pending_.fetch_sub(1, std::memory_order_relaxed);
  dropped_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void AuditTrail::record(meta::AuditEvent event) {
  if (!reserve_room()) return;
  std::lock_guard lock(mutex_);
  queued_.push_back({sequence_.fetch_add(1, std::memory_order_relaxed), std::move(event), 1});
}

AuditTrail::PullTable& AuditTrail::pull_table_of_this_thread() {
  // A thread can record for more than one trail (tests make several); each trail finds its
  // own table by id. A table outlives its thread in pull_tables_ until the trail is gone.
  thread_local std::vector<std::pair<std::uint64_t, std::shared_ptr<PullTable>>> tables;
  for (const auto& [id, table] : tables) {
    if (id == id_) return *table;
  }
  auto table = std::make_shared<PullTable>();
  {
    std::lock_guard lock(mutex_);
    pull_tables_.push_back(table);
  }
  tables.emplace_back(id_, table);
  return *table;
}

void AuditTrail::record_pull(const PullSighting& pull, std::int64_t at) {
  thread_local std::string identity;
  identity.clear();
  for (std::string_view part : {pull.actor, pull.client_address, pull.repository, pull.reference, pull.digest}) {
    identity += part;
    identity += '\0';
  }
  identity += static_cast<char>(pull.actor_kind);
  PullTable& table = pull_table_of_this_thread();
  std::lock_guard lock(table.mutex);
  if (auto it = table.pulls.find(identity); it != table.pulls.end()) {
    ++it->second.count;
    return;
  }
  if (!reserve_room()) return;
  table.pulls.emplace(identity, Pending{sequence_.fetch_add(1, std::memory_order_relaxed), pull_event(pull, at), 1});
}

Result<void> AuditTrail::flush() {
  std::lock_guard flushing(flush_mutex_);
  std::vector<Pending> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(queued_);
    for (const auto& table : pull_tables_) {
      std::lock_guard table_lock(table->mutex);
      for (auto& [identity, pending] : table->pulls) batch.push_back(std::move(pending));
      table->pulls.clear();
    }
  }
  if (batch.empty()) return {};
  std::sort(batch.begin(), batch.end(), [](const Pending& a, const Pending& b) { return a.sequence < b.sequence; });
  std::vector<meta::AuditEvent> events;
  events.reserve(batch.size());
  for (const auto& pending : batch) {
    events.push_back(pending.event);
    events.back().detail = with_count(std::move(events.back().detail), pending.count);
  }
  auto written = accounts_.append_audit_events(events);
  if (!written) {
    // Put them back in front of anything queued meanwhile.
    std::lock_guard lock(mutex_);
    batch.insert(batch.end(), std::make_move_iterator(queued_.begin()), std::make_move_iterator(queued_.end()));
    queued_.swap(batch);
    return written.error();
  }
  pending_.fetch_sub(batch.size(), std::memory_order_relaxed);
  return {};
}

std::uint64_t AuditTrail::take_dropped() { return dropped_.exchange(0, std::memory_order_relaxed); }

}  // namespace pier::access
