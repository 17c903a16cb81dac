#include "vuln/image_inventory.h"

#include <gtest/gtest.h>

#include "vuln/image_fixture.h"
#include "vuln/layer_stack.h"
#include "vuln/tar_layer.h"

namespace pier::vuln {
namespace {

using namespace testing;

LayerFindings read(const std::vector<TarEntry>& entries, Compression compression = Compression::kGzip) {
  const auto blob = tar_layer(entries, compression);
  auto findings = read_layer(source_over(blob));
  if (!findings) throw std::runtime_error(findings.error().message);
  return std::move(*findings);
}

constexpr auto kDpkg = "var/lib/dpkg/status";
constexpr auto kApk = "lib/apk/db/installed";
constexpr auto kRequests = "usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA";
constexpr auto kSix = "usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO";
constexpr auto kZope = "usr/local/lib/python3.11/site-packages/zope.interface-6.1.dist-info/METADATA";
constexpr auto kExpress = "app/node_modules/express/package.json";
constexpr auto kDebug = "app/node_modules/express/node_modules/debug/package.json";
constexpr auto kTypesNode = "app/node_modules/@types/node/package.json";
constexpr auto kLodash = "app/node_modules/lodash/package.json";

const Package kMusl{Ecosystem::kAlpine, "musl", "1.2.4_git20230717-r4", "musl", "1.2.4_git20230717-r4", kApk};
const Package kLibcrypto{Ecosystem::kAlpine, "libcrypto3", "3.1.4-r5", "openssl", "3.1.4-r5", kApk};

std::vector<Package> sorted(std::vector<Package> packages) {
  std::ranges::sort(packages);
  return packages;
}

TEST(Inventory, OneLayer) {
  const auto inventory = inventory_of({read(base_layer_entries())});
  EXPECT_EQ(inventory.os, (EcosystemRelease{Ecosystem::kDebian, "12"}));
  EXPECT_EQ(inventory.packages, sorted({
                                    {Ecosystem::kDebian, "base-files", "12.4+deb12u5", "", "", kDpkg},
                                    {Ecosystem::kDebian, "libssl3", "3.0.11-1~deb12u2+b1", "openssl",
                                     "3.0.11-1~deb12u2", kDpkg},
                                    {Ecosystem::kDebian, "libgcc-s1", "12.2.0-14", "gcc-12", "12.2.0-14", kDpkg},
                                    kMusl,
                                    kLibcrypto,
                                    {Ecosystem::kPyPI, "requests", "2.31.0", "", "", kRequests},
                                    {Ecosystem::kPyPI, "six", "1.16.0", "", "", kSix},
                                    {Ecosystem::kPyPI, "zope-interface", "6.1", "", "", kZope},
                                    {Ecosystem::kNpm, "express", "4.18.2", "", "", kExpress},
                                    {Ecosystem::kNpm, "debug", "2.6.9", "", "", kDebug},
                                    {Ecosystem::kNpm, "@types/node", "20.10.0", "", "", kTypesNode},
                                }));
}

TEST(Inventory, LaterLayersWhiteOutAndReplace) {
  const auto inventory = inventory_of({read(base_layer_entries()), read(whiteout_layer_entries())});
  EXPECT_EQ(inventory.os, (EcosystemRelease{Ecosystem::kDebian, "12"}));
  // The new dpkg status replaces the old one whole: libssl3 and libgcc-s1 are gone with it.
  EXPECT_EQ(inventory.packages, sorted({
                                    {Ecosystem::kDebian, "base-files", "12.5", "", "", kDpkg},
                                    {Ecosystem::kDebian, "curl", "7.88.1-10+deb12u5", "", "", kDpkg},
                                    kMusl,
                                    kLibcrypto,
                                    {Ecosystem::kPyPI, "requests", "2.31.0", "", "", kRequests},
                                    {Ecosystem::kPyPI, "zope-interface", "6.1", "", "", kZope},
                                    {Ecosystem::kNpm, "express", "4.18.2", "", "", kExpress},
                                    {Ecosystem::kNpm, "debug", "2.6.9", "", "", kDebug},
                                }));
}

TEST(Inventory, OpaqueDirectoriesHideEverythingBelowFromLowerLayers) {
  const auto inventory = inventory_of(
      {read(base_layer_entries()), read(whiteout_layer_entries(), Compression::kNone), read(opaque_layer_entries())});
  EXPECT_EQ(inventory.packages, sorted({
                                    {Ecosystem::kDebian, "base-files", "12.5", "", "", kDpkg},
                                    {Ecosystem::kDebian, "curl", "7.88.1-10+deb12u5", "", "", kDpkg},
                                    kMusl,
                                    kLibcrypto,
                                    {Ecosystem::kPyPI, "requests", "2.31.0", "", "", kRequests},
                                    {Ecosystem::kPyPI, "zope-interface", "6.1", "", "", kZope},
                                    {Ecosystem::kNpm, "lodash", "4.17.21", "", "", kLodash},
                                }));
}

TEST(Inventory, AWhiteoutOnlyHidesLowerLayers) {
  // A layer's own files survive its whiteouts; a whiteout of a folder removes all below it.
  const auto inventory = inventory_of({
      read(base_layer_entries()),
      read({file("usr/lib/.wh.python3", ""), file("app/.wh.node_modules", ""),
            file("app/node_modules/lodash/package.json", package_json("lodash", "4.17.21")),
            file("app/node_modules/.wh.lodash", "")}),
  });
  const auto& packages = inventory.packages;
  EXPECT_EQ(std::ranges::count(packages, Ecosystem::kPyPI, &Package::ecosystem), 1);  // zope.interface
  ASSERT_EQ(std::ranges::count(packages, Ecosystem::kNpm, &Package::ecosystem), 1);
  EXPECT_EQ(std::ranges::find(packages, Ecosystem::kNpm, &Package::ecosystem)->name, "lodash");
}

TEST(Inventory, TheOsReleaseOfTheFinalFilesystem) {
  const std::string ubuntu = "ID=ubuntu\nVERSION_ID=\"22.04\"\nVERSION_CODENAME=jammy\n";
  const auto dpkg_only = read({file(kDpkg, kDpkgStatus)});
  // etc/os-release wins over usr/lib/os-release; dpkg packages are Ubuntu's on Ubuntu.
  auto inventory = inventory_of({read(base_layer_entries()), read({file("etc/os-release", ubuntu)})});
  EXPECT_EQ(inventory.os, (EcosystemRelease{Ecosystem::kUbuntu, "22.04"}));
  EXPECT_EQ(std::ranges::count(inventory.packages, Ecosystem::kUbuntu, &Package::ecosystem), 3);
  EXPECT_EQ(std::ranges::count(inventory.packages, Ecosystem::kDebian, &Package::ecosystem), 0);

  // Without an os-release a dpkg database is Debian's, an apk one Alpine's.
  inventory = inventory_of({dpkg_only});
  EXPECT_EQ(inventory.os, (EcosystemRelease{Ecosystem::kDebian, ""}));
  EXPECT_EQ(std::ranges::count(inventory.packages, Ecosystem::kDebian, &Package::ecosystem), 3);
  EXPECT_EQ(inventory_of({read({file(kApk, kApkInstalled)})}).os, (EcosystemRelease{Ecosystem::kAlpine, ""}));
  EXPECT_EQ(inventory_of({read({file("etc/os-release", ubuntu), file(".wh.etc", "")}), dpkg_only}).os,
            (EcosystemRelease{Ecosystem::kUbuntu, "22.04"}));
  const auto removed_os_release = read({file("etc/.wh.os-release", "")});
  EXPECT_EQ(inventory_of({read({file("etc/os-release", ubuntu)}), removed_os_release, dpkg_only}).os,
            (EcosystemRelease{Ecosystem::kDebian, ""}));
  EXPECT_EQ(inventory_of(std::vector<LayerFindings>{}), ImageInventory{});
}

TEST(Inventory, DistrolessAndDuplicates) {
  const std::string libc6 = "Package: libc6\nVersion: 2.36-9+deb12u4\nSource: glibc\n";
  const auto inventory = inventory_of({
      read({file("etc/os-release", kDebianOsRelease), file("var/lib/dpkg/status.d/libc6", libc6),
            file("var/lib/dpkg/status.d/libc6.md5sums", "abc  lib/x86_64-linux-gnu/libc.so.6\n")}),
      // The same file again in a later layer lists its packages once.
      read({file("var/lib/dpkg/status.d/libc6", libc6)}),
  });
  const std::vector<Package> expected = {
      {Ecosystem::kDebian, "libc6", "2.36-9+deb12u4", "glibc", "2.36-9+deb12u4", "var/lib/dpkg/status.d/libc6"}};
  EXPECT_EQ(inventory.packages, expected);
}

TEST(Inventory, StackedFilesAreThoseOfTheFinalFilesystem) {
  LayerFindings lower, upper;
  lower.files = {{"a", "1"}, {"a-b", "2"}, {"a/b", "3"}, {"a/c", "4"}, {"b", "5"}};
  upper.removed_paths = {"a"};
  upper.files = {{"b", "6"}};
  std::vector<std::string> present;
  const std::vector<LayerFindings> layers = {lower, upper};
  for (const auto* file : stacked_files(layers)) present.push_back(file->path + "=" + file->bytes);
  EXPECT_EQ(present, (std::vector<std::string>{"a-b=2", "b=6"}));
}

}  // namespace
}  // namespace pier::vuln
