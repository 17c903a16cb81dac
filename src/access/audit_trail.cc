#include "access/audit_trail.h"

namespace pier::access {

namespace {

std::string pull_identity(const meta::AuditEvent& event) {
  std::string key;
  for (const std::string* part : {&event.actor, &event.client_address, &event.namespace_name, &event.detail}) {
    key += *part;
    key += '\0';
  }
  key += event.repository.value_or("");
  key += static_cast<char>(event.actor_kind);
  return key;
}

// `detail` is a JSON object; a count above one is added to it.
std::string with_count(std::string detail, std::uint64_t count) {
  if (count <= 1 || detail.size() < 2 || detail.back() != '}') return detail;
  detail.pop_back();
  if (detail != "{") detail += ',';
  detail += "\"count\":" + std::to_string(count) + "}";
  return detail;
}

}  // namespace

void AuditTrail::record(meta::AuditEvent event) {
  std::lock_guard lock(mutex_);
  const bool pull = event.action == "pull";
  std::string identity;
  if (pull) {
    identity = pull_identity(event);
    if (auto it = pulls_.find(identity); it != pulls_.end()) {
      ++counts_[it->second];
      return;
    }
  }
  if (queued_.size() >= kMaxQueued) {
    ++dropped_;
    return;
  }
  if (pull) pulls_.emplace(std::move(identity), queued_.size());
  queued_.push_back(std::move(event));
  counts_.push_back(1);
}

Result<void> AuditTrail::flush() {
  std::lock_guard flushing(flush_mutex_);
  std::vector<meta::AuditEvent> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(queued_);
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i].detail = with_count(std::move(batch[i].detail), counts_[i]);
    counts_.clear();
    pulls_.clear();
  }
  if (batch.empty()) return {};
  auto written = accounts_.append_audit_events(batch);
  if (!written) {
    std::lock_guard lock(mutex_);
    // Put them back in front of anything queued meanwhile.
    // Put them back in front of anything queued meanwhile (whose counts stay with them).
    std::vector<std::uint64_t> counts(batch.size(), 1);
    counts.insert(counts.end(), counts_.begin(), counts_.end());
    for (auto& [identity, index] : pulls_) index += batch.size();
    batch.insert(batch.end(), std::make_move_iterator(queued_.begin()), std::make_move_iterator(queued_.end()));
    queued_.swap(batch);
    counts_.swap(counts);
    return written.error();
  }
  return {};
}

std::uint64_t AuditTrail::take_dropped() {
  std::lock_guard lock(mutex_);
  return std::exchange(dropped_, 0);
}

}  // namespace pier::access
