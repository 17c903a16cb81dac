// vuln/rpm_database.h: the packages an RPM distribution's package database lists, read with
// the distribution's own librpm so that every database format rpm writes is read as rpm reads it.
#pragma once
#include <string_view>
#include <vector>

#include "vuln/package_parsers.h"

namespace pier::vuln {

// `bytes`: the whole of var/lib/rpm/rpmdb.sqlite (rpm 4.16 and later) or var/lib/rpm/Packages
// (Berkeley DB), `path` which of them. Packages as Red Hat's (the image's os-release decides
// the distribution later), versions as rpm's [epoch:]version-release, each with its source rpm
// (SOURCERPM) as its source at the same epoch; imported signing keys (gpg-pubkey) left out. A
// database that cannot be read lists nothing. librpm reads a file, so the bytes go to a
// private folder under TMPDIR (or /tmp), removed before this returns; calls from several
// threads take turns, since librpm's configuration is process-wide.
std::vector<Package> parse_rpm_database(std::string_view bytes, std::string_view path);

}  // namespace pier::vuln
