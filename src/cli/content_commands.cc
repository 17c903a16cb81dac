// What a registry holds: pier repo (list, show, create, delete, visibility), pier tag (list,
// history, move, restore, delete), pier manifest show, and the organizations and users one may
// see (pier org ls, pier user ls).
//
// Lists are read whole, page after page, so a script gets every item in one answer
// ({"repositories": [...]} with --output json, as one page would have it).
#include "cli/command_families.h"
#include "client/urls.h"

namespace pier::cli {

namespace json = boost::json;
using client::digest_column;
using client::field_column;
using client::platforms_column;
using client::size_column;
using client::time_column;

namespace {

struct ContentArgs {
  std::string repository;
  std::string tag;
  std::string digest;
  std::string namespace_name;
  std::string search;
  std::string visibility;
  std::string expires_in;
  std::int64_t expires_at = -1;
  bool never = false;
  bool is_public = false;
  bool yes = false;
};

std::string repository_base(const ContentArgs& args) { return "/repositories/" + client::repository_path(args.repository); }
std::string tag_path(const ContentArgs& args) { return repository_base(args) + "/tags/" + client::path_segment(args.tag); }

// "public" or "private", from an answer's "public" flag.
const client::Column kVisibilityColumn{"VISIBILITY", [](const json::object& answer) {
                                         return member(answer, "public") == json::value(true) ? std::string("public")
                                                                                               : std::string("private");
                                       }};

const std::vector<client::Column>& repository_columns() {
  static const std::vector<client::Column> columns{field_column("REPOSITORY", "name"), kVisibilityColumn,
                                                   field_column("TAGS", "tag_count"),
                                                   time_column("LAST MODIFIED", "last_modified")};
  return columns;
}

const std::vector<client::Column>& tag_columns() {
  static const std::vector<client::Column> columns{field_column("TAG", "name"), digest_column("DIGEST", "digest"),
                                                   size_column("SIZE", "size"),
                                                   platforms_column("PLATFORMS", "platforms"),
                                                   time_column("LAST PUSHED", "last_modified"),
                                                   time_column("EXPIRES", "expires_at")};
  return columns;
}

// The digest a tag pointed at before its newest move: what `tag restore` goes back to.
Result<std::string> previous_digest(client::ApiClient& api, const ContentArgs& args) {
  auto history = api.get(tag_path(args) + "/history");
  if (!history) return history.error();
  const auto& moves = member(*history, "history");
  if (moves.is_array()) {
    for (const auto& move : moves.as_array()) {  // newest first
      const auto& old_digest = member(move, "old_digest");
      if (old_digest.is_string() && !old_digest.as_string().empty()) return std::string(old_digest.as_string());
    }
  }
  return make_error(ErrorCode::kBadRequest, "tag " + args.tag + " has no earlier digest to restore; name one with --to");
}

void add_repo_commands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<ContentArgs>();
  auto* repo = CommandContext::family(app, "repo", "repositories");
  auto* ls = context.command(*repo, "ls", "list the repositories you may pull", [&context, args] {
    return context.with_api([&](client::ApiClient& api) {
      client::QueryParams query;
      if (!args->namespace_name.empty()) query.emplace_back("namespace", args->namespace_name);
      if (!args->search.empty()) query.emplace_back("q", args->search);
      return context.show(all_pages(api, "/repositories", query, "repositories"), repository_columns(),
                          "repositories");
    });
  });
  ls->add_option("--namespace", args->namespace_name, "only this namespace's repositories");
  ls->add_option("--search", args->search, "only names holding this text");
  auto* show = context.command(*repo, "show", "describe a repository", [&context, args] {
    return context.with_api(
        [&](client::ApiClient& api) { return context.show(api.get(repository_base(*args)), repository_columns()); });
  });
  auto* create = context.command(*repo, "create", "create an empty repository", [&context, args] {
    return context.with_api([&](client::ApiClient& api) {
      return context.show(
          api.post("/repositories", json::object{{"name", args->repository}, {"public", args->is_public}}),
          repository_columns());
    });
  });
  create->add_flag("--public", args->is_public, "anyone may pull it");
  auto* remove = context.command(*repo, "delete", "delete a repository with its tags and manifests", [&context, args] {
    if (!args->yes) return Outcome<>(usage_failure("deleting " + args->repository + " cannot be undone: add --yes"));
    return context.with_api([&](client::ApiClient& api) {
      return context.done(api.remove(repository_base(*args)), "deleted repository " + args->repository);
    });
  });
  remove->add_flag("--yes", args->yes, "confirm the deletion");
  auto* visibility = context.command(
      *repo, "visibility", "make a repository public (anyone may pull) or private", [&context, args] {
        return context.with_api([&](client::ApiClient& api) {
          const json::object body{{"public", args->visibility == "public"}};
          return context.show(api.put(repository_base(*args) + "/visibility", body),
                              {field_column("REPOSITORY", "repository"), kVisibilityColumn});
        });
      });
  for (auto* command : {show, create, remove, visibility}) {
    command->add_option("REPOSITORY", args->repository, "repository, e.g. acme/app")->required();
  }
  visibility->add_option("VISIBILITY", args->visibility, "public or private")
      ->required()
      ->check(CLI::IsMember({"public", "private"}));
  for (auto* command : {ls, show, create, remove, visibility}) context.add_connection_flags(*command);
  for (auto* command : {ls, show, create, visibility}) context.add_output_flag(*command);
}

void add_tag_commands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<ContentArgs>();
  auto* tag = CommandContext::family(app, "tag", "tags of a repository");
  auto* ls = context.command(*tag, "ls", "list a repository's tags", [&context, args] {
    return context.with_api([&](client::ApiClient& api) {
      client::QueryParams query;
      if (!args->search.empty()) query.emplace_back("q", args->search);
      return context.show(all_pages(api, repository_base(*args) + "/tags", query, "tags"), tag_columns(), "tags");
    });
  });
  ls->add_option("--search", args->search, "only tags holding this text");
  auto* history = context.command(*tag, "history", "every move of a tag, newest first", [&context, args] {
    return context.with_api([&](client::ApiClient& api) {
      return context.show(api.get(tag_path(*args) + "/history"),
                          {time_column("TIME", "changed_at"), field_column("TAG", "tag"),
                           digest_column("FROM", "old_digest"), digest_column("TO", "new_digest")},
                          "history");
    });
  });
  auto* move = context.command(*tag, "move", "point a tag (new or not) at a manifest of the repository",
                               [&context, args] {
                                 return context.with_api([&](client::ApiClient& api) {
                                   return context.show(api.put(tag_path(*args), json::object{{"digest", args->digest}}),
                                                       tag_columns());
                                 });
                               });
  auto* restore = context.command(*tag, "restore", "point a tag back where it was before its newest move",
                                  [&context, args] {
                                    return context.with_api([&](client::ApiClient& api) -> Outcome<> {
                                      std::string digest = args->digest;
                                      if (digest.empty()) {
                                        auto previous = previous_digest(api, *args);
                                        if (!previous) return failure_of(previous.error());
                                        digest = *previous;
                                      }
                                      return context.show(api.put(tag_path(*args), json::object{{"digest", digest}}),
                                                          tag_columns());
                                    });
                                  });
  restore->add_option("--to", args->digest, "this digest instead (one the tag pointed at before)");
  auto* remove = context.command(*tag, "delete", "delete a tag (its manifest stays)", [&context, args] {
    return context.with_api([&](client::ApiClient& api) {
      return context.done(api.remove(tag_path(*args)), "deleted tag " + args->repository + ":" + args->tag);
    });
  });
  auto* expire = context.command(*tag, "expire", "set when a tag is removed (it shows in its history, restorable)",
                                 [&context, args]() -> Outcome<> {
                                   if (args->expires_in.empty() && args->expires_at < 0 && !args->never) {
                                     return usage_failure("say when: --in, --at or --never");
                                   }
                                   json::object body;
                                   if (!args->expires_in.empty()) body["expires_in"] = args->expires_in;
                                   if (args->expires_at >= 0) body["expires_at"] = args->expires_at;
                                   return context.with_api([&](client::ApiClient& api) {
                                     return context.show(api.put(tag_path(*args) + "/expiration", body), tag_columns());
                                   });
                                 });
  auto* in = expire->add_option("--in", args->expires_in, "from now: 30m, 12h, 3d, 2w");
  auto* at = expire->add_option("--at", args->expires_at, "at this Unix time");
  auto* never = expire->add_flag("--never", args->never, "clear the tag's expiry");
  in->excludes(at)->excludes(never);
  at->excludes(never);
  for (auto* command : {ls, history, move, restore, remove, expire}) {
    command->add_option("REPOSITORY", args->repository, "repository, e.g. acme/app")->required();
    if (command != ls) command->add_option("TAG", args->tag, "tag")->required();
    context.add_connection_flags(*command);
  }
  // After REPOSITORY and TAG: positionals are taken in the order they are added.
  move->add_option("DIGEST", args->digest, "the manifest's digest, sha256:...")->required();
  for (auto* command : {ls, history, move, restore, expire}) context.add_output_flag(*command);
}

