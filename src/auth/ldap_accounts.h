// auth/ldap_accounts.h: directory users as Pier accounts.
//
// A user who signs in through LDAP for the first time gets a Pier account of source kLdap (no
// password hash: the directory keeps checking the password), so grants, teams and the audit
// log name them like anyone else. With team sync, each sign-in makes the user's membership of
// each mapped team match their membership of the directory group: added when in the group,
// removed when not. Teams are created by administrators; a mapping to a team that does not
// exist is skipped. A local account of the same name is never taken over.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/ldap_directory.h"
#include "common/error.h"
#include "meta/account_store.h"

namespace pier::auth {

struct LdapTeamMapping {
  std::string group;         // the directory group's name (group_name_attribute)
  std::string organization;
  std::string team;
  friend bool operator==(const LdapTeamMapping&, const LdapTeamMapping&) = default;
};

class LdapAccounts {
 public:
  LdapAccounts(LdapDirectory& directory, meta::AccountStore& accounts, std::vector<LdapTeamMapping> mappings)
      : directory_(directory), accounts_(accounts), mappings_(std::move(mappings)) {}

  // The account, or nullopt for credentials the directory refuses, a name Pier cannot use as
  // an account name, or a local (non-LDAP) account of that name. Blocks on the network.
  Result<std::optional<meta::User>> sign_in(std::string_view username, std::string_view password, std::int64_t now);

 private:
  Result<void> sync_teams(const std::string& user, const std::vector<std::string>& groups);

  LdapDirectory& directory_;
  meta::AccountStore& accounts_;
  std::vector<LdapTeamMapping> mappings_;
};

}  // namespace pier::auth
