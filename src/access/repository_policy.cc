#include "access/repository_policy.h"

#include <algorithm>

namespace pier::access {

Result<std::optional<meta::Subject>> RepositoryPolicy::subject_of(const auth::Principal& principal) {
  using Found = std::optional<meta::Subject>;
  switch (principal.kind) {
    case auth::PrincipalKind::kAnonymous: return Found();
    case auth::PrincipalKind::kRobot: {
      auto robot = accounts_.find_robot(principal.name);
      if (!robot) return robot.error().code == ErrorCode::kNameUnknown ? Result<Found>(Found()) : robot.error();
      return Found(meta::Subject{meta::SubjectKind::kRobot, robot->id});
    }
    case auth::PrincipalKind::kUser:
    case auth::PrincipalKind::kToken: {
      auto user = accounts_.get_user(principal.name);
      if (!user) return user.error().code == ErrorCode::kNameUnknown ? Result<Found>(Found()) : user.error();
      return Found(meta::Subject{meta::SubjectKind::kUser, user->id});
    }
  }
  return Found();
}

Result<std::string> RepositoryPolicy::namespace_kind_of(std::string_view namespace_name) {
  if (namespace_name.empty()) return std::string();
  auto kind = accounts_.namespace_kind(namespace_name);
  if (!kind) return kind.error();
  return kind->value_or("");
}

Result<auth::Decision> RepositoryPolicy::decide(const auth::Principal& principal, auth::Action action,
                                                std::string_view repository) {
  auto subject = subject_of(principal);
  if (!subject) return subject.error();
  auto namespace_kind = namespace_kind_of(namespace_of(repository));
  if (!namespace_kind) return namespace_kind.error();
  return decide_as(principal, *subject, action, repository, *namespace_kind);
}

Result<std::vector<bool>> RepositoryPolicy::allowed_each(const auth::Principal& principal, auth::Action action,
                                                         const std::vector<std::string>& repositories) {
  std::vector<bool> allowed(repositories.size(), false);
  if (repositories.empty()) return allowed;
  auto subject = subject_of(principal);
  if (!subject) return subject.error();
  // Listed repositories exist; which of them are public is read once for the whole list.
  const auto [lowest, highest] = std::minmax_element(repositories.begin(), repositories.end());
  auto public_names = accounts_.public_repositories_between(*lowest, *highest);
  if (!public_names) return public_names.error();
  const auto is_public = [&](const std::string& repository) {
    return std::binary_search(public_names->begin(), public_names->end(), repository);
  };
  // Listings come sorted by name, so one namespace's repositories are neighbours.
  for (std::size_t first = 0; first < repositories.size();) {
    const std::string_view namespace_name = namespace_of(repositories[first]);
    std::size_t end = first + 1;
    while (end < repositories.size() && namespace_of(repositories[end]) == namespace_name) ++end;
    auto kind = namespace_kind_of(namespace_name);
    if (!kind) return kind.error();
    // What the principal may do anywhere in the namespace, with no grant on one repository:
    // enough for a superuser, an owner or a namespace-wide role, and then no repository's
    // grants are read. Grants only ever add to what is allowed.
    meta::Grants namespace_wide;
    if (*subject) {
      auto loaded = accounts_.grants_for((*subject)->kind, (*subject)->id, "", namespace_name);
      if (!loaded) return loaded.error();
      namespace_wide = std::move(*loaded);
    }
    const bool everywhere =
        auth::decide(principal, action, namespace_wide, false, true, *kind, namespace_name).allowed;
    if (everywhere) {
      std::fill(allowed.begin() + first, allowed.begin() + end, true);
      first = end;
      continue;
    }
    std::vector<meta::Grants> grants(end - first);
    if (*subject) {
      auto loaded = accounts_.grants_for_each(
          (*subject)->kind, (*subject)->id,
          std::vector<std::string>(repositories.begin() + first, repositories.begin() + end), namespace_name);
      if (!loaded) return loaded.error();
      grants = std::move(*loaded);
    }
    for (std::size_t i = first; i < end; ++i) {
      allowed[i] = auth::decide(principal, action, grants[i - first], is_public(repositories[i]), true, *kind,
                                namespace_name)
                       .allowed;
    }
    first = end;
  }
  return allowed;
}

Result<auth::Decision> RepositoryPolicy::decide_as(const auth::Principal& principal,
                                                   const std::optional<meta::Subject>& subject, auth::Action action,
                                                   std::string_view repository, std::string_view namespace_kind) {
  auto exists = metadata_.repository_exists(repository);
  if (!exists) return exists.error();
  auto is_public = accounts_.is_repository_public(repository);
  if (!is_public) return is_public.error();
  const std::string_view namespace_name = namespace_of(repository);
  meta::Grants grants;
  if (subject) {
    auto loaded = accounts_.grants_for(subject->kind, subject->id, repository, namespace_name);
    if (!loaded) return loaded.error();
    grants = std::move(*loaded);
  }
  auto decision = auth::decide(principal, action, grants, *is_public, *exists, namespace_kind, namespace_name);
  if (decision.allowed && action == auth::Action::kPush && !*exists) {
    if (auto prepared = prepare_new_repository(principal, subject, repository, namespace_name, namespace_kind);
        !prepared) {
      return prepared.error();
    }
  }
  return decision;
}

Result<void> RepositoryPolicy::prepare_new_repository(const auth::Principal& principal,
                                                      std::optional<meta::Subject> subject,
                                                      std::string_view repository, std::string_view namespace_name,
                                                      std::string_view namespace_kind) {
  if (namespace_kind != "org") return {};
  auto defaults = accounts_.list_default_permissions(namespace_name);
  if (!defaults) return defaults.error();
  for (const auto& permission : *defaults) {
    auto granted = accounts_.grant_permission(repository, permission.subject, permission.role);
    if (!granted && granted.error().code != ErrorCode::kNameUnknown) return granted.error();
  }
  const bool user = principal.kind == auth::PrincipalKind::kUser || principal.kind == auth::PrincipalKind::kToken;
  if (user && subject) {
    auto granted = accounts_.grant_permission(repository, *subject, meta::RepositoryRole::kAdmin);
    if (!granted && granted.error().code != ErrorCode::kNameUnknown) return granted.error();
  }
  return {};
}

}  // namespace pier::access
