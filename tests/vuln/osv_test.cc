#include "vuln/osv.h"

#include <gtest/gtest.h>

namespace pier::vuln {
namespace {

// Versions "a.b" compared numerically part by part: enough to test the evaluation alone.
int numeric(std::string_view a, std::string_view b) {
  const auto part = [](std::string_view v, std::size_t i) {
    std::size_t index = 0, start = 0;
    for (std::size_t pos = 0; pos <= v.size(); ++pos) {
      if (pos == v.size() || v[pos] == '.') {
        if (index++ == i) return std::stoi(std::string(v.substr(start, pos - start)));
        start = pos + 1;
      }
    }
    return 0;
  };
  for (std::size_t i = 0; i < 4; ++i) {
    if (part(a, i) != part(b, i)) return part(a, i) < part(b, i) ? -1 : 1;
  }
  return 0;
}

const char* kRecord = R"({
  "id": "DSA-5000-1", "aliases": ["CVE-2024-0001"], "modified": "2024-01-02T00:00:00Z", "summary": "bad bug",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [
    {"package": {"ecosystem": "Debian:12", "name": "openssl"},
     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11"}]},
                {"type": "GIT", "repo": "x", "events": [{"introduced": "abc"}]}],
     "database_specific": {"severity": "high"}},
    {"package": {"ecosystem": "crates.io", "name": "ignored"}},
    {"package": {"ecosystem": "PyPI", "name": "requests"}, "versions": ["2.0.1"]}
  ]})";

TEST(Osv, ParsesWhatTheScannerUses) {
  auto record = parse_osv(kRecord);
  ASSERT_TRUE(record) << record.error().message;
  EXPECT_EQ(record->id, "DSA-5000-1");
  EXPECT_EQ(record->aliases, std::vector<std::string>{"CVE-2024-0001"});
  EXPECT_EQ(record->cvss_vectors.size(), 1u);
  ASSERT_EQ(record->affected.size(), 2u);
  EXPECT_EQ(record->affected[0].ecosystem, (EcosystemRelease{Ecosystem::kDebian, "12"}));
  EXPECT_EQ(record->affected[0].package, "openssl");
  EXPECT_EQ(record->affected[0].ranges.size(), 1u);
  EXPECT_EQ(record->affected[0].severity_text, "high");
  EXPECT_EQ(record->affected[1].versions, std::vector<std::string>{"2.0.1"});
}

TEST(Osv, RefusesMalformedRecords) {
  EXPECT_FALSE(parse_osv("[]"));
  EXPECT_FALSE(parse_osv(R"({"summary": "no id"})"));
  EXPECT_FALSE(parse_osv(R"({"id": "X", "aliases": "CVE-1"})"));
  auto bad_event = parse_osv(R"({"id": "X", "affected": [{"package": {"ecosystem": "npm", "name": "a"},
                                  "ranges": [{"type": "SEMVER", "events": [{"broken": "1"}]}]}]})");
  ASSERT_FALSE(bad_event);
  EXPECT_NE(bad_event.error().message.find("X"), std::string::npos);
}

OsvAffected ranged(std::vector<OsvEvent> events, std::vector<std::string> versions = {}) {
  OsvAffected affected;
  affected.ranges.push_back(OsvRange{std::move(events)});
  affected.versions = std::move(versions);
  return affected;
}

using K = OsvEvent::Kind;

TEST(Osv, RangesAreEvaluatedInVersionOrder) {
  // Listed out of order: introduced 1.0, fixed 1.5, introduced 2.0, fixed 2.3.
  const auto affected = ranged({{K::kFixed, "2.3"}, {K::kIntroduced, "1.0"}, {K::kIntroduced, "2.0"}, {K::kFixed, "1.5"}});
  EXPECT_FALSE(evaluate(affected, "0.9", numeric).affected);
  const auto in_first = evaluate(affected, "1.2", numeric);
  EXPECT_TRUE(in_first.affected);
  EXPECT_EQ(in_first.fixed_version, "1.5");
  EXPECT_FALSE(evaluate(affected, "1.5", numeric).affected);
  EXPECT_FALSE(evaluate(affected, "1.9", numeric).affected);
  EXPECT_EQ(evaluate(affected, "2.0", numeric).fixed_version, "2.3");
  EXPECT_FALSE(evaluate(affected, "2.3", numeric).affected);
}

TEST(Osv, ZeroLastAffectedLimitsAndListedVersions) {
  const auto from_zero = ranged({{K::kIntroduced, "0"}, {K::kLastAffected, "1.4"}});
  EXPECT_TRUE(evaluate(from_zero, "0.1", numeric).affected);
  EXPECT_TRUE(evaluate(from_zero, "1.4", numeric).affected);
  EXPECT_TRUE(evaluate(from_zero, "1.4", numeric).fixed_version.empty());
  EXPECT_FALSE(evaluate(from_zero, "1.5", numeric).affected);
  const auto limited = ranged({{K::kIntroduced, "1.0"}, {K::kLimit, "2.0"}});
  EXPECT_TRUE(evaluate(limited, "1.9", numeric).affected);
  EXPECT_FALSE(evaluate(limited, "2.0", numeric).affected);
  const auto listed = ranged({}, {"3.1"});
  EXPECT_TRUE(evaluate(listed, "3.1", numeric).affected);
  EXPECT_FALSE(evaluate(listed, "3.2", numeric).affected);
  const auto never_fixed = ranged({{K::kIntroduced, "1.0"}});
  EXPECT_TRUE(evaluate(never_fixed, "7.0", numeric).affected);
}

}  // namespace
}  // namespace pier::vuln
