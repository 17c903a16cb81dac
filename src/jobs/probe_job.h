// jobs/probe_job.h: "probe", the job operators enqueue to see that every replica takes jobs.
//
// Its args are {"hold_seconds": N} (0 to 600, default 0): it holds its worker that long,
// heartbeating each second, then completes. The job list then shows which replica ran it
// (attempted_by); a long hold lets an operator stop that replica and watch another take the
// job over once the heartbeat timeout has passed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "jobs/job_context.h"

namespace pier::jobs {

inline constexpr std::string_view kProbeKind = "probe";
inline constexpr std::int64_t kProbeMaxHoldSeconds = 600;

// The args of a probe as they are stored, from the JSON text a caller gave; kBadRequest naming
// the field (as args.<field>) if they are not a probe's.
Result<std::string> probe_args(std::string_view args_json);

JobHandler probe_handler();

}  // namespace pier::jobs
