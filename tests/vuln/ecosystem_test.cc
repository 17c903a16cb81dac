#include "vuln/ecosystem.h"

#include <gtest/gtest.h>

namespace pier::vuln {
namespace {

TEST(Ecosystem, OsvNamesSplitIntoEcosystemAndRelease) {
  EXPECT_EQ(parse_ecosystem("Debian:12"), (EcosystemRelease{Ecosystem::kDebian, "12"}));
  EXPECT_EQ(parse_ecosystem("Alpine:v3.19"), (EcosystemRelease{Ecosystem::kAlpine, "v3.19"}));
  EXPECT_EQ(parse_ecosystem("Rocky Linux:9"), (EcosystemRelease{Ecosystem::kRockyLinux, "9"}));
  EXPECT_EQ(parse_ecosystem("PyPI"), (EcosystemRelease{Ecosystem::kPyPI, ""}));
  EXPECT_FALSE(parse_ecosystem("crates.io"));
  EXPECT_FALSE(parse_ecosystem("debian:12"));
  EXPECT_EQ(osv_name(Ecosystem::kRedHat), "Red Hat");
  EXPECT_EQ(version_scheme(Ecosystem::kUbuntu), VersionScheme::kDpkg);
  EXPECT_EQ(version_scheme(Ecosystem::kAlmaLinux), VersionScheme::kRpm);
  EXPECT_EQ(version_scheme(Ecosystem::kGo), VersionScheme::kSemver);
}

}  // namespace
}  // namespace pier::vuln
