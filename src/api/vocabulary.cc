#include "api/vocabulary.h"

#include <array>
#include <string>

#include "auth/authenticator.h"

namespace pier::api {

namespace {

// Words in enum order.
constexpr std::array<std::string_view, 3> kRepositoryRoles = {"read", "write", "admin"};
constexpr std::array<std::string_view, 3> kTeamRoles = {"member", "creator", "admin"};
constexpr std::array<std::string_view, 3> kSubjectKinds = {"user", "team", "robot"};
constexpr std::array<std::string_view, 4> kActorKinds = {"user", "robot", "token", "anonymous"};

template <std::size_t N>
Error not_one_of(std::string_view field, const std::array<std::string_view, N>& words) {
  std::string message = std::string(field) + ": must be one of ";
  for (std::size_t i = 0; i < N; ++i) message += (i == 0 ? "" : ", ") + std::string(words[i]);
  return make_error(ErrorCode::kBadRequest, std::move(message));
}

template <class E, std::size_t N>
Result<E> parse(const std::array<std::string_view, N>& words, std::string_view field, std::string_view text) {
  for (std::size_t i = 0; i < N; ++i) {
    if (words[i] == text) return static_cast<E>(i);
  }
  return not_one_of(field, words);
}

template <std::size_t N>
Result<void> check(const std::array<std::string_view, N>& words, std::string_view field, std::string_view text) {
  for (auto word : words) {
    if (word == text) return {};
  }
  return not_one_of(field, words);
}

}  // namespace

std::string_view to_text(meta::RepositoryRole role) { return kRepositoryRoles.at(static_cast<std::size_t>(role)); }
std::string_view to_text(meta::TeamRole role) { return kTeamRoles.at(static_cast<std::size_t>(role)); }
std::string_view to_text(meta::SubjectKind kind) { return kSubjectKinds.at(static_cast<std::size_t>(kind)); }
std::string_view to_text(meta::ActorKind kind) { return kActorKinds.at(static_cast<std::size_t>(kind)); }
std::string_view to_text(auth::PrincipalKind kind) { return to_text(auth::actor_kind_of(kind)); }

Result<meta::RepositoryRole> parse_repository_role(std::string_view field, std::string_view text) {
  return parse<meta::RepositoryRole>(kRepositoryRoles, field, text);
}

Result<meta::TeamRole> parse_team_role(std::string_view field, std::string_view text) {
  return parse<meta::TeamRole>(kTeamRoles, field, text);
}

Result<meta::SubjectKind> parse_subject_kind(std::string_view field, std::string_view text) {
  return parse<meta::SubjectKind>(kSubjectKinds, field, text);
}

Result<void> check_binding_role(std::string_view text) { return check(auth::kBindingRoles, "role", text); }

Result<void> check_token_scope(std::string_view text) { return check(auth::kTokenScopes, "scopes", text); }

}  // namespace pier::api
