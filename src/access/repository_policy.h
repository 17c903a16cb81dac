// access/repository_policy.h: the one place a decision about a repository is taken.
//
// Loads what the stores know (the principal's grants, the repository's namespace, visibility
// and existence) and asks auth::decide(). Every path that authorizes (registry requests, the
// token endpoint, catalog filtering) comes here, so the rules live in auth/authorizer.h alone.
//
// A repository's namespace is its first path component ("acme" of "acme/app"); a name without
// '/' has no namespace, so only superusers create it. When a push to a repository that does
// not exist yet is allowed, the repository's initial permissions are set before answering:
// the organization's default permissions, and admin for the user who creates it (as Quay
// does), so the creator keeps access once the repository exists.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authorizer.h"
#include "common/error.h"
#include "common/names.h"
#include "meta/account_store.h"
#include "meta/metadata_store.h"

namespace pier::access {

class RepositoryPolicy {
 public:
  RepositoryPolicy(meta::AccountStore& accounts, meta::MetadataStore& metadata)
      : accounts_(accounts), metadata_(metadata) {}

  // The store failing is an error (kInternal, kUnavailable), never a silent allow or deny.
  Result<auth::Decision> decide(const auth::Principal& principal, auth::Action action, std::string_view repository);

  // decide() for each repository of a listing, in order; the principal's account, each
  // namespace's kind and grants and the public repositories are looked up once for all of
  // them, and a repository's own grants only when the namespace's do not already allow.
  // For repositories that exist.
  Result<std::vector<bool>> allowed_each(const auth::Principal& principal, auth::Action action,
                                         const std::vector<std::string>& repositories);

  // The user or robot behind a principal; nullopt for anonymous callers and for accounts
  // that no longer exist.
  Result<std::optional<meta::Subject>> subject_of(const auth::Principal& principal);

 private:
  Result<auth::Decision> decide_as(const auth::Principal& principal, const std::optional<meta::Subject>& subject,
                                   auth::Action action, std::string_view repository, std::string_view namespace_kind);
  Result<std::string> namespace_kind_of(std::string_view namespace_name);
  Result<void> prepare_new_repository(const auth::Principal& principal, std::optional<meta::Subject> subject,
                                      std::string_view repository, std::string_view namespace_name,
                                      std::string_view namespace_kind);

  meta::AccountStore& accounts_;
  meta::MetadataStore& metadata_;
};

using ::pier::namespace_of;

}  // namespace pier::access
