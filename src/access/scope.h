// access/scope.h: the resource scopes of Docker token auth, and the challenge that asks for them.
//
// A scope is "<type>:<name>:<action>[,<action>...]" (distribution's docs/spec/auth/scope.md):
// "repository:team/app:pull,push" or "registry:catalog:*". A client asks the token endpoint for
// scopes; the registry's 401 names the scope the request needed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pier::access {

struct Scope {
  std::string type;  // "repository", "registry", ...
  std::string name;  // repository name, or "catalog"
  std::vector<std::string> actions;

  friend bool operator==(const Scope&, const Scope&) = default;
};

// nullopt unless `text` has a type, a name and at least one action. The name may hold ':'
// (distribution splits at the first and the last). Empty actions between commas are dropped.
std::optional<Scope> parse_scope(std::string_view text);
std::string format_scope(const Scope& scope);

// `WWW-Authenticate: Bearer realm="...",service="..."[,scope="..."][,error="insufficient_scope"]`.
std::string bearer_challenge(std::string_view realm, std::string_view service, const std::vector<Scope>& scopes,
                             bool insufficient_scope);

}  // namespace pier::access
