#include "vuln/spdx.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace pier::vuln {
namespace {

namespace json = boost::json;

TEST(PackageUrl, NamesEachEcosystemsPackagesAsPurlDoes) {
  const std::optional<EcosystemRelease> debian{EcosystemRelease{Ecosystem::kDebian, "12"}};
  EXPECT_EQ(package_url({Ecosystem::kDebian, "libssl3", "1:3.0.11-1", "", "", ""}, debian),
            "pkg:deb/debian/libssl3@1%3A3.0.11-1?distro=debian-12");
  EXPECT_EQ(package_url({Ecosystem::kAlpine, "musl", "1.2.4-r2", "", "", ""}, std::nullopt), "pkg:apk/alpine/musl@1.2.4-r2");
  EXPECT_EQ(package_url({Ecosystem::kPyPI, "Requests", "2.31.0", "", "", ""}, debian), "pkg:pypi/requests@2.31.0");
  EXPECT_EQ(package_url({Ecosystem::kNpm, "@types/node", "20.1.0", "", "", ""}, debian), "pkg:npm/%40types/node@20.1.0");
  EXPECT_EQ(package_url({Ecosystem::kGo, "golang.org/x/net", "v0.17.0", "", "", ""}, debian),
            "pkg:golang/golang.org/x/net@v0.17.0");
  EXPECT_EQ(package_url({Ecosystem::kRockyLinux, "bash", "5.1.8-6.el9", "", "", ""},
                        EcosystemRelease{Ecosystem::kRockyLinux, "9"}),
            "pkg:rpm/rocky/bash@5.1.8-6.el9?distro=rocky-9");
}

TEST(Spdx, TheImageContainsEachPackage) {
  ImageInventory inventory{EcosystemRelease{Ecosystem::kDebian, "12"},
                           {{Ecosystem::kDebian, "bash", "5.2.15-2+b2", "", "", "var/lib/dpkg/status"},
                            {Ecosystem::kPyPI, "requests", "2.31.0", "", "", "usr/lib/python3/x.dist-info/METADATA"}}};
  const auto text = spdx_document("acme/app", "sha256:ab", inventory, 0);
  EXPECT_EQ(text, spdx_document("acme/app", "sha256:ab", inventory, 0));  // the same bytes each time
  const auto document = json::parse(text).as_object();
  EXPECT_EQ(document.at("spdxVersion"), "SPDX-2.3");
  EXPECT_EQ(document.at("dataLicense"), "CC0-1.0");
  EXPECT_EQ(document.at("name"), "acme/app@sha256:ab");
  EXPECT_EQ(document.at("creationInfo").at("created"), "1970-01-01T00:00:00Z");
  const auto& packages = document.at("packages").as_array();
  ASSERT_EQ(packages.size(), 3u);
  EXPECT_EQ(packages[0].at("SPDXID"), "SPDXRef-Image");
  EXPECT_EQ(packages[1].at("name"), "bash");
  EXPECT_EQ(packages[1].at("versionInfo"), "5.2.15-2+b2");
  EXPECT_EQ(packages[1].at("externalRefs").at(0).at("referenceLocator"), "pkg:deb/debian/bash@5.2.15-2%2Bb2?distro=debian-12");
  EXPECT_EQ(packages[2].at("sourceInfo"), "listed in /usr/lib/python3/x.dist-info/METADATA");
  const auto& relationships = document.at("relationships").as_array();
  ASSERT_EQ(relationships.size(), 3u);
  EXPECT_EQ(relationships[0].at("relationshipType"), "DESCRIBES");
  EXPECT_EQ(relationships[2].at("relationshipType"), "CONTAINS");
  EXPECT_EQ(relationships[2].at("relatedSpdxElement"), packages[2].at("SPDXID"));
}

}  // namespace
}  // namespace pier::vuln
