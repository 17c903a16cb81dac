#include "auth/ldap_accounts.h"

#include <algorithm>

#include "common/names.h"

namespace pier::auth {

Result<std::optional<meta::User>> LdapAccounts::sign_in(std::string_view username, std::string_view password,
                                                        std::int64_t now) {
  using Found = std::optional<meta::User>;
  if (!is_valid_account_name(username)) return Found();
  auto existing = accounts_.get_user(username);
  if (!existing && existing.error().code != ErrorCode::kNameUnknown) return existing.error();
  if (existing && existing->source != meta::UserSource::kLdap) return Found();

  auto entry = directory_.authenticate(username, password);
  if (!entry) return entry.error();
  if (!*entry) return Found();

  meta::User user;
  if (existing) {
    user = std::move(*existing);
  } else {
    auto created = accounts_.create_user(
        meta::NewUser{std::string(username), (*entry)->email, "", false, meta::UserSource::kLdap}, now);
    if (!created) {
      // Another sign-in of the same user may have created it meanwhile.
      auto again = accounts_.get_user(username);
      if (!again) return created.error();
      user = std::move(*again);
    } else {
      user = std::move(*created);
    }
  }
  if (user.disabled) return Found();
  if (auto synced = sync_teams(user.name, (*entry)->groups); !synced) return synced.error();
  return Found(std::move(user));
}

Result<void> LdapAccounts::sync_teams(const std::string& user, const std::vector<std::string>& groups) {
  for (const auto& mapping : mappings_) {
    const bool member = std::find(groups.begin(), groups.end(), mapping.group) != groups.end();
    if (member) {
      auto added = accounts_.add_team_member(mapping.organization, mapping.team, user);
      if (!added && added.error().code != ErrorCode::kNameUnknown) return added.error();
    } else {
      auto removed = accounts_.remove_team_member(mapping.organization, mapping.team, user);
      if (!removed && removed.error().code != ErrorCode::kNameUnknown) return removed.error();
    }
  }
  return {};
}

}  // namespace pier::auth
