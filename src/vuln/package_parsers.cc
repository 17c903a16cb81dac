#include "vuln/package_parsers.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <functional>

#include "common/text.h"

namespace pier::vuln {

namespace {

namespace json = boost::json;

// The next line of `text` without its "\n" or "\r\n"; `text` moves past it.
std::string_view take_line(std::string_view& text) {
  const auto end = text.find('\n');
  auto line = text.substr(0, end);
  text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool is_blank(std::string_view line) { return trim_blanks(line).empty(); }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

// The fields of one deb822 stanza the parsers read; continuation lines (those starting with a
// blank) belong to a field none of them reads.
struct DpkgStanza {
  std::string_view package, version, source, status;
  bool has_status = false;
};

// Calls `each` with every stanza of `text`; stanzas are separated by blank lines.
void for_each_dpkg_stanza(std::string_view text, const std::function<void(const DpkgStanza&)>& each) {
  DpkgStanza stanza;
  bool open = false;
  const auto close = [&] {
    if (open) each(stanza);
    stanza = {};
    open = false;
  };
  while (!text.empty()) {
    const auto line = take_line(text);
    if (is_blank(line)) {
      close();
      continue;
    }
    open = true;
    const auto colon = line.find(':');
    if (line.front() == ' ' || line.front() == '\t' || colon == std::string_view::npos) continue;
    const auto field = line.substr(0, colon);
    const auto value = trim_blanks(line.substr(colon + 1));
    if (equals_ignoring_case(field, "Package")) stanza.package = value;
    if (equals_ignoring_case(field, "Version")) stanza.version = value;
    if (equals_ignoring_case(field, "Source")) stanza.source = value;
    if (equals_ignoring_case(field, "Status")) {
      stanza.status = value;
      stanza.has_status = true;
    }
  }
  close();
}

// "<want> <flag> <status>": installed means flag "ok" and status "installed".
bool is_installed(std::string_view status) {
  const auto words = split_list(status, ' ');
  return words.size() == 3 && words[1] == "ok" && words[2] == "installed";
}

Package dpkg_package(const DpkgStanza& stanza, Ecosystem distribution, std::string_view path) {
  Package package{distribution, std::string(stanza.package), std::string(stanza.version), {}, {}, std::string(path)};
  if (stanza.source.empty()) return package;
  // "Source: openssl (3.0.11-1)" when the binary's version differs from its source's.
  const auto open = stanza.source.find('(');
  package.source_name = std::string(trim_blanks(stanza.source.substr(0, open)));
  package.source_version = package.version;
  if (open != std::string_view::npos) {
    const auto close = stanza.source.find(')', open);
    package.source_version = std::string(trim_blanks(stanza.source.substr(open + 1, close - open - 1)));
  }
  return package;
}

std::vector<Package> parse_dpkg(std::string_view text, Ecosystem distribution, std::string_view path,
                                bool missing_status_means_installed) {
  std::vector<Package> packages;
  for_each_dpkg_stanza(text, [&](const DpkgStanza& stanza) {
    if (stanza.package.empty() || stanza.version.empty()) return;
    const bool installed = stanza.has_status ? is_installed(stanza.status) : missing_status_means_installed;
    if (installed) packages.push_back(dpkg_package(stanza, distribution, path));
  });
  return packages;
}

}  // namespace

std::vector<Package> parse_dpkg_status(std::string_view text, Ecosystem distribution, std::string_view path) {
  return parse_dpkg(text, distribution, path, false);
}

std::vector<Package> parse_dpkg_status_fragment(std::string_view text, Ecosystem distribution,
                                                std::string_view path) {
  return parse_dpkg(text, distribution, path, true);
}

std::vector<Package> parse_apk_installed(std::string_view text, std::string_view path) {
  std::vector<Package> packages;
  Package record{Ecosystem::kAlpine, {}, {}, {}, {}, std::string(path)};
  const auto close = [&] {
    if (!record.name.empty() && !record.version.empty()) {
      if (!record.source_name.empty()) record.source_version = record.version;
      packages.push_back(record);
    }
    record = Package{Ecosystem::kAlpine, {}, {}, {}, {}, std::string(path)};
  };
  while (!text.empty()) {
    const auto line = take_line(text);
    if (is_blank(line)) {
      close();
      continue;
    }
    if (line.size() < 2 || line[1] != ':') continue;
    const auto value = std::string(line.substr(2));
    if (line[0] == 'P') record.name = value;
    if (line[0] == 'V') record.version = value;
    if (line[0] == 'o') record.source_name = value;
  }
  close();
  return packages;
}

std::optional<Package> parse_python_metadata(std::string_view text, std::string_view path) {
  std::string_view name, version;
  // The headers end at the first blank line; the long description follows.
  while (!text.empty()) {
    const auto line = take_line(text);
    if (is_blank(line)) break;
    const auto colon = line.find(':');
    if (line.front() == ' ' || line.front() == '\t' || colon == std::string_view::npos) continue;
    const auto field = line.substr(0, colon);
    const auto value = trim_blanks(line.substr(colon + 1));
    if (name.empty() && equals_ignoring_case(field, "Name")) name = value;
    if (version.empty() && equals_ignoring_case(field, "Version")) version = value;
  }
  if (name.empty() || version.empty()) return std::nullopt;
  return Package{Ecosystem::kPyPI, python_package_name(name), std::string(version), {}, {}, std::string(path)};
}

std::optional<Package> parse_npm_package_json(std::string_view text, std::string_view path) {
  boost::system::error_code ec;
  const json::value document = json::parse(text, ec);
  if (ec || !document.is_object()) return std::nullopt;
  const auto& object = document.get_object();
  const auto* name = object.if_contains("name");
  const auto* version = object.if_contains("version");
  if (!name || !version || !name->is_string() || !version->is_string()) return std::nullopt;
  if (name->get_string().empty() || version->get_string().empty()) return std::nullopt;
  return Package{Ecosystem::kNpm, std::string(name->get_string()), std::string(version->get_string()), {}, {},
                 std::string(path)};
}

std::string python_package_name(std::string_view name) {
  std::string normalized;
  bool in_separator_run = false;
  for (const char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      if (!in_separator_run) normalized.push_back('-');
      in_separator_run = true;
      continue;
    }
    in_separator_run = false;
    normalized.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return normalized;
}

}  // namespace pier::vuln
