// vuln/ecosystem.h: the package ecosystems Pier scans, as OSV names them ("Debian:12",
// "Alpine:v3.19", "Rocky Linux:9", "PyPI", "npm", "Go"), and the version order each uses.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pier::vuln {

enum class Ecosystem { kDebian, kUbuntu, kAlpine, kRedHat, kRockyLinux, kAlmaLinux, kPyPI, kNpm, kGo };

// How versions of an ecosystem compare: dpkg's rules, apk's, rpm's rpmvercmp, PEP 440, semver.
enum class VersionScheme { kDpkg, kApk, kRpm, kPep440, kSemver };

// An OSV ecosystem name split at its first ':': the ecosystem and its release ("12", "v3.19";
// empty when the name has none).
struct EcosystemRelease {
  Ecosystem ecosystem = Ecosystem::kDebian;
  std::string release;
  friend bool operator==(const EcosystemRelease&, const EcosystemRelease&) = default;
};

// nullopt for an ecosystem Pier does not scan.
std::optional<EcosystemRelease> parse_ecosystem(std::string_view osv_name);
// The OSV name without a release: "Debian", "Alpine", "Red Hat", "Rocky Linux", "PyPI", ...
std::string_view osv_name(Ecosystem ecosystem);
VersionScheme version_scheme(Ecosystem ecosystem);

}  // namespace pier::vuln
