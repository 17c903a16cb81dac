#include "access/scope.h"

namespace pier::access {

std::optional<Scope> parse_scope(std::string_view text) {
  const auto first = text.find(':');
  const auto last = text.rfind(':');
  if (first == std::string_view::npos || first == last) return std::nullopt;
  Scope scope;
  scope.type = std::string(text.substr(0, first));
  scope.name = std::string(text.substr(first + 1, last - first - 1));
  std::string_view actions = text.substr(last + 1);
  while (!actions.empty()) {
    const auto comma = actions.find(',');
    const auto action = actions.substr(0, comma);
    if (!action.empty()) scope.actions.emplace_back(action);
    if (comma == std::string_view::npos) break;
    actions.remove_prefix(comma + 1);
  }
  if (scope.type.empty() || scope.name.empty() || scope.actions.empty()) return std::nullopt;
  return scope;
}

std::string format_scope(const Scope& scope) {
  std::string text = scope.type + ":" + scope.name + ":";
  for (std::size_t i = 0; i < scope.actions.size(); ++i) {
    if (i > 0) text += ',';
    text += scope.actions[i];
  }
  return text;
}

std::string bearer_challenge(std::string_view realm, std::string_view service, const std::vector<Scope>& scopes,
                             bool insufficient_scope) {
  std::string header = "Bearer realm=\"" + std::string(realm) + "\",service=\"" + std::string(service) + "\"";
  if (!scopes.empty()) {
    header += ",scope=\"";
    for (std::size_t i = 0; i < scopes.size(); ++i) {
      if (i > 0) header += ' ';
      header += format_scope(scopes[i]);
    }
    header += '"';
  }
  if (insufficient_scope) header += ",error=\"insufficient_scope\"";
  return header;
}

}  // namespace pier::access
