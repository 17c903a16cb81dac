// The image lifecycle from the command line: pier gc, pier quota, pier history-window,
// pier immutable-tags and pier retention (pier tag expire is with the other tag commands).
#include <charconv>

#include "cli/command_families.h"
#include "client/urls.h"

namespace pier::cli {

namespace json = boost::json;
using client::field_column;
using client::size_column;

namespace {

struct LifecycleArgs {
  std::string namespace_name;
  std::string repository;
  std::string size;
  std::string warning;
  std::string duration;
  std::vector<std::string> patterns;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  std::int64_t keep_newest = -1;
  std::string older_than;
  bool dry_run = false;
};

// "1073741824", "512MiB", "10GiB", "2TiB".
Result<std::uint64_t> parse_size(std::string_view field, std::string_view text) {
  std::uint64_t unit = 1;
  for (const auto& [suffix, bytes] : {std::pair{"KiB", 1ull << 10}, std::pair{"MiB", 1ull << 20},
                                      std::pair{"GiB", 1ull << 30}, std::pair{"TiB", 1ull << 40}}) {
    if (text.ends_with(suffix)) {
      unit = bytes;
      text.remove_suffix(3);
      break;
    }
  }
  std::uint64_t count = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (ec != std::errc() || end != text.data() + text.size() || count > (1ull << 62) / unit) {
    return make_error(ErrorCode::kBadRequest,
                      std::string(field) + " must be a size such as 1073741824, 512MiB or 10GiB");
  }
  return count * unit;
}

std::string namespace_base(const LifecycleArgs& args) { return "/namespaces/" + client::path_segment(args.namespace_name); }

// --namespace or --repository, whichever was given (the CLI requires exactly one).
std::string scope_base(const LifecycleArgs& args) {
  if (!args.namespace_name.empty()) return namespace_base(args);
  return "/repositories/" + client::repository_path(args.repository);
}

const std::vector<client::Column>& quota_columns() {
  static const std::vector<client::Column> columns{field_column("NAMESPACE", "namespace"), size_column("USED", "used_bytes"),
                                                   size_column("LIMIT", "limit_bytes"),
                                                   size_column("WARNING", "warning_bytes"),
                                                   field_column("BLOBS", "blob_count"), field_column("STATE", "state")};
  return columns;
}

const std::vector<client::Column>& gc_columns() {
  static const std::vector<client::Column> columns{
      field_column("DRY RUN", "dry_run"),         field_column("MANIFESTS", "manifests_deleted"),
      field_column("BLOB LINKS", "links_deleted"), field_column("BLOBS", "blobs_deleted"),
      size_column("FREED", "bytes_freed"),        size_column("FREED IN DATABASE", "database_bytes_freed"),
      field_column("SECONDS", "seconds")};
  return columns;
}

const std::vector<client::Column>& removal_columns() {
  static const std::vector<client::Column> columns{field_column("REPOSITORY", "repository"), field_column("TAG", "tag"),
                                                   client::digest_column("DIGEST", "digest"),
                                                   field_column("REASON", "reason")};
  return columns;
}

// A field of the answer's policy ("-" when there is no policy or no such field).
std::string policy_cell(const json::object& answer, std::string_view key) {
  // Not member(answer, ...): that would copy `answer` into a temporary json::value and return a
  // reference into it.
  const auto* policy = answer.if_contains("policy");
  if (policy == nullptr || !policy->is_object()) return "-";
  const auto& value = member(*policy, key);
  if (value.is_null()) return "-";
  return value.is_string() ? std::string(value.as_string()) : json::serialize(value);
}

const std::vector<client::Column>& policy_columns() {
  static const std::vector<client::Column> columns{
      {"KEEP NEWEST", [](const json::object& answer) { return policy_cell(answer, "keep_newest"); }},
      {"OLDER THAN (s)", [](const json::object& answer) { return policy_cell(answer, "older_than"); }},
      {"INCLUDE", [](const json::object& answer) { return policy_cell(answer, "include"); }},
      {"EXCLUDE", [](const json::object& answer) { return policy_cell(answer, "exclude"); }}};
  return columns;
}

void add_gc_command(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<LifecycleArgs>();
  auto* gc = context.command(app, "gc", "run one garbage collection to the end and show what it removed (superusers)",
                             [&context, args] {
                               return context.with_api([&](client::ApiClient& api) {
                                 return context.show(api.post("/gc", json::object{{"dry_run", args->dry_run}}),
                                                     gc_columns());
                               });
                             });
  gc->add_flag("--dry-run", args->dry_run, "only count what a collection would remove");
  context.add_connection_flags(*gc);
  context.add_output_flag(*gc);
}

void add_quota_commands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<LifecycleArgs>();
  auto* quota = CommandContext::family(app, "quota", "storage quotas of namespaces");
  auto* show = context.command(*quota, "show", "a namespace's usage and quota", [&context, args] {
    return context.with_api([&](client::ApiClient& api) {
      return context.show(api.get(namespace_base(*args) + "/quota"), quota_columns());
    });
  });
  auto* set = context.command(*quota, "set", "limit a namespace's storage (superusers)", [&context, args]() -> Outcome<> {
    auto limit = parse_size("LIMIT", args->size);
    if (!limit) return failure_of(limit.error());
    json::object body{{"limit_bytes", *limit}};
    if (!args->warning.empty()) {
      auto warning = parse_size("--warning", args->warning);
      if (!warning) return failure_of(warning.error());
      body["warning_bytes"] = *warning;
    }
    return context.with_api([&](client::ApiClient& api) {
      return context.show(api.put(namespace_base(*args) + "/quota", body), quota_columns());
    });
  });
  set->add_option("--warning", args->warning, "usage at which the namespace is flagged, e.g. 8GiB");
  auto* remove = context.command(*quota, "remove", "lift a namespace's quota (superusers)", [&context, args] {
    return context.with_api([&](client::ApiClient& api) {
      return context.done(api.remove(namespace_base(*args) + "/quota"), "removed the quota of " + args->namespace_name);
    });
  });
  for (auto* command : {show, set, remove}) {
    command->add_option("NAMESPACE", args->namespace_name, "organization or user")->required();
    context.add_connection_flags(*command);
  }
  // After NAMESPACE: positionals are taken in the order they are added.
  set->add_option("LIMIT", args->size, "bytes, or a size such as 512MiB or 10GiB")->required();
  for (auto* command : {show, set}) context.add_output_flag(*command);
}

void add_history_window_commands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<LifecycleArgs>();
  auto* window = CommandContext::family(app, "history-window",
                                        "how long a namespace keeps manifests that left their last tag");
  const std::vector<client::Column> columns{field_column("NAMESPACE", "namespace"),
                                            field_column("SECONDS", "history_window"), field_column("DEFAULT", "default")};
  auto* show = context.command(*window, "show", "a namespace's history window", [&context, args, columns] {
    return context.with_api([&](client::ApiClient& api) {
      return context.show(api.get(namespace_base(*args) + "/history-window"), columns);
    });
  });
  auto* set = context.command(*window, "set", "set a namespace's history window (0s: none)", [&context, args, columns] {
    return context.with_api([&](client::ApiClient& api) {
      return context.show(
          api.put(namespace_base(*args) + "/history-window", json::object{{"history_window", args->duration}}), columns);
    });
  });
  auto* remove = context.command(*window, "remove", "go back to gc.history_window", [&context, args] {
    return context.with_api([&](client::ApiClient& api) {
      return context.done(api.remove(namespace_base(*args) + "/history-window"),
                          "the history window of " + args->namespace_name + " is the default again");
    });
  });
  for (auto* command : {show, set, remove}) {
    command->add_option("NAMESPACE", args->namespace_name, "organization or user")->required();
    context.add_connection_flags(*command);
  }
  set->add_option("DURATION", args->duration, "e.g. 0s, 12h, 7d, 2w")->required();
  for (auto* command : {show, set}) context.add_output_flag(*command);
}

