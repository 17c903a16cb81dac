// vuln/version_rpm.h: Red Hat, Rocky Linux and AlmaLinux versions ([epoch:]version[-release]),
// each part compared by librpm's rpmvercmp ('~' before anything, '^' after the base version).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pier::vuln {

struct RpmVersion {
  std::string epoch;    // digits; "0" when the version has none
  std::string version;
  std::string release;  // empty when the version has none
};

// librpm parses almost any text, so the syntax is checked here: the epoch is digits, and the
// version and release are non-empty and made of the characters rpmbuild allows in them
// (letters, digits, "._+~^").
std::optional<RpmVersion> parse_rpm_version(std::string_view text);

// Epoch, then version, then release. rpm's own rpmverCmp skips the release when either side has
// none (right for a dependency on "foo >= 1.0", wrong for an order: it would make 1.0 equal to
// both 1.0-1 and 1.0-2); here a missing release sorts before every release, so the order is total.
int compare_rpm_versions(const RpmVersion& a, const RpmVersion& b);

}  // namespace pier::vuln
