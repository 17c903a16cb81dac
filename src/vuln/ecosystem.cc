#include "vuln/ecosystem.h"

#include <array>
#include <utility>

namespace pier::vuln {

namespace {

constexpr std::array<std::pair<Ecosystem, std::string_view>, 9> kNames = {{
    {Ecosystem::kDebian, "Debian"},
    {Ecosystem::kUbuntu, "Ubuntu"},
    {Ecosystem::kAlpine, "Alpine"},
    {Ecosystem::kRedHat, "Red Hat"},
    {Ecosystem::kRockyLinux, "Rocky Linux"},
    {Ecosystem::kAlmaLinux, "AlmaLinux"},
    {Ecosystem::kPyPI, "PyPI"},
    {Ecosystem::kNpm, "npm"},
    {Ecosystem::kGo, "Go"},
}};

}  // namespace

std::optional<EcosystemRelease> parse_ecosystem(std::string_view name) {
  const auto colon = name.find(':');
  const auto base = name.substr(0, colon);
  for (const auto& [ecosystem, text] : kNames) {
    if (text != base) continue;
    EcosystemRelease parsed{ecosystem, colon == std::string_view::npos ? "" : std::string(name.substr(colon + 1))};
    return parsed;
  }
  return std::nullopt;
}

std::string_view osv_name(Ecosystem ecosystem) {
  for (const auto& [known, text] : kNames) {
    if (known == ecosystem) return text;
  }
  return {};
}

VersionScheme version_scheme(Ecosystem ecosystem) {
  switch (ecosystem) {
    case Ecosystem::kDebian:
    case Ecosystem::kUbuntu: return VersionScheme::kDpkg;
    case Ecosystem::kAlpine: return VersionScheme::kApk;
    case Ecosystem::kRedHat:
    case Ecosystem::kRockyLinux:
    case Ecosystem::kAlmaLinux: return VersionScheme::kRpm;
    case Ecosystem::kPyPI: return VersionScheme::kPep440;
    case Ecosystem::kNpm:
    case Ecosystem::kGo: return VersionScheme::kSemver;
  }
  return VersionScheme::kSemver;
}

}  // namespace pier::vuln
