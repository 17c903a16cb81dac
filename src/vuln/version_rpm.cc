#include "vuln/version_rpm.h"

#include <rpm/rpmver.h>

#include <algorithm>

namespace pier::vuln {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool is_version_part(std::string_view part) {
  return !part.empty() && std::ranges::all_of(part, [](char c) {
    return is_digit(c) || is_letter(c) || std::string_view("._+~^").find(c) != std::string_view::npos;
  });
}

bool is_epoch(std::string_view part) { return !part.empty() && std::ranges::all_of(part, is_digit); }

int rpm_order(const std::string& a, const std::string& b) { return rpmvercmp(a.c_str(), b.c_str()); }

}  // namespace

std::optional<RpmVersion> parse_rpm_version(std::string_view text) {
  RpmVersion parsed{"0", {}, {}};
  if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    if (!is_epoch(text.substr(0, colon))) return std::nullopt;
    parsed.epoch = text.substr(0, colon);
    text.remove_prefix(colon + 1);
  }
  if (const auto hyphen = text.rfind('-'); hyphen != std::string_view::npos) {
    parsed.release = text.substr(hyphen + 1);
    if (!is_version_part(parsed.release)) return std::nullopt;
    text = text.substr(0, hyphen);
  }
  if (!is_version_part(text)) return std::nullopt;
  parsed.version = text;
  return parsed;
}

int compare_rpm_versions(const RpmVersion& a, const RpmVersion& b) {
  if (const int order = rpm_order(a.epoch, b.epoch); order != 0) return order;
  if (const int order = rpm_order(a.version, b.version); order != 0) return order;
  return rpm_order(a.release, b.release);
}

}  // namespace pier::vuln
