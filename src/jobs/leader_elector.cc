#include "jobs/leader_elector.h"

#include <spdlog/spdlog.h>

namespace pier::jobs {

LeaderElector::LeaderElector(meta::JobStore& store, std::string leader_id, std::chrono::seconds term,
                             std::shared_ptr<spdlog::logger> log)
    : store_(store), leader_id_(std::move(leader_id)), term_(term), log_(std::move(log)) {}

bool LeaderElector::campaign(std::int64_t now) {
  const std::int64_t expires_at = now + term_.count();
  const bool was_leading = leads(now);
  auto won = elected_ ? store_.reelect_leader(kName, leader_id_, now, expires_at)
                      : store_.elect_leader(kName, leader_id_, now, expires_at);
  if (!won) {
    // Unknown outcome: a leader keeps leading for the rest of the term it trusts.
    log_->warn("job leader election: {}", won.error().message);
    return leads(now);
  }
  if (!*won && elected_) {
    // The term ran out before it was extended (another replica may lead now): run again at once.
    won = store_.elect_leader(kName, leader_id_, now, expires_at);
    if (!won) {
      log_->warn("job leader election: {}", won.error().message);
      elected_ = false;
      return leads(now);
    }
  }
  elected_ = *won;
  trusted_until_ = elected_ ? expires_at - 1 : 0;
  if (elected_ && !was_leading) log_->info("this replica ({}) now leads the jobs", leader_id_);
  if (!elected_ && was_leading) log_->info("this replica ({}) no longer leads the jobs", leader_id_);
  return elected_;
}

void LeaderElector::resign() {
  if (!elected_) return;
  if (auto resigned = store_.resign_leader(kName, leader_id_); !resigned) {
    log_->warn("cannot resign the job leadership: {}", resigned.error().message);
  }
  elected_ = false;
  trusted_until_ = 0;
}

}  // namespace pier::jobs
