#include "vuln/version_order.h"

#include <gtest/gtest.h>

#include <atomic>
#include <initializer_list>
#include <string_view>
#include <thread>
#include <vector>

namespace pier::vuln {
namespace {

// Every version in `ascending` is older than each one after it, and equal to itself.
void expect_ascending(VersionScheme scheme, std::initializer_list<std::string_view> ascending) {
  for (auto older = ascending.begin(); older != ascending.end(); ++older) {
    EXPECT_EQ(compare_versions(scheme, *older, *older), 0) << *older;
    for (auto newer = older + 1; newer != ascending.end(); ++newer) {
      EXPECT_EQ(compare_versions(scheme, *older, *newer), -1) << *older << " < " << *newer;
      EXPECT_EQ(compare_versions(scheme, *newer, *older), 1) << *newer << " > " << *older;
    }
  }
}

void expect_same(VersionScheme scheme, std::string_view a, std::string_view b) {
  EXPECT_EQ(compare_versions(scheme, a, b), 0) << a << " == " << b;
  EXPECT_EQ(compare_versions(scheme, b, a), 0) << b << " == " << a;
}

TEST(VersionOrder, DpkgEpochsTildesAndRevisions) {
  constexpr auto dpkg = VersionScheme::kDpkg;
  expect_ascending(dpkg, {"2.0", "1:1.0"});
  // '~' before the end, the end before letters, letters before other characters.
  expect_ascending(dpkg, {"1.0~rc1~1", "1.0~rc1", "1.0", "1.0a", "1.0+b1", "1.0.1"});
  expect_ascending(dpkg, {"1.0-1", "1.0-1+deb12u1", "1.0-2"});
  expect_ascending(dpkg, {"2.36-9+deb12u4", "2.36-9+deb12u7", "2.36-10"});
  expect_ascending(dpkg, {"1.2.3-1~bpo12+1", "1.2.3-1", "1.2.3-1ubuntu0.1", "1.2.3-1ubuntu1"});
  expect_ascending(dpkg, {"1:9.18.19-1~deb12u1", "1:9.18.24-1", "2:1.0"});
  expect_ascending(dpkg, {"0.9", "1.0", "1.0-0.1", "1.0-1"});
  expect_same(dpkg, "0:1.0", "1.0");
  expect_same(dpkg, "1.0-1", "1.0-01");
  expect_same(dpkg, "1.0", "1.0-0");
  // Several hyphens: the revision is after the last one.
  expect_ascending(dpkg, {"1.0-beta-1", "1.0-beta-2"});
}

TEST(VersionOrder, DpkgValidityIsWhatDpkgAccepts) {
  constexpr auto dpkg = VersionScheme::kDpkg;
  for (const auto version : {"1.0", "1:2.3-4", "2.36-9+deb12u4", "1.0~rc1", " 1.0 "}) {
    EXPECT_TRUE(is_valid_version(dpkg, version)) << version;
  }
  // dpkg only warns about these, and still installs and compares them.
  EXPECT_TRUE(is_valid_version(dpkg, "abc"));
  EXPECT_TRUE(is_valid_version(dpkg, "1.0_1"));
  for (const auto version : {"", "1 0", ":1.0", "a:1.0", "-1:1.0", "1:", "1.0-", "-1", "99999999999:1"}) {
    EXPECT_FALSE(is_valid_version(dpkg, version)) << version;
  }
  EXPECT_FALSE(is_valid_version(dpkg, std::string_view("1.0\0-1", 6)));
}

// libdpkg parses into one process-wide pool; comparisons from many threads must not trip on it.
TEST(VersionOrder, DpkgComparesFromManyThreads) {
  std::atomic<int> wrong = 0;
  std::vector<std::thread> threads;
  for (int thread = 0; thread < 4; ++thread) {
    threads.emplace_back([&wrong] {
      for (int round = 0; round < 2000; ++round) {
        if (compare_versions(VersionScheme::kDpkg, "2.36-9+deb12u4", "2.36-9+deb12u7") != -1) ++wrong;
        if (compare_versions(VersionScheme::kDpkg, "1:1.0", "2.0") != 1) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong, 0);
}

TEST(VersionOrder, RpmEpochVersionRelease) {
  constexpr auto rpm = VersionScheme::kRpm;
  expect_ascending(rpm, {"1.0-1.el9", "1.0-2.el9", "1.0-10.el9"});
  expect_ascending(rpm, {"2.0", "1:0.1"});
  expect_ascending(rpm, {"1.0~beta", "1.0~rc1", "1.0", "1.0^post", "1.0.1"});
  expect_ascending(rpm, {"1.0", "1.0a", "1.0.0"});
  expect_ascending(rpm, {"2.34-60.el9", "2.34-83.el9_3.7", "2.34-83.el9_3.12", "2.34-100.el9"});
  expect_ascending(rpm, {"3.0.7-24.el9", "1:3.0.7-24.el9", "1:3.0.7-25.el9"});
  // A version without a release is older than any release of it, so the order stays total.
  expect_ascending(rpm, {"1.0", "1.0-1", "1.0-2"});
  expect_same(rpm, "0:1.0", "1.0");
  expect_same(rpm, "0:1.0-1.el9", "1.0-1.el9");
  expect_same(rpm, "1.01", "1.1");
  expect_same(rpm, "1.0_1", "1.0.1");
}

TEST(VersionOrder, RpmValidity) {
  constexpr auto rpm = VersionScheme::kRpm;
  for (const auto version : {"1.0", "1:1.0-1.el9", "1.0~beta", "1.0^20230101git1", "5.2.15+really5.2.14-1"}) {
    EXPECT_TRUE(is_valid_version(rpm, version)) << version;
  }
  for (const auto version : {"", ":1.0", "a:1.0", "1:", "1.0-", "-1", "1.0-1-2", "1 0", "1.0/2"}) {
    EXPECT_FALSE(is_valid_version(rpm, version)) << version;
  }
}

TEST(VersionOrder, ApkSuffixesLettersAndReleases) {
  constexpr auto apk = VersionScheme::kApk;
  expect_ascending(apk, {"1.2.3_alpha", "1.2.3_alpha2", "1.2.3_beta", "1.2.3_pre1", "1.2.3_rc1", "1.2.3",
                         "1.2.3_cvs", "1.2.3_svn", "1.2.3_git20240101", "1.2.3_hg", "1.2.3_p1", "1.2.3_p2"});
  expect_ascending(apk, {"1.2.3-r1", "1.2.3-r2", "1.2.3-r10"});
  expect_ascending(apk, {"3.1.4-r0", "3.1.4-r5"});
  expect_ascending(apk, {"1.2", "1.2a", "1.2b", "1.2.0", "1.3"});
  expect_ascending(apk, {"1.2.3", "1.2.3-r1", "1.2.3_p1", "1.2.3a", "1.2.3.1"});
  expect_ascending(apk, {"1.2.3_rc1-r1", "1.2.3_rc2", "1.2.3-r0"});
  expect_ascending(apk, {"1.9", "1.10", "1.10.1", "2"});
  expect_ascending(apk, {"3.0.13-r0", "3.0.15-r0", "3.1.4-r5"});
  // A dotted number's leading zeros count as minus their number, the digits after them apart.
  expect_ascending(apk, {"1.00", "1.001", "1.0", "1.01", "1.1"});
  expect_same(apk, "1.2.3-r0", "1.2.3-r00");
}

TEST(VersionOrder, ApkValidity) {
  constexpr auto apk = VersionScheme::kApk;
  for (const auto version : {"1", "1.2.3", "1.2a", "1.2.3_rc1", "1.2.3_alpha_pre2", "1.2.3_p1-r4", "2.4.58-r1"}) {
    EXPECT_TRUE(is_valid_version(apk, version)) << version;
  }
  for (const auto version : {"", "a1", "1.", "1..2", "1.2ab", "1.2A", "1.2_foo", "1.2-1", "1.2-r", "1.2-ra",
                             "1.2_rc1.3", "1.2a.3", "1.2-r1_p1", "1.12345678901234567890"}) {
    EXPECT_FALSE(is_valid_version(apk, version)) << version;
  }
}

TEST(VersionOrder, Pep440PhasesAroundARelease) {
  constexpr auto pep440 = VersionScheme::kPep440;
  expect_ascending(pep440, {"1.0.dev1", "1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0.post1", "1.0.1"});
  expect_ascending(pep440, {"1.0.dev0", "1.0.dev2", "1.0a1.dev1", "1.0a1", "1.0a1.post1.dev1", "1.0a1.post1",
                            "1.0a2", "1.0", "1.0+abc", "1.0.post1.dev1", "1.0.post1", "1.1.dev1"});
  expect_ascending(pep440, {"2.0", "1!0.1", "1!1.0"});
  expect_ascending(pep440, {"1.0", "1.0+local", "1.0+local.1", "1.0+local.2", "1.0+1", "1.0.post1"});
  expect_ascending(pep440, {"1.0+abc.5", "1.0+abc.10", "1.0+abd"});
  expect_ascending(pep440, {"0.9", "0.10", "0.10.1", "1.0"});
  expect_same(pep440, "1.0", "1.0.0");
  expect_same(pep440, "1", "1.0.0.0");
  expect_same(pep440, "0!1.0", "1.0");
  expect_same(pep440, "v1.0", "1.0");
}

TEST(VersionOrder, Pep440SpellingsNormalize) {
  constexpr auto pep440 = VersionScheme::kPep440;
  expect_same(pep440, "1.0alpha1", "1.0a1");
  expect_same(pep440, "1.0-ALPHA.1", "1.0a1");
  expect_same(pep440, "1.0beta2", "1.0b2");
  expect_same(pep440, "1.0c1", "1.0rc1");
  expect_same(pep440, "1.0pre1", "1.0rc1");
  expect_same(pep440, "1.0preview1", "1.0rc1");
  expect_same(pep440, "1.0a", "1.0a0");
  expect_same(pep440, "1.0-1", "1.0.post1");
  expect_same(pep440, "1.0rev1", "1.0.post1");
  expect_same(pep440, "1.0r1", "1.0.post1");
  expect_same(pep440, "1.0.post", "1.0.post0");
  expect_same(pep440, "1.0-dev", "1.0.dev0");
  expect_same(pep440, "1.0+Ubuntu-1", "1.0+ubuntu.1");
  expect_same(pep440, "  V1.0RC1  ", "1.0rc1");
  expect_same(pep440, "1.01", "1.1");
}

TEST(VersionOrder, Pep440Validity) {
  constexpr auto pep440 = VersionScheme::kPep440;
  for (const auto version : {"1", "1.0", "2024.1.15", "1!2.0", "1.0a1", "1.0.post1.dev2", "1.0+abc.1", "v3.2"}) {
    EXPECT_TRUE(is_valid_version(pep440, version)) << version;
  }
  for (const auto version : {"", "a", "1.0x", "1.0+", "1.0+abc..1", "1!", "!1.0", "1.0.", "1.0 a1", "1.0-",
                             "1.0.dev1.a1", "1.0++a", "99999999999999999999.0"}) {
    EXPECT_FALSE(is_valid_version(pep440, version)) << version;
  }
}

TEST(VersionOrder, SemverPreReleasesAndBuilds) {
  constexpr auto semver = VersionScheme::kSemver;
  expect_ascending(semver, {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
                            "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"});
  expect_ascending(semver, {"1.9.0", "1.10.0", "1.10.1", "2.0.0-0", "2.0.0"});
  expect_ascending(semver, {"1.0.0-1", "1.0.0-2", "1.0.0-10", "1.0.0-a", "1.0.0-a-b"});
  expect_same(semver, "v1.2.3", "1.2.3");
  expect_same(semver, "1.0.0+build", "1.0.0");
  expect_same(semver, "1.0.0-rc.1+build.5", "1.0.0-rc.1+build.6");
}

TEST(VersionOrder, GoPseudoVersionsArePreReleases) {
  constexpr auto semver = VersionScheme::kSemver;
  expect_ascending(semver, {"v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-0123456789ab", "v0.0.1",
                            "v0.1.0-0.20210101000000-abcdefabcdef", "v0.1.0"});
  expect_ascending(semver, {"v1.2.3", "v1.2.4-0.20220101000000-abcdefabcdef", "v1.2.4"});
  expect_same(semver, "v2.0.0+incompatible", "v2.0.0");
}

TEST(VersionOrder, SemverValidity) {
  constexpr auto semver = VersionScheme::kSemver;
  for (const auto version : {"0.0.0", "v1.2.3", "1.2.3-alpha.1", "1.2.3+build.1-x", "1.0.0-x-y.0"}) {
    EXPECT_TRUE(is_valid_version(semver, version)) << version;
  }
  for (const auto version : {"", "1", "v1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.3-", "1.2.3-01", "1.2.3-a..b",
                             "1.2.3+", "1.2.3-a_b", "V1.2.3", " 1.2.3", "99999999999999999999.0.0"}) {
    EXPECT_FALSE(is_valid_version(semver, version)) << version;
  }
}

TEST(VersionOrder, InvalidVersionsSortAfterValidOnesByBytes) {
  for (const auto scheme : {VersionScheme::kDpkg, VersionScheme::kApk, VersionScheme::kRpm, VersionScheme::kPep440,
                            VersionScheme::kSemver}) {
    EXPECT_EQ(compare_versions(scheme, "1.0.0", "not a version!"), -1);
    EXPECT_EQ(compare_versions(scheme, "not a version!", "1.0.0"), 1);
    EXPECT_EQ(compare_versions(scheme, "not a version!", "not a version?"), -1);
    EXPECT_EQ(compare_versions(scheme, "not a version!", "not a version!"), 0);
  }
}

}  // namespace
}  // namespace pier::vuln
