#include "vuln/severity.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace pier::vuln {

namespace {

std::string lowercase(std::string_view text) {
  std::string lowered(text);
  std::ranges::transform(lowered, lowered.begin(), [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; });
  return lowered;
}

constexpr std::array<std::pair<std::string_view, Severity>, 9> kSeverityWords{{
    {"unknown", Severity::kUnknown},
    {"none", Severity::kNone},
    {"negligible", Severity::kNone},
    {"low", Severity::kLow},
    {"medium", Severity::kMedium},
    {"moderate", Severity::kMedium},
    {"high", Severity::kHigh},
    {"important", Severity::kHigh},
    {"critical", Severity::kCritical},
}};

// Each metric a CVSS v3 vector may carry and the values it may take. The base metrics are the
// first eight; the others (temporal, environmental) are allowed and ignored.
struct MetricValues {
  std::string_view metric;
  std::string_view values;  // one letter each
};

constexpr std::array<MetricValues, 8> kBaseMetrics{{
    {"AV", "NALP"}, {"AC", "LH"}, {"PR", "NLH"}, {"UI", "NR"}, {"S", "UC"}, {"C", "HLN"}, {"I", "HLN"}, {"A", "HLN"},
}};

constexpr std::array<MetricValues, 14> kOtherMetrics{{
    {"E", "XUPFH"},
    {"RL", "XOTWU"},
    {"RC", "XURC"},
    {"CR", "XLMH"},
    {"IR", "XLMH"},
    {"AR", "XLMH"},
    {"MAV", "XNALP"},
    {"MAC", "XLH"},
    {"MPR", "XNLH"},
    {"MUI", "XNR"},
    {"MS", "XUC"},
    {"MC", "XNLH"},
    {"MI", "XNLH"},
    {"MA", "XNLH"},
}};

std::optional<std::string_view> allowed_values(std::string_view metric) {
  for (const auto& known : kBaseMetrics) {
    if (known.metric == metric) return known.values;
  }
  for (const auto& known : kOtherMetrics) {
    if (known.metric == metric) return known.values;
  }
  return std::nullopt;
}

using Metrics = std::map<std::string_view, char, std::less<>>;

// "AV:N/AC:L/..." into its metrics, each known, with a known value, and present once.
std::optional<Metrics> parse_metrics(std::string_view text) {
  Metrics metrics;
  while (true) {
    const auto slash = text.find('/');
    const auto field = text.substr(0, slash);
    const auto colon = field.find(':');
    if (colon == std::string_view::npos || field.size() != colon + 2) return std::nullopt;
    const auto metric = field.substr(0, colon);
    const char value = field.back();
    const auto values = allowed_values(metric);
    if (!values || values->find(value) == std::string_view::npos) return std::nullopt;
    if (!metrics.emplace(metric, value).second) return std::nullopt;
    if (slash == std::string_view::npos) return metrics;
    text.remove_prefix(slash + 1);
  }
}

bool has_base_metrics(const Metrics& metrics) {
  return std::ranges::all_of(kBaseMetrics, [&](const MetricValues& base) { return metrics.contains(base.metric); });
}

// The weights of the specification's section 7.4.
double attack_vector_weight(char value) {
  switch (value) {
    case 'N': return 0.85;
    case 'A': return 0.62;
    case 'L': return 0.55;
    default: return 0.2;
  }
}

double attack_complexity_weight(char value) { return value == 'L' ? 0.77 : 0.44; }

// Privileges weigh more when the scope changes: the attacker reaches beyond the component.
double privileges_required_weight(char value, bool scope_changed) {
  switch (value) {
    case 'N': return 0.85;
    case 'L': return scope_changed ? 0.68 : 0.62;
    default: return scope_changed ? 0.5 : 0.27;
  }
}

double user_interaction_weight(char value) { return value == 'N' ? 0.85 : 0.62; }

double impact_weight(char value) {
  switch (value) {
    case 'H': return 0.56;
    case 'L': return 0.22;
    default: return 0.0;
  }
}

// CVSS v3.1 Appendix A: round up to one decimal through an integer, so that 4.000000000000001
// (floating-point noise from the products above) stays 4.0 instead of becoming 4.1.
double round_up_v31(double value) {
  const auto hundred_thousandths = static_cast<std::int64_t>(std::llround(value * 100000));
  if (hundred_thousandths % 10000 == 0) return static_cast<double>(hundred_thousandths) / 100000.0;
  return static_cast<double>(hundred_thousandths / 10000 + 1) / 10.0;
}

// CVSS v3.0: the smallest number with one decimal not below the value.
double round_up_v30(double value) { return std::ceil(value * 10) / 10; }

double base_score(const Metrics& metrics, double (*round_up)(double)) {
  const bool scope_changed = metrics.at("S") == 'C';
  const double impact_subscore =
      1 - (1 - impact_weight(metrics.at("C"))) * (1 - impact_weight(metrics.at("I"))) * (1 - impact_weight(metrics.at("A")));
  const double impact = scope_changed ? 7.52 * (impact_subscore - 0.029) - 3.25 * std::pow(impact_subscore - 0.02, 15)
                                      : 6.42 * impact_subscore;
  const double exploitability = 8.22 * attack_vector_weight(metrics.at("AV")) * attack_complexity_weight(metrics.at("AC")) *
                                privileges_required_weight(metrics.at("PR"), scope_changed) *
                                user_interaction_weight(metrics.at("UI"));
  if (impact <= 0) return 0.0;
  if (scope_changed) return round_up(std::min(1.08 * (impact + exploitability), 10.0));
  return round_up(std::min(impact + exploitability, 10.0));
}

}  // namespace

std::optional<Severity> parse_severity(std::string_view text) {
  const std::string lowered = lowercase(text);
  for (const auto& [word, severity] : kSeverityWords) {
    if (word == lowered) return severity;
  }
  return std::nullopt;
}

std::string_view to_text(Severity severity) {
  switch (severity) {
    case Severity::kUnknown: return "unknown";
    case Severity::kNone: return "none";
    case Severity::kLow: return "low";
    case Severity::kMedium: return "medium";
    case Severity::kHigh: return "high";
    case Severity::kCritical: return "critical";
  }
  return "unknown";
}

std::optional<double> cvss3_base_score(std::string_view vector) {
  constexpr std::string_view kVersion30 = "CVSS:3.0/";
  constexpr std::string_view kVersion31 = "CVSS:3.1/";
  const bool is_v30 = vector.starts_with(kVersion30);
  if (!is_v30 && !vector.starts_with(kVersion31)) return std::nullopt;
  const auto metrics = parse_metrics(vector.substr(kVersion31.size()));
  if (!metrics || !has_base_metrics(*metrics)) return std::nullopt;
  return base_score(*metrics, is_v30 ? round_up_v30 : round_up_v31);
}

Severity severity_of_score(double score) {
  if (!(score >= 0.0 && score <= 10.0)) return Severity::kUnknown;
  if (score == 0.0) return Severity::kNone;
  if (score < 4.0) return Severity::kLow;
  if (score < 7.0) return Severity::kMedium;
  if (score < 9.0) return Severity::kHigh;
  return Severity::kCritical;
}

}  // namespace pier::vuln
