// pier audit: the audit log, newest first (superusers: all of it; others: a namespace they
// manage, named with --namespace).
#include <cstdio>

#include "cli/command_families.h"
#include "client/time_text.h"
#include "client/urls.h"

namespace pier::cli {

namespace json = boost::json;
using client::field_column;
using client::time_column;

namespace {

struct AuditArgs {
  std::string namespace_name;
  std::string repository;
  std::string actor;
  std::string since;
  std::int64_t from = 0;
  std::int64_t limit = 0;
  std::int64_t before = 0;
  const CLI::Option* from_option = nullptr;  // whether --from was given (0 is a time too)
};

Outcome<client::QueryParams> query_of(const AuditArgs& args) {
  client::QueryParams query;
  if (!args.namespace_name.empty()) query.emplace_back("namespace", args.namespace_name);
  if (!args.repository.empty()) query.emplace_back("repository", args.repository);
  if (!args.actor.empty()) query.emplace_back("actor", args.actor);
  if (!args.since.empty()) {
    auto since = client::parse_iso8601(args.since);
    if (!since) return usage_failure("--since: " + since.error().message);
    query.emplace_back("from", std::to_string(*since));
  } else if (args.from_option != nullptr && args.from_option->count() > 0) {
    query.emplace_back("from", std::to_string(args.from));
  }
  if (args.limit > 0) query.emplace_back("limit", std::to_string(args.limit));
  if (args.before > 0) query.emplace_back("before", std::to_string(args.before));
  return query;
}

Outcome<> audit(const CommandContext& context, const AuditArgs& args) {
  auto query = query_of(args);
  if (!query) return query.error();
  return context.with_api([&](client::ApiClient& api) -> Outcome<> {
    auto answer = api.get("/audit" + client::query_string(*query));
    auto shown = context.show(answer,
                              {time_column("TIME", "at"), field_column("ACTOR", "actor"),
                               field_column("KIND", "actor_kind"), field_column("ACTION", "action"),
                               field_column("NAMESPACE", "namespace"), field_column("REPOSITORY", "repository"),
                               field_column("ADDRESS", "client_address"), field_column("DETAIL", "detail")},
                              "events");
    if (shown && context.table_output() && member(*answer, "next").is_int64()) {
      std::fprintf(stderr, "pier: more events: add --before %lld\n",
                   static_cast<long long>(member(*answer, "next").as_int64()));
    }
    return shown;
  });
}

}  // namespace

void add_audit_command(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<AuditArgs>();
  auto* audit_command = context.command(app, "audit",
                                        "read the audit log, newest first (superusers: all of it; others: a "
                                        "namespace they manage)",
                                        [&context, args] { return audit(context, *args); });
  audit_command->add_option("--namespace", args->namespace_name, "events of this namespace");
  audit_command->add_option("--repository", args->repository, "events of this repository");
  audit_command->add_option("--actor", args->actor, "events of this user, robot or token's user");
  auto* since = audit_command->add_option("--since", args->since, "events at or after this ISO 8601 time (UTC unless a zone is given)");
  auto* from = audit_command->add_option("--from", args->from, "events at or after these Unix seconds");
  from->excludes(since);
  args->from_option = from;
  audit_command->add_option("--limit", args->limit, "at most this many events (1 to 1000; default 100)")
      ->check(CLI::Range(1, 1000));
  audit_command->add_option("--before", args->before, "events older than this event id (the next page)")
      ->check(CLI::PositiveNumber);
  context.add_connection_flags(*audit_command);
  context.add_output_flag(*audit_command);
}

}  // namespace pier::cli
