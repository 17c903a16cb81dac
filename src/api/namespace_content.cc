#include "api/namespace_content.h"

#include "common/glob.h"

namespace pier::api {

Result<bool> remove_repository_content(const Call& call, std::string_view repository) {
  auto removed = call.content().remove(repository);
  if (!removed) return removed.error();
  auto& lifecycle = call.services.lifecycle;
  if (auto r = lifecycle.set_immutable_patterns(meta::RuleScope::kRepository, repository, {}); !r) return r.error();
  if (auto r = lifecycle.set_retention_policy(meta::RuleScope::kRepository, repository, std::nullopt, call.now()); !r) {
    return r.error();
  }
  if (auto r = call.services.notifications.forget_repository(repository); !r) return r.error();
  return removed;
}

Result<void> remove_namespace_content(const Call& call, std::string_view namespace_name) {
  auto& lifecycle = call.services.lifecycle;
  auto repositories = lifecycle.namespace_repositories(namespace_name);
  if (!repositories) return repositories.error();
  auto namespace_patterns = lifecycle.immutable_patterns(meta::RuleScope::kNamespace, namespace_name);
  if (!namespace_patterns) return namespace_patterns.error();
  for (const auto& repository : *repositories) {
    auto patterns = lifecycle.immutable_patterns(meta::RuleScope::kRepository, repository);
    if (!patterns) return patterns.error();
    patterns->insert(patterns->end(), namespace_patterns->begin(), namespace_patterns->end());
    if (patterns->empty()) continue;
    auto tags = lifecycle.repository_tags(repository);
    if (!tags) return tags.error();
    for (const auto& tag : *tags) {
      if (any_glob_matches(*patterns, tag.name)) {
        return make_error(ErrorCode::kDenied, std::string(namespace_name) + " cannot be deleted: its tag " + repository +
                                                  ":" + tag.name + " is immutable");
      }
    }
  }
  for (const auto& repository : *repositories) {
    if (auto removed = remove_repository_content(call, repository); !removed) return removed.error();
    if (auto forgotten = call.accounts().forget_repository(repository); !forgotten) return forgotten.error();
  }
  if (auto r = lifecycle.set_quota(namespace_name, std::nullopt, std::nullopt); !r) return r;
  if (auto r = lifecycle.set_history_window(namespace_name, std::nullopt); !r) return r;
  if (auto r = lifecycle.set_immutable_patterns(meta::RuleScope::kNamespace, namespace_name, {}); !r) return r;
  if (auto r = call.services.signing.remove_policy(namespace_name); !r) return r;
  if (auto r = call.services.scanning.remove_policy(namespace_name); !r) return r;
  if (auto r = call.services.notifications.forget_namespace(namespace_name); !r) return r;
  return lifecycle.set_retention_policy(meta::RuleScope::kNamespace, namespace_name, std::nullopt, call.now());
}

}  // namespace pier::api
