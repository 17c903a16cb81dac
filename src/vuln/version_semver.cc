#include "vuln/version_semver.h"

#include <algorithm>
#include <compare>
#include <tuple>

namespace pier::vuln {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_identifier_character(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

bool is_numeric(std::string_view identifier) { return std::ranges::all_of(identifier, is_digit); }

// "0" or digits without a leading zero, as semver requires of numbers.
bool is_canonical_number(std::string_view text) {
  return !text.empty() && is_numeric(text) && (text.size() == 1 || text.front() != '0');
}

std::vector<std::string_view> split_dots(std::string_view text) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto dot = text.find('.');
    parts.push_back(text.substr(0, dot));
    if (dot == std::string_view::npos) return parts;
    text.remove_prefix(dot + 1);
  }
}

bool is_identifier(std::string_view identifier) {
  return !identifier.empty() && std::ranges::all_of(identifier, is_identifier_character);
}

bool is_pre_release_identifier(std::string_view identifier) {
  return is_identifier(identifier) && (!is_numeric(identifier) || is_canonical_number(identifier));
}

std::optional<std::uint64_t> parse_number(std::string_view text) {
  constexpr std::size_t kMaxDigits = 19;
  if (!is_canonical_number(text) || text.size() > kMaxDigits) return std::nullopt;
  std::uint64_t value = 0;
  for (const char digit : text) value = value * 10 + std::uint64_t(digit - '0');
  return value;
}

// Numeric identifiers compare as numbers and before alphanumeric ones, which compare by bytes.
// Canonical numbers of different lengths compare by length.
std::strong_ordering compare_identifiers(std::string_view a, std::string_view b) {
  const bool a_numeric = is_numeric(a);
  if (a_numeric != is_numeric(b)) return a_numeric ? std::strong_ordering::less : std::strong_ordering::greater;
  if (a_numeric && a.size() != b.size()) return a.size() <=> b.size();
  return a <=> b;
}

// A release sorts after its pre-releases; between pre-releases the identifiers decide in turn,
// and when one list is a prefix of the other the shorter sorts first.
std::strong_ordering compare_pre_releases(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() || b.empty()) return b.size() <=> a.size();
  return std::lexicographical_compare_three_way(a.begin(), a.end(), b.begin(), b.end(),
                                                [](const std::string& x, const std::string& y) {
                                                  return compare_identifiers(x, y);
                                                });
}

}  // namespace

std::optional<SemverVersion> parse_semver_version(std::string_view text) {
  if (text.starts_with('v')) text.remove_prefix(1);
  if (const auto plus = text.find('+'); plus != std::string_view::npos) {
    if (!std::ranges::all_of(split_dots(text.substr(plus + 1)), is_identifier)) return std::nullopt;
    text = text.substr(0, plus);
  }
  SemverVersion version;
  if (const auto hyphen = text.find('-'); hyphen != std::string_view::npos) {
    for (const auto identifier : split_dots(text.substr(hyphen + 1))) {
      if (!is_pre_release_identifier(identifier)) return std::nullopt;
      version.pre_release.emplace_back(identifier);
    }
    text = text.substr(0, hyphen);
  }
  const auto numbers = split_dots(text);
  if (numbers.size() != 3) return std::nullopt;
  const auto major = parse_number(numbers[0]);
  const auto minor = parse_number(numbers[1]);
  const auto patch = parse_number(numbers[2]);
  if (!major || !minor || !patch) return std::nullopt;
  version.major = *major;
  version.minor = *minor;
  version.patch = *patch;
  return version;
}

int compare_semver_versions(const SemverVersion& a, const SemverVersion& b) {
  auto order = std::tie(a.major, a.minor, a.patch) <=> std::tie(b.major, b.minor, b.patch);
  if (order == 0) order = compare_pre_releases(a.pre_release, b.pre_release);
  return order < 0 ? -1 : order > 0 ? 1 : 0;
}

}  // namespace pier::vuln
