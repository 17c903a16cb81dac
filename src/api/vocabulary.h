// api/vocabulary.h: the words of the management API for roles and kinds, both ways.
//
// The API's words, not the database's (meta/sqlite keeps its own), so either can change alone.
// Parsing gives kBadRequest with a message that lists the words allowed, naming `field`.
#pragma once

#include <string_view>

#include "auth/authorizer.h"
#include "common/error.h"
#include "meta/account_store.h"

namespace pier::api {

std::string_view to_text(meta::RepositoryRole role);  // read, write, admin
std::string_view to_text(meta::TeamRole role);        // member, creator, admin
std::string_view to_text(meta::SubjectKind kind);     // user, team, robot
std::string_view to_text(meta::ActorKind kind);       // user, robot, token, anonymous
std::string_view to_text(auth::PrincipalKind kind);   // user, robot, token, anonymous

Result<meta::RepositoryRole> parse_repository_role(std::string_view field, std::string_view text);
Result<meta::TeamRole> parse_team_role(std::string_view field, std::string_view text);
Result<meta::SubjectKind> parse_subject_kind(std::string_view field, std::string_view text);
// One of auth::kBindingRoles.
Result<void> check_binding_role(std::string_view text);
// One of auth::kTokenScopes.
Result<void> check_token_scope(std::string_view text);

}  // namespace pier::api