// --namespace NS or --repository REPO, exactly one (the other is refused by CLI11; neither by
// with_scope()).
void add_scope_flags(CLI::App& command, LifecycleArgs& args) {
  auto* ns = command.add_option("--namespace", args.namespace_name, "the rules of this organization or user");
  auto* repo = command.add_option("--repository", args.repository, "the rules of this repository, e.g. acme/app");
  ns->excludes(repo);
}

template <class Action>
Outcome<> with_scope(const CommandContext& context, const LifecycleArgs& args, Action action) {
  if (args.namespace_name.empty() && args.repository.empty()) {
    return usage_failure("name the rules' scope with --namespace or --repository");
  }
  return context.with_api(action);
}

void add_immutable_tag_commands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<LifecycleArgs>();
  auto* immutable = CommandContext::family(app, "immutable-tags", "tag patterns that are created once and never moved");
  const std::vector<client::Column> columns{
      {"PATTERNS", [](const json::object& answer) { return json::serialize(member(answer, "patterns")); }}};
  auto* show = context.command(*immutable, "show", "the immutable tag patterns", [&context, args, columns] {
    return with_scope(context, *args, [&](client::ApiClient& api) {
      return context.show(api.get(scope_base(*args) + "/immutable-tags"), columns);
    });
  });
  auto* set = context.command(*immutable, "set", "replace the immutable tag patterns (none: clear them)",
                              [&context, args, columns] {
                                json::array patterns(args->patterns.begin(), args->patterns.end());
                                return with_scope(context, *args, [&](client::ApiClient& api) {
                                  return context.show(api.put(scope_base(*args) + "/immutable-tags",
                                                              json::object{{"patterns", patterns}}),
                                                      columns);
                                });
                              });
  set->add_option("PATTERN", args->patterns, "globs such as v* or release-*");
  for (auto* command : {show, set}) {
    add_scope_flags(*command, *args);
    context.add_connection_flags(*command);
    context.add_output_flag(*command);
  }
}

