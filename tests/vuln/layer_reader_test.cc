#include "vuln/layer_reader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>

#include "test_dirs.h"
#include "vuln/go_buildinfo.h"
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

// tar_layer writes every file 0644; Go binaries are looked for among executables only.
struct EntryWithMode {
  TarEntry entry;
  int permissions = 0644;
};
EntryWithMode executable(TarEntry entry) { return {std::move(entry), 0755}; }
EntryWithMode plain(TarEntry entry) { return {std::move(entry), 0644}; }

// An uncompressed layer of `entries`.
std::string layer_with_modes(const std::vector<EntryWithMode>& entries) {
  std::string blob;
  std::unique_ptr<archive, int (*)(archive*)> writer(archive_write_new(), &archive_write_free);
  archive_write_set_format_pax_restricted(writer.get());
  const auto append = [](archive*, void* sink, const void* bytes, size_t size) -> la_ssize_t {
    static_cast<std::string*>(sink)->append(static_cast<const char*>(bytes), size);
    return static_cast<la_ssize_t>(size);
  };
  if (archive_write_open2(writer.get(), &blob, nullptr, append, nullptr, nullptr) != ARCHIVE_OK) {
    throw std::runtime_error(archive_error_string(writer.get()));
  }
  for (const auto& [entry, permissions] : entries) {
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> header(archive_entry_new(), &archive_entry_free);
    archive_entry_set_pathname(header.get(), entry.path.c_str());
    archive_entry_set_perm(header.get(), permissions);
    archive_entry_set_filetype(header.get(), entry.kind == TarEntry::Kind::kSymlink ? AE_IFLNK : AE_IFREG);
    if (entry.kind == TarEntry::Kind::kSymlink) archive_entry_set_symlink(header.get(), entry.link_target.c_str());
    if (entry.kind == TarEntry::Kind::kHardlink) archive_entry_set_hardlink(header.get(), entry.link_target.c_str());
    archive_entry_set_size(header.get(), static_cast<la_int64_t>(entry.bytes.size()));
    if (archive_write_header(writer.get(), header.get()) != ARCHIVE_OK) {
      throw std::runtime_error(archive_error_string(writer.get()));
    }
    if (!entry.bytes.empty()) archive_write_data(writer.get(), entry.bytes.data(), entry.bytes.size());
  }
  archive_write_close(writer.get());
  return blob;
}

// A Go binary's build information header and strings (go_buildinfo_test.cc reads them in detail).
std::string go_buildinfo_blob() {
  std::string blob(kGoBuildInfoMagic);
  blob += "\x08\x02";
  blob.resize(32, '\0');
  return blob + char(8) + "go1.21.5" + char(0);
}

// An ELF executable holding `buildinfo` past 1 MiB of code, as Go puts it in its data segment,
// then more than the reader keeps.
std::string elf_binary(std::string_view buildinfo) {
  std::string binary = "\x7f" "ELF";
  binary.resize(std::size_t{1} << 20, '\x90');
  binary.append(buildinfo);
  binary.resize(binary.size() + 2 * kGoBuildInfoBytes, '\x01');
  return binary;
}

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

TEST(LayerReader, KeepsOnlyTheBuildInformationOfGoBinaries) {
  const auto go = elf_binary(go_buildinfo_blob());
  const auto kept = go.substr(std::size_t{1} << 20, kGoBuildInfoBytes);
  const auto findings = read_blob(layer_with_modes({
      executable(file("usr/local/bin/server", go)),
      executable(file("usr/bin/ls", elf_binary("no build information here"))),
      executable(file("usr/bin/start.sh", "#!/bin/sh\nexec server\n")),
      plain(file("opt/not-executable", go)),
      executable(hardlink("usr/local/bin/server-link", "usr/local/bin/server")),
      executable(file("usr/bin/tiny", "\x7f" "E")),  // too short to be an ELF file
  }));
  ASSERT_TRUE(findings) << findings.error().message;
  LayerFindings expected;
  expected.files = {{"usr/local/bin/server", kept}, {"usr/local/bin/server-link", kept}};
  // Any other executable may replace a Go binary of a lower layer.
  expected.removed_paths = {"usr/bin/ls", "usr/bin/start.sh", "usr/bin/tiny"};
  EXPECT_EQ(*findings, expected);
  EXPECT_EQ(kept.size(), kGoBuildInfoBytes);
  const auto packages = parse_go_buildinfo(kept, "usr/local/bin/server");
  ASSERT_EQ(packages.size(), 1u);
  EXPECT_EQ(packages[0].version, "v1.21.5");
}

TEST(LayerReader, WhatReplacesAGoBinaryInItsLayerHidesIt) {
  const auto go = elf_binary(go_buildinfo_blob());
  const auto findings = read_blob(layer_with_modes({
      executable(file("app/a", go)),
      plain(symlink("app/a", "/bin/true")),
      executable(file("app/b", go)),
      executable(file("app/b", "#!/bin/sh\n")),
      executable(file("app/c", go)),
      plain(file("app/c", "not executable")),
      executable(file("app/d", "#!/bin/sh\n")),
      executable(file("app/d", go)),
  }));
  ASSERT_TRUE(findings) << findings.error().message;
  LayerFindings expected;
  expected.files = {{"app/d", go.substr(std::size_t{1} << 20, kGoBuildInfoBytes)}};
  expected.removed_paths = {"app/a", "app/b", "app/c", "app/d"};
  EXPECT_EQ(*findings, expected);
}

}  // namespace
}  // namespace pier::vuln
