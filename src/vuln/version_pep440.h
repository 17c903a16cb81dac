// vuln/version_pep440.h: Python package versions as PEP 440 defines them and as pip's packaging
// library normalizes them ("1.0-ALPHA.1" is 1.0a1, "v1.0.post" is 1.0.post0).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pier::vuln {

enum class Pep440Phase { kAlpha, kBeta, kReleaseCandidate };

struct Pep440PreRelease {
  Pep440Phase phase = Pep440Phase::kAlpha;
  std::uint64_t number = 0;
};

struct Pep440Version {
  std::uint64_t epoch = 0;
  std::vector<std::uint64_t> release;  // without trailing zeros: 1.0 and 1.0.0 are one version
  std::optional<Pep440PreRelease> pre;
  std::optional<std::uint64_t> post;
  std::optional<std::uint64_t> dev;
  std::vector<std::string> local;      // the segments after '+', lowercase
};

// nullopt for text outside PEP 440's grammar (the spelling variants it lists included), and for
// a number of more than 19 significant digits.
std::optional<Pep440Version> parse_pep440_version(std::string_view text);
int compare_pep440_versions(const Pep440Version& a, const Pep440Version& b);

}  // namespace pier::vuln
