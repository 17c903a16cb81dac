// vuln/version_order.h: how two versions of a package compare in its ecosystem, the question every
// vulnerability range ("introduced 1.2.0, fixed 1.2.7") asks of an installed version.
#pragma once

#include <string_view>

#include "vuln/ecosystem.h"

namespace pier::vuln {

// -1 when `a` is older than `b`, 0 when both name the same version (which they may spell
// differently: "0:1.0" and "1.0" in rpm, "1.0" and "1.0.0" in PEP 440), 1 when `a` is newer.
//
// A version its scheme cannot parse sorts after every valid one, and two such versions compare
// by plain byte order. The order stays total (sorting with it is safe), and a malformed installed
// version never looks older than a well-formed fixed version, so it is not reported as vulnerable
// on the strength of a comparison that means nothing.
int compare_versions(VersionScheme scheme, std::string_view a, std::string_view b);

// Whether `version` parses under `scheme`; one that does not takes the fallback order above.
bool is_valid_version(VersionScheme scheme, std::string_view version);

}  // namespace pier::vuln
