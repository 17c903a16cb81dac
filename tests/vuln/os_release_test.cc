#include "vuln/os_release.h"

#include <gtest/gtest.h>

#include "vuln/image_fixture.h"

namespace pier::vuln {
namespace {

std::optional<EcosystemRelease> distribution_in(std::string_view text) {
  return distribution_of(parse_os_release(text));
}

TEST(OsRelease, FieldsWithoutQuotes) {
  EXPECT_EQ(parse_os_release(testing::kDebianOsRelease), (OsRelease{"debian", "12", "bookworm"}));
  EXPECT_EQ(parse_os_release("# comment\nID='rocky'\r\nVERSION_ID = \"9.3\"\nVERSION_CODENAME=\"a\\\"b\"\nnonsense\n"),
            (OsRelease{"rocky", "9.3", "a\"b"}));
  EXPECT_EQ(parse_os_release(""), OsRelease{});
}

TEST(OsRelease, Distributions) {
  EXPECT_EQ(distribution_in(testing::kDebianOsRelease), (EcosystemRelease{Ecosystem::kDebian, "12"}));
  EXPECT_EQ(distribution_in("ID=debian\nVERSION_ID=\"11.9\"\n"), (EcosystemRelease{Ecosystem::kDebian, "11"}));
  EXPECT_EQ(distribution_in("ID=debian\nVERSION_CODENAME=trixie\n"), (EcosystemRelease{Ecosystem::kDebian, "13"}));
  EXPECT_EQ(distribution_in("ID=debian\n"), (EcosystemRelease{Ecosystem::kDebian, ""}));
  EXPECT_EQ(distribution_in("ID=ubuntu\nVERSION_ID=\"22.04\"\nVERSION_CODENAME=jammy\nID_LIKE=debian\n"),
            (EcosystemRelease{Ecosystem::kUbuntu, "22.04"}));
  EXPECT_EQ(distribution_in("ID=alpine\nVERSION_ID=3.19.1\n"), (EcosystemRelease{Ecosystem::kAlpine, "v3.19"}));
  EXPECT_EQ(distribution_in("ID=alpine\nVERSION_ID=3.20.0_alpha20240329\n"),
            (EcosystemRelease{Ecosystem::kAlpine, "v3.20"}));
  EXPECT_EQ(distribution_in("ID=\"rhel\"\nVERSION_ID=\"9.3\"\n"), (EcosystemRelease{Ecosystem::kRedHat, "9"}));
  EXPECT_EQ(distribution_in("ID=\"rocky\"\nVERSION_ID=\"8.9\"\n"), (EcosystemRelease{Ecosystem::kRockyLinux, "8"}));
  EXPECT_EQ(distribution_in("ID=\"almalinux\"\nVERSION_ID=\"9.3\"\n"),
            (EcosystemRelease{Ecosystem::kAlmaLinux, "9"}));
  EXPECT_FALSE(distribution_in("ID=fedora\nVERSION_ID=39\n"));
  EXPECT_FALSE(distribution_in(""));
}

}  // namespace
}  // namespace pier::vuln
