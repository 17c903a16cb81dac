#include "auth/ldap_accounts.h"

#include <algorithm>

#include "common/names.h"

namespace pier::auth {

std::optional<std::vector<LdapTeamMapping>> parse_team_mappings(std::string_view text) {
  std::vector<LdapTeamMapping> mappings;
  while (!text.empty()) {
    const auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    const auto equals = item.rfind('=');
    if (equals == std::string_view::npos) return std::nullopt;
    const auto target = item.substr(equals + 1);
    const auto slash = target.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    LdapTeamMapping mapping{std::string(item.substr(0, equals)), std::string(target.substr(0, slash)),
                            std::string(target.substr(slash + 1))};
    if (mapping.group.empty() || !is_valid_account_name(mapping.organization) ||
        !is_valid_account_name(mapping.team)) {
      return std::nullopt;
    }
    mappings.push_back(std::move(mapping));
  }
  return mappings;
}

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
