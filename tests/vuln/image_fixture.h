// tests/vuln/image_fixture.h: the files of a small image's layers, as real images hold them.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "vuln/package_parsers.h"
#include "vuln/tar_layer.h"

namespace pier::vuln {

inline void PrintTo(const Package& package, std::ostream* out) {
  *out << "{" << osv_name(package.ecosystem) << " " << package.name << " " << package.version << " source "
       << package.source_name << " " << package.source_version << " in " << package.path << "}";
}

}  // namespace pier::vuln

namespace pier::vuln::testing {

// Four stanzas: a package with continuation lines (one looking like a field), a binNMU whose
// Source names its own version, a package with a plain Source, and removed one whose
// configuration files remain.
inline const std::string kDpkgStatus = R"txt(Package: base-files
Essential: yes
Status: install ok installed
Priority: required
Section: admin
Installed-Size: 340
Maintainer: Santiago Vila <sanvila@debian.org>
Architecture: amd64
Multi-Arch: foreign
Version: 12.4+deb12u5
Conffiles:
 /etc/debian_version 1a5b7c1bbd1fd1d3e2fb7ba7a6be3e67
Description: Debian base system miscellaneous files
 This package contains the basic filesystem hierarchy of a Debian system.
 .
 Package: not-a-package

Package: libssl3
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 6160
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Multi-Arch: same
Source: openssl (3.0.11-1~deb12u2)
Version: 3.0.11-1~deb12u2+b1
Depends: libc6 (>= 2.34)
Description: Secure Sockets Layer toolkit - shared libraries

Package: libgcc-s1
Status: install ok installed
Architecture: amd64
Source: gcc-12
Version: 12.2.0-14
Description: GCC support library

Package: exim4-config
Status: deinstall ok config-files
Architecture: all
Source: exim4
Version: 4.96-15+deb12u2
Description: configuration for the exim MTA (v4)
)txt";

inline const std::string kApkInstalled = R"txt(C:Q1Wd6cBXmG8gRAE/1Tyd1Rc7eZ0pM=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
S:383152
I:622592
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Natanael Copa <ncopa@alpinelinux.org>
t:1705064478
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755

C:Q1xZ8jWpKz6t3bRrR8dA0lyvX1yVY=
P:libcrypto3
V:3.1.4-r5
A:x86_64
o:openssl
D:so:libc.musl-x86_64.so.1
F:usr/lib
R:libcrypto.so.3
)txt";

inline const std::string kRequestsMetadata = R"txt(Metadata-Version: 2.1
Name: Requests
Version: 2.31.0
Summary: Python HTTP for Humans.
Requires-Python: >=3.7
Requires-Dist: charset-normalizer (<4,>=2)

# Requests
Name: not-the-name
Version: 0.0
)txt";

inline const std::string kZopeMetadata = "Metadata-Version: 2.1\r\nName: zope.interface\r\nVersion: 6.1\r\n\r\n";

inline const std::string kSixPkgInfo = "Metadata-Version: 1.2\nName: six\nVersion: 1.16.0\n";

inline std::string package_json(const std::string& name, const std::string& version) {
  return R"({"name": ")" + name + R"(", "version": ")" + version + R"(", "dependencies": {"ms": "2.0.0"}})";
}

inline const std::string kDebianOsRelease = R"txt(PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
)txt";

// The base layer: every kind of database, among files the inventory does not read.
inline std::vector<TarEntry> base_layer_entries() {
  return {
      directory("./"),
      directory("./etc/"),
      symlink("./etc/os-release", "../usr/lib/os-release"),
      file("./usr/lib/os-release", kDebianOsRelease),
      file("./etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"),
      file("./var/lib/dpkg/status", kDpkgStatus),
      file("./var/lib/dpkg/available", ""),
      file("./lib/apk/db/installed", kApkInstalled),
      file("./usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA", kRequestsMetadata),
      file("./usr/lib/python3/dist-packages/requests-2.31.0.dist-info/RECORD", "requests/__init__.py,,\n"),
      file("./usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO", kSixPkgInfo),
      file("./usr/local/lib/python3.11/site-packages/zope.interface-6.1.dist-info/METADATA", kZopeMetadata),
      file("./app/package.json", package_json("my-app", "1.0.0")),
      file("./app/node_modules/express/package.json", package_json("express", "4.18.2")),
      file("./app/node_modules/express/lib/package.json", package_json("not-a-package", "0.0.0")),
      file("./app/node_modules/express/node_modules/debug/package.json", package_json("debug", "2.6.9")),
      file("./app/node_modules/@types/node/package.json", package_json("@types/node", "20.10.0")),
      file("./app/node_modules/.bin/package.json", package_json("not-a-package", "0.0.0")),
  };
}

// Whites out one Python package and one npm package, and replaces the dpkg status.
inline const std::string kUpgradedDpkgStatus =
    "Package: base-files\nStatus: install ok installed\nVersion: 12.5\n\n"
    "Package: curl\nStatus: hold ok installed\nVersion: 7.88.1-10+deb12u5\n";

inline std::vector<TarEntry> whiteout_layer_entries() {
  return {
      file("usr/lib/python3/dist-packages/.wh.six-1.16.0.egg-info", ""),
      file("app/node_modules/@types/.wh.node", ""),
      file("var/lib/dpkg/status", kUpgradedDpkgStatus),
  };
}

// Makes app/node_modules opaque and installs one package in it.
inline std::vector<TarEntry> opaque_layer_entries() {
  return {
      directory("app/node_modules/"),
      file("app/node_modules/.wh..wh..opq", ""),
      file("app/node_modules/lodash/package.json", package_json("lodash", "4.17.21")),
  };
}

}  // namespace pier::vuln::testing
