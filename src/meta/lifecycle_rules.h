// meta/lifecycle_rules.h: the rules every MetadataStore applies inside its transactions to
// immutable tags and namespace quotas, shared so that both engines refuse with one message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/glob.h"
#include "meta/lifecycle_store.h"

namespace pier::meta {

struct ImmutableRule {
  RuleScope scope = RuleScope::kNamespace;
  std::string scope_name;
  std::string pattern;
};

// Reads the immutable tag rules of the namespace and of the repository itself: SQL text with
// one placeholder, the repository id, used twice ($1 on PostgreSQL, ?1 on SQLite).
inline std::string immutable_rules_query(std::string_view placeholder) {
  const std::string p(placeholder);
  return "SELECT i.scope_kind, i.scope, i.pattern FROM immutable_tag_rules i JOIN repositories r ON r.id = " + p +
         " WHERE (i.scope_kind = 'namespace' AND i.scope = r.namespace) "
         "OR (i.scope_kind = 'repository' AND i.scope = r.name) ORDER BY i.scope_kind, i.pattern";
}

// A copy: callers often pass the rules as a temporary.
inline std::optional<ImmutableRule> immutable_rule_for(const std::vector<ImmutableRule>& rules, std::string_view tag) {
  for (const auto& rule : rules) {
    if (glob_matches(rule.pattern, tag)) return rule;
  }
  return std::nullopt;
}

// `done`: what was refused ("moved", "deleted").
inline Error immutable_tag_error(std::string_view tag, const ImmutableRule& rule, std::string_view done) {
  return make_error(ErrorCode::kDenied,
                    "tag " + std::string(tag) + " is immutable and cannot be " + std::string(done) +
                        ": it matches the pattern \"" + rule.pattern + "\" set on " + std::string(to_text(rule.scope)) +
                        " " + rule.scope_name,
                    "{\"tag\":\"" + std::string(tag) + "\",\"pattern\":\"" + rule.pattern + "\"}");
}

// The refusal of deleting `tags` if any of them is immutable.
inline std::optional<Error> immutable_deletion_error(const std::vector<ImmutableRule>& rules,
                                                     const std::vector<std::string>& tags) {
  for (const auto& tag : tags) {
    if (const auto rule = immutable_rule_for(rules, tag)) return immutable_tag_error(tag, *rule, "deleted");
  }
  return std::nullopt;
}

// A namespace's quota as a link transaction sees it, after adding its link.
struct QuotaCheck {
  std::string namespace_name;
  std::uint64_t limit_bytes = 0;
  std::uint64_t used_bytes = 0;  // with the new blob
  bool blob_new_to_namespace = false;
  std::optional<std::uint64_t> warning_bytes;  // the namespace's warning threshold, if it set one
};

// The quota query: the repository id and the digest as its two placeholders.
inline std::string quota_query(std::string_view repository_placeholder, std::string_view digest_placeholder) {
  return "SELECT q.namespace, q.limit_bytes, COALESCE(u.used_bytes, 0), COALESCE(nb.links, 0), q.warning_bytes "
         "FROM repositories r JOIN namespace_lifecycle q ON q.namespace = r.namespace "
         "LEFT JOIN namespace_usage u ON u.namespace = q.namespace "
         "LEFT JOIN namespace_blobs nb ON nb.namespace = q.namespace AND nb.digest = " +
         std::string(digest_placeholder) + " WHERE r.id = " + std::string(repository_placeholder) +
         " AND q.limit_bytes IS NOT NULL";
}

// A link that brought a blob new to its namespace past the namespace's limit is refused;
// blobs the namespace holds already cost nothing.
inline std::optional<Error> quota_error(const std::optional<QuotaCheck>& check) {
  if (!check || !check->blob_new_to_namespace || check->used_bytes <= check->limit_bytes) return std::nullopt;
  return make_error(ErrorCode::kDenied,
                    "the quota of namespace " + check->namespace_name + " is exceeded: this blob would bring it to " +
                        std::to_string(check->used_bytes) + " bytes, over its limit of " +
                        std::to_string(check->limit_bytes) + " bytes",
                    "{\"namespace\":\"" + check->namespace_name + "\",\"limit_bytes\":" +
                        std::to_string(check->limit_bytes) + ",\"used_bytes\":" + std::to_string(check->used_bytes) +
                        "}");
}

// The share of a quota whose crossing warns when the namespace set no threshold, in percent.
inline constexpr std::uint64_t kQuotaWarningPercent = 80;

// The link of a blob new to its namespace that brought its usage to the warning threshold:
// the namespace's quota_warning event is written with it.
inline bool crosses_quota_warning(const std::optional<QuotaCheck>& check, std::uint64_t blob_size) {
  if (!check || !check->blob_new_to_namespace || check->limit_bytes == 0) return false;
  const auto warn_at = check->warning_bytes.value_or(check->limit_bytes / 100 * kQuotaWarningPercent +
                                                     check->limit_bytes % 100 * kQuotaWarningPercent / 100);
  const auto before = check->used_bytes >= blob_size ? check->used_bytes - blob_size : 0;
  return before < warn_at && check->used_bytes >= warn_at;
}

// Patterns are stored one per line.
inline std::string pattern_lines(const std::vector<std::string>& patterns) {
  std::string out;
  for (const auto& pattern : patterns) {
    if (!out.empty()) out += '\n';
    out += pattern;
  }
  return out;
}

inline std::vector<std::string> patterns_of_lines(std::string_view text) {
  std::vector<std::string> patterns;
  while (!text.empty()) {
    const auto end = text.find('\n');
    patterns.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return patterns;
}

inline RuleScope rule_scope_of(std::string_view text) {
  return text == "namespace" ? RuleScope::kNamespace : RuleScope::kRepository;
}

}  // namespace pier::meta
