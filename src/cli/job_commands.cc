// pier jobs: the jobs of a running Pier, for superusers: the list, and the probe that shows
// which replica takes a job.
#include "cli/command_families.h"
#include "client/urls.h"

namespace pier::cli {

namespace json = boost::json;
using client::field_column;
using client::time_column;

namespace {

struct JobArgs {
  std::string kind;
  std::string state;
  std::int64_t limit = 0;
  std::int64_t hold_seconds = 0;
};

const std::vector<client::Column>& job_columns() {
  static const std::vector<client::Column> columns = {
      field_column("ID", "id"),           field_column("KIND", "kind"),
      field_column("STATE", "state"),     field_column("ATTEMPT", "attempt"),
      field_column("REPLICA", "attempted_by"), time_column("SCHEDULED", "scheduled_at"),
      time_column("STARTED", "attempted_at"),  time_column("FINISHED", "finished_at"),
      field_column("ERROR", "last_error")};
  return columns;
}

Outcome<> list_jobs(const CommandContext& context, const JobArgs& args) {
  client::QueryParams query;
  if (!args.kind.empty()) query.emplace_back("kind", args.kind);
  if (!args.state.empty()) query.emplace_back("state", args.state);
  if (args.limit > 0) query.emplace_back("limit", std::to_string(args.limit));
  return context.with_api([&](client::ApiClient& api) {
    return context.show(api.get("/jobs" + client::query_string(query)), job_columns(), "jobs");
  });
}

Outcome<> enqueue_probe(const CommandContext& context, const JobArgs& args) {
  return context.with_api([&](client::ApiClient& api) {
    const json::object body{{"kind", "probe"}, {"args", json::object{{"hold_seconds", args.hold_seconds}}}};
    return context.show(api.post("/jobs", body), job_columns());
  });
}

}  // namespace

void add_job_commands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<JobArgs>();
  auto* jobs = CommandContext::family(app, "jobs", "jobs the replicas run once between them (for superusers)");
  auto* list = context.command(*jobs, "list", "list jobs, newest first",
                               [&context, args] { return list_jobs(context, *args); });
  list->alias("ls");
  list->add_option("--kind", args->kind, "jobs of this kind (probe, upload_expiry, audit_retention, ...)");
  list->add_option("--state", args->state, "jobs in this state")
      ->check(CLI::IsMember({"available", "running", "completed", "retryable", "discarded"}));
  list->add_option("--limit", args->limit, "at most this many jobs (1 to 1000; default 100)")
      ->check(CLI::Range(1, 1000));
  auto* probe = context.command(*jobs, "probe",
                                "enqueue a probe job: one replica takes it, holds it, and completes it (the list "
                                "shows which)",
                                [&context, args] { return enqueue_probe(context, *args); });
  probe->add_option("--hold-seconds", args->hold_seconds, "how long the replica that takes it holds it (0 to 600)")
      ->check(CLI::Range(0, 600));
  for (auto* command : {list, probe}) {
    context.add_connection_flags(*command);
    context.add_output_flag(*command);
  }
}

}  // namespace pier::cli
