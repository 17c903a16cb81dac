#include "vuln/layer_reader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>

#include "test_dirs.h"
#include "vuln/image_fixture.h"
#include "vuln/tar_layer.h"

namespace pier::vuln {
namespace {

using namespace testing;

LayerFindings expected_base_findings() {
  LayerFindings findings;
  findings.files = {
      {"app/node_modules/@types/node/package.json", package_json("@types/node", "20.10.0")},
      {"app/node_modules/express/node_modules/debug/package.json", package_json("debug", "2.6.9")},
      {"app/node_modules/express/package.json", package_json("express", "4.18.2")},
      {"lib/apk/db/installed", kApkInstalled},
      {"usr/lib/os-release", kDebianOsRelease},
      {"usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA", kRequestsMetadata},
      {"usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO", kSixPkgInfo},
      {"usr/local/lib/python3.11/site-packages/zope.interface-6.1.dist-info/METADATA", kZopeMetadata},
      {"var/lib/dpkg/status", kDpkgStatus},
  };
  // The symlink hides any lower layer's etc/os-release.
  findings.removed_paths = {"etc/os-release"};
  return findings;
}

Result<LayerFindings> read_blob(const std::string& blob) { return read_layer(source_over(blob)); }

TEST(LayerReader, KeepsTheFilesOfInterestOfAGzipLayer) {
  const auto findings = read_blob(tar_layer(base_layer_entries(), Compression::kGzip));
  ASSERT_TRUE(findings) << findings.error().message;
  EXPECT_EQ(*findings, expected_base_findings());
}

TEST(LayerReader, ReadsUncompressedAndZstdLayersAlike) {
  for (const auto compression : {Compression::kNone, Compression::kZstd}) {
    const auto findings = read_blob(tar_layer(base_layer_entries(), compression));
    ASSERT_TRUE(findings) << findings.error().message;
    EXPECT_EQ(*findings, expected_base_findings());
  }
}

TEST(LayerReader, RecordsWhiteoutsAndOpaqueDirectories) {
  const auto whiteouts = read_blob(tar_layer(whiteout_layer_entries()));
  ASSERT_TRUE(whiteouts) << whiteouts.error().message;
  LayerFindings expected;
  expected.files = {{"var/lib/dpkg/status", kUpgradedDpkgStatus}};
  expected.removed_paths = {"app/node_modules/@types/node", "usr/lib/python3/dist-packages/six-1.16.0.egg-info"};
  EXPECT_EQ(*whiteouts, expected);

  const auto opaque = read_blob(tar_layer(opaque_layer_entries(), Compression::kNone));
  ASSERT_TRUE(opaque) << opaque.error().message;
  expected = {};
  expected.files = {{"app/node_modules/lodash/package.json", package_json("lodash", "4.17.21")}};
  expected.opaque_dirs = {"app/node_modules"};
  EXPECT_EQ(*opaque, expected);
}

TEST(LayerReader, OpaqueRootAndOverlayBookkeepingNames) {
  const auto findings = read_blob(tar_layer({file(".wh..wh..opq", ""), file("etc/.wh..wh.plnk", "")}));
  ASSERT_TRUE(findings) << findings.error().message;
  LayerFindings expected;
  expected.opaque_dirs = {""};
  EXPECT_EQ(*findings, expected);
}

TEST(LayerReader, HardLinksToKeptFilesAreKeptAndOtherReplacementsHideTheLowerFile) {
  const auto findings = read_blob(tar_layer({
      file("opt/venv/lib/six-1.16.0.dist-info/METADATA", kSixPkgInfo),
      hardlink("usr/lib/python3/six-1.16.0.dist-info/METADATA", "opt/venv/lib/six-1.16.0.dist-info/METADATA"),
      hardlink("var/lib/dpkg/status", "var/backups/dpkg.status.0"),
      // A later entry at a path replaces an earlier one, as extraction would.
      file("lib/apk/db/installed", kApkInstalled),
      symlink("lib/apk/db/installed", "/elsewhere"),
  }));
  ASSERT_TRUE(findings) << findings.error().message;
  LayerFindings expected;
  expected.files = {{"opt/venv/lib/six-1.16.0.dist-info/METADATA", kSixPkgInfo},
                    {"usr/lib/python3/six-1.16.0.dist-info/METADATA", kSixPkgInfo}};
  expected.removed_paths = {"lib/apk/db/installed", "var/lib/dpkg/status"};
  EXPECT_EQ(*findings, expected);
}

TEST(LayerReader, FilesOverTheBoundAreNotKept) {
  const auto findings = read_blob(tar_layer(
      {file("var/lib/rpm/Packages", std::string(kMaxLayerFileBytes + 1, 'x')), file("var/lib/rpm/rpmdb.sqlite", "db")},
      Compression::kNone));
  ASSERT_TRUE(findings) << findings.error().message;
  LayerFindings expected;
  expected.files = {{"var/lib/rpm/rpmdb.sqlite", "db"}};
  expected.removed_paths = {"var/lib/rpm/Packages"};
  EXPECT_EQ(*findings, expected);
}

TEST(LayerReader, EmptyLayersHaveNoFindings) {
  for (const auto& blob : {std::string(), tar_layer({}), tar_layer({}, Compression::kNone)}) {
    const auto findings = read_blob(blob);
    ASSERT_TRUE(findings) << findings.error().message;
    EXPECT_EQ(*findings, LayerFindings{});
  }
}

TEST(LayerReader, MalformedArchivesAreBadRequests) {
  const auto plain = tar_layer(base_layer_entries(), Compression::kNone);
  const auto gzip = tar_layer(base_layer_entries(), Compression::kGzip);
  std::string corrupt_header = plain;
  corrupt_header[148] ^= 0x55;  // the first header's checksum
  for (const auto& blob : {std::string("this is not a layer\n"), std::string(3000, '\x7f'), plain.substr(0, 2600),
                           gzip.substr(0, gzip.size() / 2), corrupt_header}) {
    const auto findings = read_blob(blob);
    ASSERT_FALSE(findings);
    EXPECT_EQ(findings.error().code, ErrorCode::kBadRequest) << findings.error().message;
  }
}

TEST(LayerReader, AFailingSourceIsAnInternalError) {
  const auto blob = tar_layer(base_layer_entries());
  std::size_t calls = 0;
  const auto fails = read_layer([&](char* buffer, std::size_t capacity) -> long {
    if (++calls > 1) return -1;
    const auto count = std::min(capacity, std::size_t{100});
    blob.copy(buffer, count);
    return static_cast<long>(count);
  });
  ASSERT_FALSE(fails);
  EXPECT_EQ(fails.error().code, ErrorCode::kInternal);

  const auto throws = read_layer([](char*, std::size_t) -> long { throw std::runtime_error("disk gone"); });
  ASSERT_FALSE(throws);
  EXPECT_EQ(throws.error().code, ErrorCode::kInternal);
}

TEST(LayerReader, ReadsLayerFiles) {
  pier::testing::TempDir dir;
  const auto blob_path = dir.path() / "layer.tar.gz";
  std::ofstream(blob_path, std::ios::binary) << tar_layer(base_layer_entries());
  const auto findings = read_layer_file(blob_path);
  ASSERT_TRUE(findings) << findings.error().message;
  EXPECT_EQ(*findings, expected_base_findings());

  const auto missing = read_layer_file(dir.path() / "missing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace pier::vuln