void add_retention_commands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<LifecycleArgs>();
  auto* retention = CommandContext::family(app, "retention", "retention policies: which tags are removed on a schedule");
  auto* show = context.command(*retention, "show", "the retention policy", [&context, args] {
    return with_scope(context, *args, [&](client::ApiClient& api) {
      return context.show(api.get(scope_base(*args) + "/retention"), policy_columns());
    });
  });
  auto* set = context.command(*retention, "set", "set the retention policy", [&context, args] {
    json::object body;
    if (args->keep_newest >= 0) body["keep_newest"] = args->keep_newest;
    if (!args->older_than.empty()) body["older_than"] = args->older_than;
    body["include"] = json::array(args->include.begin(), args->include.end());
    body["exclude"] = json::array(args->exclude.begin(), args->exclude.end());
    return with_scope(context, *args, [&](client::ApiClient& api) {
      return context.show(api.put(scope_base(*args) + "/retention", body), policy_columns());
    });
  });
  set->add_option("--keep-newest", args->keep_newest, "keep this many of the newest matching tags");
  set->add_option("--older-than", args->older_than, "remove matching tags not pushed for this long, e.g. 30d");
  set->add_option("--include", args->include, "only tags matching these globs");
  set->add_option("--exclude", args->exclude, "never tags matching these globs");
  auto* remove = context.command(*retention, "remove", "remove the retention policy", [&context, args] {
    return with_scope(context, *args, [&](client::ApiClient& api) {
      return context.done(api.remove(scope_base(*args) + "/retention"), "removed the retention policy");
    });
  });
  auto* run = context.command(*retention, "run", "apply the policy now and list the tags it removed", [&context, args] {
    return with_scope(context, *args, [&](client::ApiClient& api) {
      return context.show(api.post(scope_base(*args) + "/retention/run", json::object{{"dry_run", args->dry_run}}),
                          removal_columns(), "removed");
    });
  });
  run->add_flag("--dry-run", args->dry_run, "only list what a real run would remove");
  for (auto* command : {show, set, remove, run}) {
    add_scope_flags(*command, *args);
    context.add_connection_flags(*command);
  }
  for (auto* command : {show, set, run}) context.add_output_flag(*command);
}

}  // namespace

void add_lifecycle_commands(CLI::App& app, CommandContext& context) {
  add_gc_command(app, context);
  add_quota_commands(app, context);
  add_history_window_commands(app, context);
  add_immutable_tag_commands(app, context);
  add_retention_commands(app, context);
}

}  // namespace pier::cli
