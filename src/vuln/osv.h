// vuln/osv.h: vulnerability records in the Open Source Vulnerability format (the JSON that
// osv.dev publishes per ecosystem), and whether a record affects a package at a version.
//
// A record lists, per affected package, version ranges as ordered events (introduced, fixed,
// last_affected, limit) and explicit versions; a version is affected when the events, applied
// in version order, leave it inside a range (ossf.github.io/osv-schema, "Evaluation").
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "vuln/ecosystem.h"

namespace pier::vuln {

struct OsvEvent {
  enum class Kind { kIntroduced, kFixed, kLastAffected, kLimit };
  Kind kind = Kind::kIntroduced;
  std::string version;  // "0" as introduced: every version
};

struct OsvRange {
  std::vector<OsvEvent> events;  // as listed; evaluation orders them
};

struct OsvAffected {
  EcosystemRelease ecosystem;
  std::string package;
  std::vector<OsvRange> ranges;        // ECOSYSTEM and SEMVER ranges; GIT ranges are not kept
  std::vector<std::string> versions;   // affected versions listed one by one
  std::string severity_text;           // ecosystem_specific or database_specific "severity", if any
};

struct OsvRecord {
  std::string id;
  std::vector<std::string> aliases;
  std::string summary;
  std::string modified;
  bool withdrawn = false;  // the feed took the record back: it affects nothing
  std::vector<std::string> cvss_vectors;  // CVSS_V3 scores of `severity`
  std::string severity_text;              // database_specific.severity, if any
  std::vector<OsvAffected> affected;      // only ecosystems Pier scans
};

// One record (a JSON object). kBadRequest naming what is wrong for a record without an id, or
// with fields of the wrong type.
Result<OsvRecord> parse_osv(std::string_view json);

// -1, 0 or 1, as the ecosystem orders two versions.
using VersionCompare = std::function<int(std::string_view, std::string_view)>;

// Whether `version` of the package is affected, and the fix: the lowest "fixed" above it in a
// range that holds it (empty when no fix is known).
struct Verdict {
  bool affected = false;
  std::string fixed_version;
};
Verdict evaluate(const OsvAffected& affected, std::string_view version, const VersionCompare& compare);

}  // namespace pier::vuln
