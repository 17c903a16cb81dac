// meta/account_columns.h: what every AccountStore implementation shares about its tables:
// the text its CHECKed columns hold for each enum value, the errors account_store.h names,
// and the memo of teams' role bindings that grants_for and grants_for_each read through.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "meta/account_store.h"

namespace pier::meta {

// Enum <-> the text stored in the CHECKed columns, in enum order.
inline constexpr std::array<std::string_view, 2> kSources = {"local", "ldap"};
inline constexpr std::array<std::string_view, 3> kSubjectKinds = {"user", "team", "robot"};
inline constexpr std::array<std::string_view, 3> kRepositoryRoles = {"read", "write", "admin"};
inline constexpr std::array<std::string_view, 3> kTeamRoles = {"member", "creator", "admin"};
inline constexpr std::array<std::string_view, 4> kActorKinds = {"user", "robot", "token", "anonymous"};

template <class E, std::size_t N>
std::string_view to_text(const std::array<std::string_view, N>& names, E value) {
  return names.at(static_cast<std::size_t>(value));
}

// nullopt for a text no enum value has (a store reports that as a corrupt table).
template <class E, std::size_t N>
std::optional<E> enum_of(const std::array<std::string_view, N>& names, std::string_view text) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<E>(i);
  }
  return std::nullopt;
}

// The errors of account_store.h: an unknown user, organization, team, ... and a taken name.
inline Error unknown(std::string_view what) {
  return make_error(ErrorCode::kNameUnknown, std::string(what) + " not known");
}
inline Error already_exists() { return make_error(ErrorCode::kBadRequest, "already exists"); }

// Teams' role bindings in one namespace, each read once however many repositories it covers.
class TeamBindings {
 public:
  using Read = std::function<std::vector<std::string>(std::int64_t team_id)>;
  explicit TeamBindings(Read read) : read_(std::move(read)) {}
  const std::vector<std::string>& of(std::int64_t team_id) {
    auto known = seen_.find(team_id);
    if (known == seen_.end()) known = seen_.emplace(team_id, read_(team_id)).first;
    return known->second;
  }

 private:
  Read read_;
  std::map<std::int64_t, std::vector<std::string>> seen_;
};

}  // namespace pier::meta
