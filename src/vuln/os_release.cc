#include "vuln/os_release.h"

#include <array>
#include <utility>

#include "common/text.h"

namespace pier::vuln {

namespace {

// os-release values are shell-quoted: '...' is literal, "..." takes backslash escapes.
std::string unquote(std::string_view value) {
  if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
    return std::string(value.substr(1, value.size() - 2));
  }
  const bool double_quoted = value.size() >= 2 && value.front() == '"' && value.back() == '"';
  if (double_quoted) value = value.substr(1, value.size() - 2);
  std::string text;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size()) ++i;
    text.push_back(value[i]);
  }
  return text;
}

// The leading part of a version with `dots` dots at most, digits and dots only
// ("3.20.0_alpha2024" with 1 is "3.20").
std::string_view leading_version(std::string_view version, int dots) {
  std::size_t end = 0;
  for (; end < version.size(); ++end) {
    const char c = version[end];
    if (c == '.' && dots-- == 0) break;
    if (c != '.' && (c < '0' || c > '9')) break;
  }
  return version.substr(0, end);
}

// Debian testing's os-release names its codename only.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kDebianCodenames = {{
    {"buster", "10"},
    {"bullseye", "11"},
    {"bookworm", "12"},
    {"trixie", "13"},
    {"forky", "14"},
}};

std::string debian_release(const OsRelease& os) {
  if (!os.version_id.empty()) return std::string(leading_version(os.version_id, 0));
  for (const auto& [codename, number] : kDebianCodenames) {
    if (codename == os.version_codename) return std::string(number);
  }
  return {};
}

}  // namespace

OsRelease parse_os_release(std::string_view text) {
  OsRelease os;
  while (!text.empty()) {
    const auto end = text.find('\n');
    auto line = trim_blanks(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line = trim_blanks(line.substr(0, line.size() - 1));
    const auto equals = line.find('=');
    if (line.empty() || line.front() == '#' || equals == std::string_view::npos) continue;
    const auto key = trim_blanks(line.substr(0, equals));
    const auto value = trim_blanks(line.substr(equals + 1));
    if (key == "ID") os.id = unquote(value);
    if (key == "VERSION_ID") os.version_id = unquote(value);
    if (key == "VERSION_CODENAME") os.version_codename = unquote(value);
  }
  return os;
}

std::optional<EcosystemRelease> distribution_of(const OsRelease& os) {
  const auto major = std::string(leading_version(os.version_id, 0));
  if (os.id == "debian") return EcosystemRelease{Ecosystem::kDebian, debian_release(os)};
  if (os.id == "ubuntu") return EcosystemRelease{Ecosystem::kUbuntu, os.version_id};
  if (os.id == "alpine") {
    const auto major_minor = leading_version(os.version_id, 1);
    return EcosystemRelease{Ecosystem::kAlpine, major_minor.empty() ? "" : "v" + std::string(major_minor)};
  }
  if (os.id == "rhel") return EcosystemRelease{Ecosystem::kRedHat, major};
  if (os.id == "rocky") return EcosystemRelease{Ecosystem::kRockyLinux, major};
  if (os.id == "almalinux") return EcosystemRelease{Ecosystem::kAlmaLinux, major};
  return std::nullopt;
}

}  // namespace pier::vuln
