// vuln/version_semver.h: npm and Go module versions, ordered by Semantic Versioning 2.0.0.
// Go's pseudo-versions (v0.0.0-20191109021931-daa7c04131f5) are ordinary pre-releases to it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pier::vuln {

struct SemverVersion {
  std::uint64_t major = 0;
  std::uint64_t minor = 0;
  std::uint64_t patch = 0;
  std::vector<std::string> pre_release;  // its dot-separated identifiers; empty for a release
};

// MAJOR.MINOR.PATCH[-pre.release][+build], with Go's leading 'v' allowed. Numbers have no
// leading zeros, as semver requires; the build metadata is checked and then dropped, since it
// plays no part in the order. nullopt for a MAJOR, MINOR or PATCH beyond 64 bits.
std::optional<SemverVersion> parse_semver_version(std::string_view text);
int compare_semver_versions(const SemverVersion& a, const SemverVersion& b);

}  // namespace pier::vuln
