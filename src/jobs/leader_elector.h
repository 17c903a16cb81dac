// jobs/leader_elector.h: this replica's campaign for the one job leader row, as River runs it.
//
// A follower tries to be elected (an expired term is deleted first); a leader extends its term
// before it ends. The leader trusts its term only until one second before the expiry it last
// wrote, so a leader whose re-election cannot reach the database stops leading before another
// replica can be elected: two leaders at once need a clock skew between replicas of more than
// that second, and even then what the leader does (enqueue slots by unique key, rescue jobs
// whose heartbeat stopped) is safe to do twice.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "meta/job_store.h"

namespace spdlog {
class logger;
}

namespace pier::jobs {

class LeaderElector {
 public:
  // `term`: how long an election or re-election lasts without another; at least 2 s.
  LeaderElector(meta::JobStore& store, std::string leader_id, std::chrono::seconds term,
                std::shared_ptr<spdlog::logger> log);

  // One campaign at `now` (Unix seconds): re-election for a leader, election for a follower.
  // Returns whether this replica leads after it. Not thread-safe: the runner's loop calls it.
  bool campaign(std::int64_t now);
  bool leads(std::int64_t now) const { return trusted_until_ > now; }
  // Gives the row up so another replica is elected at its next campaign, not after the term.
  void resign();

  static constexpr std::string_view kName = "jobs";

 private:
  meta::JobStore& store_;
  const std::string leader_id_;
  const std::chrono::seconds term_;
  const std::shared_ptr<spdlog::logger> log_;
  bool elected_ = false;  // the row was ours at the last campaign that reached the database
  std::int64_t trusted_until_ = 0;
};

}  // namespace pier::jobs
