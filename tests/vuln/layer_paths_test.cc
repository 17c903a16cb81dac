#include "vuln/layer_paths.h"

#include <gtest/gtest.h>

namespace pier::vuln {
namespace {

TEST(LayerReaderPaths, NamesAreNormalized) {
  EXPECT_EQ(normalize_layer_path("./var/lib/dpkg/status"), "var/lib/dpkg/status");
  EXPECT_EQ(normalize_layer_path("/etc//os-release"), "etc/os-release");
  EXPECT_EQ(normalize_layer_path("./usr/./lib/"), "usr/lib");
  EXPECT_EQ(normalize_layer_path("./"), "");
}

TEST(LayerReaderPaths, FilesOfInterest) {
  EXPECT_EQ(inventory_file_at("var/lib/dpkg/status"), InventoryFile::kDpkgStatus);
  EXPECT_EQ(inventory_file_at("var/lib/dpkg/status.d/libc6"), InventoryFile::kDpkgStatusFragment);
  EXPECT_FALSE(inventory_file_at("var/lib/dpkg/status.d/libc6.md5sums"));
  EXPECT_FALSE(inventory_file_at("var/lib/dpkg/status.d/deeper/libc6"));
  EXPECT_FALSE(inventory_file_at("var/lib/dpkg/status-old"));
  EXPECT_EQ(inventory_file_at("lib/apk/db/installed"), InventoryFile::kApkInstalled);
  EXPECT_EQ(inventory_file_at("etc/os-release"), InventoryFile::kOsRelease);
  EXPECT_EQ(inventory_file_at("usr/lib/os-release"), InventoryFile::kOsRelease);
  EXPECT_FALSE(inventory_file_at("usr/local/etc/os-release"));
  EXPECT_EQ(inventory_file_at("var/lib/rpm/rpmdb.sqlite"), InventoryFile::kRpmDatabase);
  EXPECT_EQ(inventory_file_at("var/lib/rpm/Packages"), InventoryFile::kRpmDatabase);
  EXPECT_EQ(inventory_file_at("usr/lib/sysimage/rpm/rpmdb.sqlite"), InventoryFile::kRpmDatabase);
  EXPECT_EQ(inventory_file_at("usr/lib/sysimage/rpm/Packages.db"), std::nullopt);
  EXPECT_EQ(inventory_file_at("var/lib/rpm/rpmdb.sqlite-shm"), std::nullopt);
  EXPECT_EQ(inventory_file_at("usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA"),
            InventoryFile::kPythonMetadata);
  EXPECT_EQ(inventory_file_at("opt/app/six-1.16.0.egg-info/PKG-INFO"), InventoryFile::kPythonMetadata);
  EXPECT_FALSE(inventory_file_at("opt/app/.dist-info/METADATA"));
  EXPECT_FALSE(inventory_file_at("opt/app/six-1.16.0.egg-info/METADATA"));
  EXPECT_EQ(inventory_file_at("node_modules/express/package.json"), InventoryFile::kNpmPackage);
  EXPECT_EQ(inventory_file_at("app/node_modules/@types/node/package.json"), InventoryFile::kNpmPackage);
  EXPECT_EQ(inventory_file_at("app/node_modules/a/node_modules/b/package.json"), InventoryFile::kNpmPackage);
  EXPECT_EQ(inventory_file_at("app/node_modules/.pnpm/ms@2.1.3/node_modules/ms/package.json"),
            InventoryFile::kNpmPackage);
  EXPECT_FALSE(inventory_file_at("app/node_modules/.pnpm/package.json"));
  EXPECT_FALSE(inventory_file_at("app/node_modules/@types/package.json"));
  EXPECT_FALSE(inventory_file_at("app/node_modules/express/lib/package.json"));
  EXPECT_FALSE(inventory_file_at("app/package.json"));
  EXPECT_FALSE(inventory_file_at("app/node_modules/package.json"));
}

TEST(LayerReaderPaths, Whiteouts) {
  EXPECT_EQ(whiteout_of("usr/lib/.wh.libfoo.so")->path, "usr/lib/libfoo.so");
  EXPECT_EQ(whiteout_of("usr/lib/.wh.libfoo.so")->kind, Whiteout::Kind::kRemoves);
  EXPECT_EQ(whiteout_of(".wh.app")->path, "app");
  EXPECT_EQ(whiteout_of("app/node_modules/.wh..wh..opq")->path, "app/node_modules");
  EXPECT_EQ(whiteout_of("app/node_modules/.wh..wh..opq")->kind, Whiteout::Kind::kMakesOpaque);
  EXPECT_EQ(whiteout_of(".wh..wh..opq")->path, "");
  EXPECT_FALSE(whiteout_of(".wh..wh.plnk/12.345"));
  EXPECT_FALSE(whiteout_of(".wh..wh.aufs"));
  EXPECT_FALSE(whiteout_of("etc/.wh."));
  EXPECT_FALSE(whiteout_of("etc/a.wh.b"));
}

TEST(LayerReaderPaths, AtOrBelow) {
  EXPECT_TRUE(is_at_or_below("a/b", "a"));
  EXPECT_TRUE(is_at_or_below("a", "a"));
  EXPECT_TRUE(is_at_or_below("a", ""));
  EXPECT_FALSE(is_at_or_below("ab", "a"));
  EXPECT_FALSE(is_at_or_below("a", "a/b"));
}

}  // namespace
}  // namespace pier::vuln
