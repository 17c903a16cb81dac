// vuln/severity.h: how bad a vulnerability is, from a distribution's word for it ("moderate",
// "important") or from its CVSS v3 base vector.
#pragma once

#include <optional>
#include <string_view>

namespace pier::vuln {

// In increasing order of badness, so severities compare with < and >; kUnknown sorts first.
enum class Severity { kUnknown, kNone, kLow, kMedium, kHigh, kCritical };

// Case-insensitive: "low"; "medium" or "moderate" (Red Hat, Ubuntu); "high" or "important"
// (Red Hat); "critical"; "none" or "negligible" (Ubuntu); "unknown". nullopt for anything else.
std::optional<Severity> parse_severity(std::string_view text);
// "unknown", "none", "low", "medium", "high", "critical".
std::string_view to_text(Severity severity);

// The base score of a "CVSS:3.0/..." or "CVSS:3.1/..." vector by the FIRST specification's
// formulas, rounded up as each version specifies (v3.1 with the Roundup of its Appendix A, which
// avoids floating-point surprises; v3.0 to the next tenth). Temporal and environmental metrics
// may appear and are checked but play no part. nullopt for a malformed vector: another prefix,
// a base metric missing, any metric repeated, an unknown metric or value.
std::optional<double> cvss3_base_score(std::string_view vector);

// CVSS v3's qualitative rating: 0.0 none, 0.1-3.9 low, 4.0-6.9 medium, 7.0-8.9 high, 9.0-10.0
// critical; kUnknown for a score outside 0-10.
Severity severity_of_score(double score);

}  // namespace pier::vuln