void add_manifest_commands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<ContentArgs>();
  auto* manifest = CommandContext::family(app, "manifest", "manifests of a repository");
  auto* show = context.command(*manifest, "show", "a manifest's layers, or an index's platforms", [&context, args] {
    return context.with_api([&](client::ApiClient& api) {
      auto answer = api.get(repository_base(*args) + "/manifests/" + client::path_segment(args->digest));
      if (answer && member(*answer, "manifests").is_array() && !member(*answer, "manifests").as_array().empty()) {
        return context.show(answer,
                            {digest_column("MANIFEST", "digest"), size_column("SIZE", "size"),
                             {"PLATFORM",
                              [](const json::object& entry) {
                                json::object wrapped{{"platforms", json::array{member(entry, "platform")}}};
                                return platforms_column("", "platforms").cell(wrapped);
                              }},
                             field_column("MEDIA TYPE", "media_type")},
                            "manifests");
      }
      return context.show(answer,
                          {digest_column("LAYER", "digest"), size_column("SIZE", "size"),
                           field_column("MEDIA TYPE", "media_type")},
                          "layers");
    });
  });
  show->add_option("REPOSITORY", args->repository, "repository, e.g. acme/app")->required();
  show->add_option("DIGEST", args->digest, "the manifest's digest, sha256:...")->required();
  context.add_connection_flags(*show);
  context.add_output_flag(*show);
}

}  // namespace

void add_content_commands(CLI::App& app, CommandContext& context) {
  add_repo_commands(app, context);
  add_tag_commands(app, context);
  add_manifest_commands(app, context);
}

}  // namespace pier::cli
