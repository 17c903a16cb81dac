// vuln/package_parsers.h: the packages each kind of package database lists. A file that cannot
// be read as its kind lists nothing: one damaged file in an image never stops its scan.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vuln/ecosystem.h"

namespace pier::vuln {

struct Package {
  Ecosystem ecosystem = Ecosystem::kDebian;
  std::string name;
  std::string version;
  // The source package advisories name: dpkg's Source, apk's origin; empty when the database
  // names none (the package is then its own source).
  std::string source_name;
  // The source's version: the one "Source: name (version)" gives, else the package's own;
  // empty when source_name is.
  std::string source_version;
  std::string path;  // the file the package was listed in
  friend auto operator<=>(const Package&, const Package&) = default;
};

// var/lib/dpkg/status: the packages whose Status is "<want> ok installed" (a package on hold
// is installed too; removed packages whose config files remain are not). `distribution` is
// kDebian or kUbuntu.
std::vector<Package> parse_dpkg_status(std::string_view text, Ecosystem distribution, std::string_view path);
// var/lib/dpkg/status.d/<package> (distroless): control fields without a Status line, since a
// package is listed there only once installed.
std::vector<Package> parse_dpkg_status_fragment(std::string_view text, Ecosystem distribution,
                                                std::string_view path);
// lib/apk/db/installed.
std::vector<Package> parse_apk_installed(std::string_view text, std::string_view path);
// A wheel's METADATA or an egg's PKG-INFO; the name normalized (python_package_name).
std::optional<Package> parse_python_metadata(std::string_view text, std::string_view path);
// A package.json under node_modules.
std::optional<Package> parse_npm_package_json(std::string_view text, std::string_view path);

// PEP 503: lowercase, each run of '-', '_' and '.' one '-' ("Zope.Interface" is "zope-interface").
std::string python_package_name(std::string_view name);

}  // namespace pier::vuln
