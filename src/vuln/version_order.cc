#include "vuln/version_order.h"

#include "vuln/version_apk.h"
#include "vuln/version_dpkg.h"
#include "vuln/version_pep440.h"
#include "vuln/version_rpm.h"
#include "vuln/version_semver.h"

namespace pier::vuln {

namespace {

template <typename Parse, typename Compare>
int compare_parsed(std::string_view a, std::string_view b, Parse parse, Compare compare) {
  const auto parsed_a = parse(a);
  const auto parsed_b = parse(b);
  if (parsed_a && parsed_b) return compare(*parsed_a, *parsed_b);
  if (parsed_a || parsed_b) return parsed_a ? -1 : 1;
  const int order = a.compare(b);
  return (order > 0) - (order < 0);
}

}  // namespace

int compare_versions(VersionScheme scheme, std::string_view a, std::string_view b) {
  switch (scheme) {
    case VersionScheme::kDpkg: return compare_parsed(a, b, parse_dpkg_version, compare_dpkg_versions);
    case VersionScheme::kApk: return compare_parsed(a, b, parse_apk_version, compare_apk_versions);
    case VersionScheme::kRpm: return compare_parsed(a, b, parse_rpm_version, compare_rpm_versions);
    case VersionScheme::kPep440: return compare_parsed(a, b, parse_pep440_version, compare_pep440_versions);
    case VersionScheme::kSemver: return compare_parsed(a, b, parse_semver_version, compare_semver_versions);
  }
  return 0;
}

bool is_valid_version(VersionScheme scheme, std::string_view version) {
  switch (scheme) {
    case VersionScheme::kDpkg: return parse_dpkg_version(version).has_value();
    case VersionScheme::kApk: return parse_apk_version(version).has_value();
    case VersionScheme::kRpm: return parse_rpm_version(version).has_value();
    case VersionScheme::kPep440: return parse_pep440_version(version).has_value();
    case VersionScheme::kSemver: return parse_semver_version(version).has_value();
  }
  return false;
}

}  // namespace pier::vuln
