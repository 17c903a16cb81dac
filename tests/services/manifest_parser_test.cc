#include "services/manifest_parser.h"

#include <gtest/gtest.h>

namespace pier::services {
namespace {

const std::string kConfig = "sha256:" + std::string(64, 'c');
const std::string kLayer = "sha256:" + std::string(64, 'a');
const std::string kSubject = "sha256:" + std::string(64, 'e');

std::string image(std::string extra = "") {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
         R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
         kConfig + R"(","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":")" +
         kLayer + R"(","size":3}])" + extra + "}";
}

TEST(ManifestParser, ImageManifestReferencesConfigAndLayers) {
  auto m = parse_manifest(image(), "");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->media_type, "application/vnd.oci.image.manifest.v1+json");
  ASSERT_EQ(m->references.size(), 2u);
  EXPECT_EQ(m->artifact_type, "application/vnd.oci.image.config.v1+json");
  EXPECT_TRUE(m->subject.empty());
}

TEST(ManifestParser, SubjectArtifactTypeAndAnnotations) {
  auto m = parse_manifest(image(R"(,"artifactType":"application/x-sig","subject":{"mediaType":)"
                                R"("application/vnd.oci.image.manifest.v1+json","digest":")" +
                                kSubject + R"(","size":9},"annotations":{"k":"v"})"),
                          "application/vnd.oci.image.manifest.v1+json");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->artifact_type, "application/x-sig");
  EXPECT_EQ(m->subject, kSubject);
  EXPECT_EQ(m->annotations_json, R"({"k":"v"})");
}

TEST(ManifestParser, IndexReferencesManifests) {
  auto m = parse_manifest(R"({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
                          R"("digest":")" + kLayer + R"(","size":5,"platform":{"os":"linux","architecture":"arm64"}}]})",
                          "application/vnd.oci.image.index.v1+json");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->media_type, "application/vnd.oci.image.index.v1+json");
  ASSERT_EQ(m->references.size(), 1u);
  EXPECT_EQ(m->references[0].kind, meta::ReferenceKind::kManifest);
}

TEST(ManifestParser, DockerTypesAndForeignLayers) {
  auto m = parse_manifest(
      R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
      R"("config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":")" + kConfig +
          R"(","size":2},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",)"
          R"("digest":")" + kLayer + R"(","size":3,"urls":["https://example.invalid/layer"]}]})",
      "application/vnd.docker.distribution.manifest.v2+json");
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->references.size(), 1u);  // the foreign layer is not stored here
}

TEST(ManifestParser, RejectsInvalidManifests) {
  for (const std::string& bad : {std::string("not json"), std::string("[]"), std::string(R"({"schemaVersion":1})"),
                                 std::string(R"({"schemaVersion":2,"mediaType":"text/plain","layers":[]})"),
                                 std::string(R"({"schemaVersion":2,"config":{"digest":"sha256:x","size":1,"mediaType":"a"},"layers":[]})"),
                                 std::string(R"({"schemaVersion":2,"config":{"mediaType":"a","digest":")") + kConfig + R"(","size":-1},"layers":[]})",
                                 std::string(R"({"schemaVersion":2,"manifests":{}})"), image(R"(,"annotations":{"k":1})")}) {
    auto m = parse_manifest(bad, "");
    ASSERT_FALSE(m) << bad;
    EXPECT_EQ(m.error().code, ErrorCode::kManifestInvalid) << bad;
  }
}

TEST(ManifestParser, ContentTypeMustAgreeWithMediaType) {
  auto m = parse_manifest(image(), "application/vnd.docker.distribution.manifest.v2+json");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kManifestInvalid);
}

}  // namespace
}  // namespace pier::services
