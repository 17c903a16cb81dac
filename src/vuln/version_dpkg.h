// vuln/version_dpkg.h: Debian and Ubuntu versions ([epoch:]upstream[-revision]), parsed and
// compared by libdpkg itself, so '~', epochs and revisions order exactly as dpkg orders them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pier::vuln {

struct DpkgVersion {
  unsigned int epoch = 0;
  std::string upstream;
  std::string revision;  // empty when the version has none
};

// nullopt for what dpkg refuses as an error. What it only warns about (an upstream part not
// starting with a digit, an unusual character) is accepted, as dpkg accepts it in its database
// and in --compare-versions, so an installed package's version always parses.
std::optional<DpkgVersion> parse_dpkg_version(std::string_view text);
int compare_dpkg_versions(const DpkgVersion& a, const DpkgVersion& b);

}  // namespace pier::vuln
