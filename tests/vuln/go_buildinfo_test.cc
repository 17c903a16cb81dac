#include "vuln/go_buildinfo.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vuln/image_fixture.h"  // PrintTo(Package)

namespace pier::vuln {
namespace {

std::string length_prefixed(std::string_view text) {
  std::string bytes;
  for (auto length = text.size();; length >>= 7) {
    bytes.push_back(static_cast<char>((length & 0x7f) | (length >= 0x80 ? 0x80 : 0)));
    if (length < 0x80) break;
  }
  return bytes.append(text);
}

// The build information as Go's linker lays it out for a 64-bit target: the header, then the
// version and the module text, which runtime/debug wraps in these sentinels.
std::string go_buildinfo(std::string_view go_version, std::string_view module_text) {
  constexpr std::string_view kModuleInfoStart{"0w\xaf\x0c\x92t\x08\x02\x41\xe1\xc1\x07\xe6\xd6\x18\xe6", 16};
  constexpr std::string_view kModuleInfoEnd{"\xf9\x32\x43\x31\x86\x18\x20\x72\x00\x82\x42\x10\x41\x16\xd8\xf2", 16};
  std::string blob(kGoBuildInfoMagic);
  blob += "\x08\x02";  // 8-byte pointers; the strings inline
  blob.resize(32, '\0');
  blob += length_prefixed(go_version);
  const std::string wrapped = module_text.empty()
                                  ? std::string()
                                  : std::string(kModuleInfoStart).append(module_text).append(kModuleInfoEnd);
  return blob + length_prefixed(wrapped);
}

// An ELF file with `buildinfo` at a 16-byte aligned offset after some code, and `trailing`
// bytes of data after it.
std::string go_binary(std::string_view buildinfo, std::size_t trailing = 4096) {
  std::string binary = "\x7f" "ELF\x02\x01\x01";
  for (std::uint32_t state = 1; binary.size() < 0x3000;) {
    state = state * 1103515245u + 12345u;
    binary.push_back(static_cast<char>(state >> 24));
  }
  binary.append(buildinfo);
  for (std::size_t i = 0; i < trailing; ++i) binary.push_back(static_cast<char>(i % 251));
  return binary;
}

constexpr std::string_view kModuleInfo =
    "path\texample.com/server/cmd/server\n"
    "mod\texample.com/server\t(devel)\t\n"
    "dep\tgithub.com/google/uuid\tv1.3.0\th1:t6JiXgmwXMjEs8VusXIJk2BXHsn+wx8BZdTaoZ5fu7I=\n"
    "dep\tgolang.org/x/net\tv0.7.0\th1:rJrUqqhjsgNp7KqAIc25s9pZnjU7TUcSY7HcVZjdn1g=\n"
    "=>\tgolang.org/x/net\tv0.17.0\th1:pVaXccu2ozPjCXewfr1S7xoW6rqLZgKnUoxzJAo4lVU=\n"
    "dep\texample.com/shared\tv0.0.0-00010101000000-000000000000\n"
    "=>\t../shared\t\n"
    "dep\tgolang.org/x/text\tv0.0.0-20191109021931-daa7c04131f5\th1:aRYxNxv6iGQlyVaZmk6ZgYEDa+Jg18DxebPSrd6bg1M=\n"
    "build\t-compiler=gc\n"
    "build\tCGO_ENABLED=0\n";

Package go_module(std::string name, std::string version, std::string path = "usr/local/bin/server") {
  return Package{Ecosystem::kGo, std::move(name), std::move(version), {}, {}, std::move(path)};
}

TEST(GoBuildInfo, ListsTheStandardLibraryAndTheModulesAsReplaced) {
  const auto packages = parse_go_buildinfo(go_buildinfo("go1.21.5", kModuleInfo), "usr/local/bin/server");
  // The main module built from a checkout has no version, nor has a module replaced by a
  // directory; golang.org/x/net is built at its replacement's version.
  EXPECT_EQ(packages, (std::vector<Package>{
                          go_module("stdlib", "v1.21.5"),
                          go_module("github.com/google/uuid", "v1.3.0"),
                          go_module("golang.org/x/net", "v0.17.0"),
                          go_module("golang.org/x/text", "v0.0.0-20191109021931-daa7c04131f5"),
                      }));
}

TEST(GoBuildInfo, ListsAMainModuleBuiltAtAVersion) {
  const auto packages = parse_go_buildinfo(
      go_buildinfo("go1.22.1", "path\tgithub.com/tool/cmd/tool\nmod\tgithub.com/tool\tv2.4.0\th1:x=\n"), "bin/tool");
  EXPECT_EQ(packages, (std::vector<Package>{go_module("stdlib", "v1.22.1", "bin/tool"),
                                            go_module("github.com/tool", "v2.4.0", "bin/tool")}));
}

TEST(GoBuildInfo, GoReleasesAreSemverVersionsOfTheStandardLibrary) {
  const std::pair<std::string, std::string> releases[] = {
      {"go1.21.5", "v1.21.5"},
      {"go1.20", "v1.20.0"},
      {"go1.21rc2", "v1.21.0-rc.2"},
      {"go1.19beta1", "v1.19.0-beta.1"},
      {"go1.22.1 X:boringcrypto", "v1.22.1"},
  };
  for (const auto& [release, version] : releases) {
    EXPECT_EQ(parse_go_buildinfo(go_buildinfo(release, ""), "app"),
              std::vector<Package>{go_module("stdlib", version, "app")})
        << release;
  }
  // A toolchain built from a checkout is no release.
  EXPECT_EQ(parse_go_buildinfo(go_buildinfo("devel go1.23-2bd2d4e9ba Tue Nov 7 18:38:39 2023", ""), "app"),
            std::vector<Package>{});
}

TEST(GoBuildInfo, FindsTheBuildInfoInAWholeBinary) {
  const auto binary = go_binary(go_buildinfo("go1.21.5", kModuleInfo));
  EXPECT_EQ(parse_go_buildinfo(binary, "usr/local/bin/server"),
            parse_go_buildinfo(go_buildinfo("go1.21.5", kModuleInfo), "usr/local/bin/server"));
}

TEST(GoBuildInfo, UnreadableBuildInfoListsNothing) {
  const auto valid = go_buildinfo("go1.21.5", kModuleInfo);
  std::string pointer_format = valid;  // Go before 1.18: the strings are behind pointers
  pointer_format[15] = 0;
  std::string overlong = valid;  // the version's length runs past the end
  overlong[32] = '\x7f';
  for (const auto& bytes : {std::string(), std::string(kGoBuildInfoMagic), valid.substr(0, 40), pointer_format,
                            overlong.substr(0, 100), std::string("\x7f" "ELF not a go binary"),
                            std::string(4, '\0') + valid}) {  // the magic misaligned
    EXPECT_EQ(parse_go_buildinfo(bytes, "app"), std::vector<Package>{});
  }
  // Module text without its sentinels is not Go's; the version alone still counts.
  auto bare = std::string(kGoBuildInfoMagic) + std::string("\x08\x02", 2) + std::string(16, '\0');
  const std::string unwrapped = "dep\tx.org/y\tv1.0.0\n";
  bare += char(8) + std::string("go1.21.5") + char(unwrapped.size()) + unwrapped;
  EXPECT_EQ(parse_go_buildinfo(bare, "app"), std::vector<Package>{go_module("stdlib", "v1.21.5", "app")});
}

std::optional<std::string> found_in_chunks(std::string_view file, std::size_t chunk) {
  GoBuildInfoFinder finder;
  for (std::size_t at = 0; at < file.size() && !finder.done(); at += chunk) finder.feed(file.substr(at, chunk));
  return std::move(finder).take();
}

TEST(GoBuildInfoFinder, FindsTheRegionInChunksOfAnySize) {
  const auto buildinfo = go_buildinfo("go1.21.5", kModuleInfo);
  const auto binary = go_binary(buildinfo, 200 << 10);
  const auto at = binary.find(kGoBuildInfoMagic);
  ASSERT_EQ(at % 16, 0u);
  const auto expected = binary.substr(at, kGoBuildInfoBytes);
  ASSERT_TRUE(expected.starts_with(buildinfo));
  for (const std::size_t chunk : {1, 3, 7, 15, 16, 17, 1000, 65536, 1 << 20}) {
    EXPECT_EQ(found_in_chunks(binary, chunk), expected) << chunk;
  }
}

TEST(GoBuildInfoFinder, KeepsWhatThereIsWhenTheFileEndsFirst) {
  const auto buildinfo = go_buildinfo("go1.21.5", kModuleInfo);
  const auto binary = go_binary(buildinfo, 0);
  const auto found = found_in_chunks(binary, 4096);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, buildinfo);
}

TEST(GoBuildInfoFinder, SkipsMisalignedAndUnreadableMentionsOfTheMagic) {
  const auto buildinfo = go_buildinfo("go1.21.5", kModuleInfo);
  // Go's own tools hold the magic as a string, where what follows is no header.
  std::string file = "\x7f" "ELF" + std::string(4, '\0');
  const auto pad_to_alignment = [&] { file += std::string(16 - file.size() % 16, '\0'); };
  file += std::string(kGoBuildInfoMagic) + "xx" + std::string(10, '\0');  // misaligned
  pad_to_alignment();
  file += std::string(kGoBuildInfoMagic) + "\x03\x02";  // no pointer size
  pad_to_alignment();
  file += std::string(kGoBuildInfoMagic) + std::string("\x08\x00", 2);  // the strings not inline
  pad_to_alignment();
  const auto real_at = file.size();
  file += buildinfo;
  for (const std::size_t chunk : {1, 5, 16, 4096}) {
    const auto found = found_in_chunks(file, chunk);
    ASSERT_TRUE(found) << chunk;
    EXPECT_EQ(*found, file.substr(real_at)) << chunk;
  }
  EXPECT_EQ(found_in_chunks("\x7f" "ELF" + std::string(100000, '\xff'), 999), std::nullopt);
}

}  // namespace
}  // namespace pier::vuln
