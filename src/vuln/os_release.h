// vuln/os_release.h: which distribution an image is, from its os-release file
// (https://www.freedesktop.org/software/systemd/man/os-release.html).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "vuln/ecosystem.h"

namespace pier::vuln {

struct OsRelease {
  std::string id;                // "debian", "ubuntu", "alpine", "rhel", "rocky", "almalinux", ...
  std::string version_id;        // "12", "22.04", "3.19.1", "9.3"; empty on Debian testing
  std::string version_codename;  // "bookworm", "jammy"; empty when the file has none
  friend bool operator==(const OsRelease&, const OsRelease&) = default;
};

// The ID, VERSION_ID and VERSION_CODENAME assignments, their quotes removed. Lines that are no
// assignment are ignored: a damaged file gives empty fields, never an error.
OsRelease parse_os_release(std::string_view text);

// The distribution as OSV names its advisories' ecosystem: Debian "12" (the major version, or
// the codename's number on testing), Ubuntu "22.04", Alpine "v3.19", Red Hat, Rocky Linux and
// AlmaLinux the major version. nullopt for a distribution Pier does not scan.
std::optional<EcosystemRelease> distribution_of(const OsRelease& os);

}  // namespace pier::vuln
