#include "jobs/periodic_schedule.h"

namespace pier::jobs {

std::int64_t slot_of(std::int64_t now, std::chrono::seconds period) {
  const std::int64_t length = period.count();
  const std::int64_t remainder = now % length;
  return now - (remainder < 0 ? remainder + length : remainder);
}

std::string slot_key(std::string_view kind, std::int64_t slot) {
  return std::string(kind) + "@" + std::to_string(slot);
}

void PeriodicEnqueuer::add(Schedule schedule) { schedules_.push_back(std::move(schedule)); }

Result<void> PeriodicEnqueuer::enqueue_due(std::int64_t now) {
  for (const auto& schedule : schedules_) {
    const std::int64_t slot = slot_of(now, schedule.period);
    auto known = enqueued_slot_.find(schedule.kind);
    if (known != enqueued_slot_.end() && known->second == slot) continue;
    // nullopt (the key was taken: another leader enqueued the slot) is as good as enqueued.
    auto enqueued = store_.enqueue(meta::NewJob{schedule.kind, schedule.args, slot, max_attempts_,
                                                slot_key(schedule.kind, slot)});
    if (!enqueued) return enqueued.error();
    enqueued_slot_[schedule.kind] = slot;
  }
  return {};
}

}  // namespace pier::jobs
