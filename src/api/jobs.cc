// The jobs of the metadata database (GET and POST /api/v1/jobs), for superusers: the jobs that
// run once across the replicas sharing it (jobs/job_runner.h).
//   GET  /api/v1/jobs?kind=&state=&limit=                  -> {jobs: [...newest first]}
//   POST /api/v1/jobs {"kind": "probe", "args": {...}}     -> 201, the job
// A probe (jobs/probe_job.h) is how an operator sees that every replica takes jobs; it is the
// one kind enqueued from outside for now: the others are the replicas' own upkeep, enqueued by
// their leader on its schedule.
#include "api/authorize.h"
#include "api/change_log.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/numbers.h"
#include "api/views.h"
#include "jobs/probe_job.h"

namespace pier::api {

namespace {

constexpr std::int64_t kMaxLimit = 1000;
constexpr std::size_t kMaxKindLength = 64;
constexpr int kProbeAttempts = 3;

Result<meta::JobFilter> filter_of(const Request& request) {
  meta::JobFilter filter;
  if (auto kind = request.query_param("kind")) {
    if (kind->empty() || kind->size() > kMaxKindLength) return bad_field("kind", "must be 1 to 64 characters");
    filter.kind = std::string(*kind);
  }
  if (auto state = request.query_param("state")) {
    filter.state = meta::job_state_of(*state);
    if (!filter.state) return bad_field("state", "must be available, running, completed, retryable or discarded");
  }
  if (auto limit = request.query_param("limit")) {
    auto value = parse_integer("limit", *limit, 1, kMaxLimit);
    if (!value) return value.error();
    filter.limit = static_cast<std::size_t>(*value);
  }
  return filter;
}

}  // namespace

Result<Response> list_jobs(Call& call) {
  auto filter = filter_of(call.request);
  if (!filter) return filter.error();
  if (auto allowed = require(call, auth::NamespaceAction::kAdministerRegistry); !allowed) return allowed.error();
  auto jobs = call.services.jobs.list_jobs(*filter);
  if (!jobs) return jobs.error();
  boost::json::array views;
  for (const auto& job : *jobs) views.emplace_back(job_view(job));
  return json_response(200, boost::json::object{{"jobs", std::move(views)}});
}

Result<Response> enqueue_job(Call& call) {
  auto body = JsonBody::parse(call.request.body, {"kind", "args"});
  if (!body) return body.error();
  auto kind = body->string("kind");
  if (!kind) return kind.error();
  auto given_args = body->optional_object("args");
  if (!given_args) return given_args.error();
  if (*kind != jobs::kProbeKind) return bad_field("kind", "only probe jobs may be enqueued through the API");
  auto args = jobs::probe_args(given_args->value_or("{}"));
  if (!args) return args.error();

  if (auto allowed = require(call, auth::NamespaceAction::kAdministerRegistry); !allowed) return allowed.error();
  auto job = call.services.jobs.enqueue(meta::NewJob{*kind, *args, call.now(), kProbeAttempts, std::nullopt});
  if (!job) return job.error();
  if (!*job) return make_error(ErrorCode::kInternal, "a job without a unique key was not enqueued");
  return once_recorded(record_change(call, kJobChange, "", std::nullopt,
                                     {{"change", "job_enqueued"}, {"job", (*job)->id}, {"kind", *kind}}),
                       json_response(201, job_view(**job)));
}

}  // namespace pier::api
