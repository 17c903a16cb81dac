// jobs/periodic_schedule.h: periodic jobs as one job per slot, whoever enqueues it.
//
// Time is cut into slots of each schedule's period, counted from the Unix epoch, so every
// replica agrees on them without talking. A slot's job carries the unique key
// "kind@slot_epoch": the leader enqueues it, and a second enqueue of the slot (a new leader
// after a hand-over, a leader that lost its term while another was elected) changes nothing.
// Only the current slot is ever enqueued: slots missed while nobody led are skipped, since
// each run does the whole period's work.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "meta/job_store.h"

namespace pier::jobs {

struct Schedule {
  std::string kind;
  std::chrono::seconds period;
  std::string args = "{}";
};

// The start of the slot of `period` that holds `now`.
std::int64_t slot_of(std::int64_t now, std::chrono::seconds period);
// "kind@slot_epoch"
std::string slot_key(std::string_view kind, std::int64_t slot);

// Enqueues the current slot of each schedule. Not thread-safe: the runner's loop owns it.
class PeriodicEnqueuer {
 public:
  PeriodicEnqueuer(meta::JobStore& store, int max_attempts) : store_(store), max_attempts_(max_attempts) {}

  void add(Schedule schedule);
  const std::vector<Schedule>& schedules() const { return schedules_; }

  // Enqueues each schedule's slot of `now` that this enqueuer has not enqueued yet; the first
  // error stops the round (the next one tries again).
  Result<void> enqueue_due(std::int64_t now);

 private:
  meta::JobStore& store_;
  const int max_attempts_;
  std::vector<Schedule> schedules_;
  std::map<std::string, std::int64_t> enqueued_slot_;  // by kind
};

}  // namespace pier::jobs
