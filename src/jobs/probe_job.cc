#include "jobs/probe_job.h"

#include <boost/json.hpp>

namespace pier::jobs {

namespace {

Error bad_args(std::string_view problem) {
  return make_error(ErrorCode::kBadRequest, "args." + std::string(problem));
}

Result<std::int64_t> hold_seconds_of(std::string_view args_json) {
  boost::system::error_code ec;
  const boost::json::value args = boost::json::parse(args_json, ec);
  if (ec || !args.is_object()) return make_error(ErrorCode::kBadRequest, "args: must be a JSON object");
  std::int64_t hold = 0;
  for (const auto& [field, value] : args.as_object()) {
    if (field != "hold_seconds") return bad_args(std::string(field) + ": unknown field");
    if (!value.is_int64() || value.as_int64() < 0 || value.as_int64() > kProbeMaxHoldSeconds) {
      return bad_args("hold_seconds: must be an integer from 0 to " + std::to_string(kProbeMaxHoldSeconds));
    }
    hold = value.as_int64();
  }
  return hold;
}

}  // namespace

Result<std::string> probe_args(std::string_view args_json) {
  auto hold = hold_seconds_of(args_json);
  if (!hold) return hold.error();
  return boost::json::serialize(boost::json::object{{"hold_seconds", *hold}});
}

JobHandler probe_handler() {
  return [](const meta::Job& job, JobContext& context) -> Result<void> {
    auto hold = hold_seconds_of(job.args);
    if (!hold) return hold.error();
    for (std::int64_t held = 0; held < *hold; ++held) {
      if (!context.sleep_for(std::chrono::seconds(1))) return make_error(ErrorCode::kUnavailable, "stopped");
      if (!context.heartbeat()) return make_error(ErrorCode::kUnavailable, "no longer holds the job");
    }
    return {};
  };
}

}  // namespace pier::jobs
