#include "vuln/layer_index.h"

#include <gtest/gtest.h>

#include "vuln/image_inventory.h"

namespace pier::vuln {
namespace {

LayerFindings findings_with(std::vector<LayerFile> files) {
  LayerFindings findings;
  findings.files = std::move(files);
  return findings;
}

constexpr auto kStatus = "Package: bash\nStatus: install ok installed\nVersion: 5.1-6ubuntu1\n\n";

TEST(LayerIndex, ParsesEachFileOnceAndRoundTripsThroughItsJson) {
  auto findings = findings_with({{"etc/os-release", "ID=ubuntu\nVERSION_ID=\"22.04\"\n"}, {"var/lib/dpkg/status", kStatus}});
  findings.removed_paths = {"usr/lib/python3/x.dist-info"};
  findings.opaque_dirs = {"opt/app"};
  const auto index = index_layer(findings);
  ASSERT_EQ(index.files.size(), 2u);
  EXPECT_EQ(index.files[0].kind, InventoryFile::kOsRelease);
  EXPECT_EQ(index.files[0].os_release->version_id, "22.04");
  EXPECT_EQ(index.files[1].packages.size(), 1u);
  EXPECT_EQ(parse_layer_index(layer_index_json(index)).value(), index);
  EXPECT_FALSE(parse_layer_index(R"({"files":[{"path":"x","kind":99,"packages":[]}],"removed_paths":[],"opaque_dirs":[]})"));
  EXPECT_FALSE(parse_layer_index("[]"));
}

TEST(LayerIndex, DpkgPackagesBelongToTheDistributionOsReleaseNamesInAnyLayer) {
  const std::vector<LayerIndex> layers{index_layer(findings_with({{"var/lib/dpkg/status", kStatus}})),
                                       index_layer(findings_with({{"etc/os-release", "ID=ubuntu\nVERSION_ID=22.04\n"}}))};
  const auto inventory = inventory_of(layers);
  EXPECT_EQ(inventory.os, (EcosystemRelease{Ecosystem::kUbuntu, "22.04"}));
  ASSERT_EQ(inventory.packages.size(), 1u);
  EXPECT_EQ(inventory.packages[0].ecosystem, Ecosystem::kUbuntu);
  EXPECT_EQ(parse_inventory(inventory_json(inventory)).value(), inventory);
  EXPECT_EQ(osv_ecosystem_name(*inventory.os), "Ubuntu:22.04");
}

}  // namespace
}  // namespace pier::vuln
