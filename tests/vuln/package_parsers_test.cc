#include "vuln/package_parsers.h"

#include <gtest/gtest.h>

#include "vuln/image_fixture.h"

namespace pier::vuln {
namespace {

using namespace testing;

TEST(PackageParsers, DpkgStatusListsInstalledPackagesWithTheirSources) {
  const std::vector<Package> expected = {
      {Ecosystem::kDebian, "base-files", "12.4+deb12u5", "", "", "var/lib/dpkg/status"},
      {Ecosystem::kDebian, "libssl3", "3.0.11-1~deb12u2+b1", "openssl", "3.0.11-1~deb12u2", "var/lib/dpkg/status"},
      {Ecosystem::kDebian, "libgcc-s1", "12.2.0-14", "gcc-12", "12.2.0-14", "var/lib/dpkg/status"},
  };
  EXPECT_EQ(parse_dpkg_status(kDpkgStatus, Ecosystem::kDebian, "var/lib/dpkg/status"), expected);
}

TEST(PackageParsers, DpkgStatusReadsEveryInstalledState) {
  const std::string status =
      "Package: held\r\nStatus: hold ok installed\r\nVersion: 1\r\n\r\n"
      "Package: unpacked\nStatus: install ok unpacked\nVersion: 1\n\n"
      "Package: half\nStatus: install ok half-configured\nVersion: 1\n\n"
      "Package: broken\nStatus: install reinstreq installed\nVersion: 1\n\n"
      "Package: no-status\nVersion: 1\n\n"
      "Package: no-version\nStatus: install ok installed\n\n\n\n"
      "package: lower-case-fields\nstatus: install ok installed\nversion: 2\n";
  const std::vector<Package> expected = {
      {Ecosystem::kUbuntu, "held", "1", "", "", "s"},
      {Ecosystem::kUbuntu, "lower-case-fields", "2", "", "", "s"},
  };
  EXPECT_EQ(parse_dpkg_status(status, Ecosystem::kUbuntu, "s"), expected);
  EXPECT_TRUE(parse_dpkg_status("", Ecosystem::kDebian, "s").empty());
  EXPECT_TRUE(parse_dpkg_status("\x01\x02 garbage \xff\n:\n", Ecosystem::kDebian, "s").empty());
}

TEST(PackageParsers, DistrolessStatusFragmentsNeedNoStatus) {
  const std::string fragment =
      "Package: libc6\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\nSource: glibc\n"
      "Description: GNU C Library: Shared libraries\n Contains the standard libraries.\n";
  const std::vector<Package> expected = {
      {Ecosystem::kDebian, "libc6", "2.36-9+deb12u4", "glibc", "2.36-9+deb12u4", "var/lib/dpkg/status.d/libc6"}};
  EXPECT_EQ(parse_dpkg_status_fragment(fragment, Ecosystem::kDebian, "var/lib/dpkg/status.d/libc6"), expected);
  EXPECT_TRUE(parse_dpkg_status_fragment("Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n",
                                         Ecosystem::kDebian, "f")
                  .empty());
}

TEST(PackageParsers, ApkInstalledDatabase) {
  const std::vector<Package> expected = {
      {Ecosystem::kAlpine, "musl", "1.2.4_git20230717-r4", "musl", "1.2.4_git20230717-r4", "lib/apk/db/installed"},
      {Ecosystem::kAlpine, "libcrypto3", "3.1.4-r5", "openssl", "3.1.4-r5", "lib/apk/db/installed"},
  };
  EXPECT_EQ(parse_apk_installed(kApkInstalled, "lib/apk/db/installed"), expected);
  const std::vector<Package> without_origin = {{Ecosystem::kAlpine, "a", "1-r0", "", "", "db"}};
  EXPECT_EQ(parse_apk_installed("P:a\nV:1-r0\n\nP:no-version\n\nV:2\n", "db"), without_origin);
}

TEST(PackageParsers, PythonMetadataHeadersOnly) {
  const auto requests = parse_python_metadata(kRequestsMetadata, "x/requests-2.31.0.dist-info/METADATA");
  ASSERT_TRUE(requests);
  EXPECT_EQ(*requests,
            (Package{Ecosystem::kPyPI, "requests", "2.31.0", "", "", "x/requests-2.31.0.dist-info/METADATA"}));
  const auto zope = parse_python_metadata(kZopeMetadata, "m");
  ASSERT_TRUE(zope);
  EXPECT_EQ(zope->name, "zope-interface");
  EXPECT_EQ(zope->version, "6.1");
  EXPECT_FALSE(parse_python_metadata("Metadata-Version: 2.1\nName: nameless-version\n", "m"));
  EXPECT_FALSE(parse_python_metadata("Metadata-Version: 2.1\n\nName: in-body\nVersion: 1\n", "m"));
}

TEST(PackageParsers, PythonNamesPerPep503) {
  EXPECT_EQ(python_package_name("Zope.Interface"), "zope-interface");
  EXPECT_EQ(python_package_name("typing_extensions"), "typing-extensions");
  EXPECT_EQ(python_package_name("A-_.-b"), "a-b");
  EXPECT_EQ(python_package_name("requests"), "requests");
}

TEST(PackageParsers, NpmPackageJson) {
  const auto scoped = parse_npm_package_json(package_json("@types/node", "20.10.0"), "p");
  ASSERT_TRUE(scoped);
  EXPECT_EQ(*scoped, (Package{Ecosystem::kNpm, "@types/node", "20.10.0", "", "", "p"}));
  EXPECT_FALSE(parse_npm_package_json(R"({"name": "no-version"})", "p"));
  EXPECT_FALSE(parse_npm_package_json(R"({"name": "x", "version": 1})", "p"));
  EXPECT_FALSE(parse_npm_package_json(R"({"name": "", "version": "1.0.0"})", "p"));
  EXPECT_FALSE(parse_npm_package_json(R"(["name", "version"])", "p"));
  EXPECT_FALSE(parse_npm_package_json(R"({"name": "truncated", "vers)", "p"));
}

}  // namespace
}  // namespace pier::vuln
