#include "access/audit_trail.h"

namespace pier::access {

void AuditTrail::record(meta::AuditEvent event) {
  std::lock_guard lock(mutex_);
  if (queued_.size() >= kMaxQueued) {
    ++dropped_;
    return;
  }
  queued_.push_back(std::move(event));
}

Result<void> AuditTrail::flush() {
  std::lock_guard flushing(flush_mutex_);
  std::vector<meta::AuditEvent> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(queued_);
  }
  if (batch.empty()) return {};
  auto written = accounts_.append_audit_events(batch);
  if (!written) {
    std::lock_guard lock(mutex_);
    // Put them back in front of anything queued meanwhile.
    batch.insert(batch.end(), std::make_move_iterator(queued_.begin()), std::make_move_iterator(queued_.end()));
    queued_.swap(batch);
    return written.error();
  }
  return {};
}

std::uint64_t AuditTrail::take_dropped() {
  std::lock_guard lock(mutex_);
  return std::exchange(dropped_, 0);
}

}  // namespace pier::access
