// One suite for every SignatureStore implementation, each beside the MetadataStore and the
// LifecycleStore of the same database: signing policies, the signatures of the API extension,
// and the attachment tags that go with the manifest they belong to.
#include "meta/signature_store.h"

#include <gtest/gtest.h>

#include <functional>

#include "common/names.h"
#include "meta/lifecycle_store.h"
#include "meta/metadata_store.h"
#include "meta/postgres/pg_lifecycle_store.h"
#include "meta/postgres/pg_signature_store.h"
#include "meta/postgres/pg_store.h"
#include "meta/sqlite/sqlite_lifecycle_store.h"
#include "meta/sqlite/sqlite_signature_store.h"
#include "meta/sqlite/sqlite_store.h"
#include "pg_server.h"
#include "test_dirs.h"

namespace pier::meta {
namespace {

struct Stores {
  std::unique_ptr<MetadataStore> metadata;
  std::unique_ptr<SignatureStore> signatures;
  std::unique_ptr<LifecycleStore> lifecycle;
};

struct Backend {
  std::string name;
  std::function<Stores(const std::filesystem::path&)> make;
};

void PrintTo(const Backend& backend, std::ostream* out) { *out << backend.name; }

Digest d(std::string_view content) { return digest_of(content); }
const std::string kImage = "application/vnd.oci.image.manifest.v1+json";

class SignatureStoreSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto stores = GetParam().make(dir_.path());
    metadata_ = std::move(stores.metadata);
    signatures_ = std::move(stores.signatures);
    lifecycle_ = std::move(stores.lifecycle);
  }

  // Stores a manifest of `repo_` with no references, tagged `tags`.
  std::string put(std::string_view content, std::vector<std::string> tags = {}, std::string subject = "") {
    ManifestRecord record{d(content).str(), kImage, std::string(content), "", std::move(subject), "", {}};
    EXPECT_TRUE(metadata_->put_manifest(repo_, record, tags, 1));
    return record.digest;
  }

  bool stored(std::string_view digest) {
    return metadata_->get_manifest(repo_, Digest::parse(digest).value()).value().has_value();
  }

  testing::TempDir dir_;
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<SignatureStore> signatures_;
  std::unique_ptr<LifecycleStore> lifecycle_;
  const std::string repo_ = "acme/app";
};

TEST_P(SignatureStoreSuite, PolicyIsReplacedWholeAndRemoved) {
  EXPECT_FALSE(signatures_->signing_policy("acme").value().has_value());
  SigningPolicy policy{true, {{"gpg", "ABCD", "-----BEGIN PGP PUBLIC KEY BLOCK-----"}, {"cosign", "sha256:00", "PEM"}}};
  ASSERT_TRUE(signatures_->set_signing_policy("acme", policy, 5));
  EXPECT_EQ(signatures_->signing_policy("acme").value(), policy);
  EXPECT_EQ(signatures_->enforcing_namespaces().value(), std::vector<std::string>{"acme"});

  SigningPolicy relaxed{false, {{"cosign", "sha256:00", "PEM"}}};
  ASSERT_TRUE(signatures_->set_signing_policy("acme", relaxed, 6));
  EXPECT_EQ(signatures_->signing_policy("acme").value(), relaxed);
  EXPECT_TRUE(signatures_->enforcing_namespaces().value().empty());
  EXPECT_FALSE(signatures_->signing_policy("other").value().has_value());

  ASSERT_TRUE(signatures_->set_signing_policy("acme", std::nullopt, 7));
  EXPECT_FALSE(signatures_->signing_policy("acme").value().has_value());
}

TEST_P(SignatureStoreSuite, ExtensionSignaturesBelongToTheirManifest) {
  const auto image = put("image", {"v1"});
  const auto digest = Digest::parse(image).value();
  const std::string name = image + "@" + std::string(32, 'a');
  // A binary signature survives the round trip byte for byte.
  const std::string content("\x00\xff\x01signature", 12);
  EXPECT_TRUE(signatures_->add_manifest_signature(repo_, digest, {name, content, 3}).value());
  EXPECT_FALSE(signatures_->add_manifest_signature(repo_, d("absent"), {name, content, 3}).value());
  EXPECT_FALSE(signatures_->add_manifest_signature("acme/none", digest, {name, content, 3}).value());
  auto taken = signatures_->add_manifest_signature(repo_, digest, {name, "other", 4});
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, ErrorCode::kBadRequest);

  auto listed = signatures_->manifest_signatures(repo_, digest).value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].name, name);
  EXPECT_EQ(listed[0].content, content);
  EXPECT_EQ(listed[0].created_at, 3);

  ASSERT_TRUE(metadata_->delete_manifest(repo_, digest, 9).value());
  EXPECT_TRUE(signatures_->manifest_signatures(repo_, digest).value().empty());
}

TEST_P(SignatureStoreSuite, IndexesListingAManifest) {
  const auto child = put("child");
  ManifestRecord index{d("index").str(), "application/vnd.oci.image.index.v1+json", "index", "", "", "",
                       {{child, ReferenceKind::kManifest, std::nullopt, "manifests[0]"}}};
  ASSERT_TRUE(metadata_->put_manifest(repo_, index, {"multi"}, 1));
  EXPECT_EQ(signatures_->indexes_listing(repo_, Digest::parse(child).value()).value(),
            std::vector<std::string>{index.digest});
  EXPECT_TRUE(signatures_->indexes_listing(repo_, Digest::parse(index.digest).value()).value().empty());
}

TEST_P(SignatureStoreSuite, DeletingAManifestTakesItsAttachmentTagsAndWhatOnlyTheyReach) {
  const auto image = put("image", {"v1"});
  const auto digest = Digest::parse(image).value();
  const auto tags = attachment_tags(digest);  // .sig, .att, .sbom
  const auto signature = put("signature", {tags[0]});
  const auto attestation = put("attestation", {tags[1], "kept"});  // tagged otherwise too
  const auto unrelated = put("unrelated", {"sha256-" + std::string(64, '0') + ".sig"});

  ASSERT_TRUE(metadata_->delete_manifest(repo_, digest, 10).value());
  EXPECT_FALSE(stored(signature));
  EXPECT_TRUE(stored(attestation));
  EXPECT_TRUE(stored(unrelated));
  EXPECT_FALSE(metadata_->get_tagged_manifest(repo_, tags[1]).value().has_value());
  const auto history = metadata_->tag_history(repo_, tags[0]).value();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history.back().old_digest, signature);
  EXPECT_TRUE(history.back().new_digest.empty());
}

TEST_P(SignatureStoreSuite, CollectingAnImageTakesItsSignatureManifest) {
  const auto image = put("image", {"v1"});
  const auto digest = Digest::parse(image).value();
  const auto signature = put("signature", {signature_tag(digest)});
  ASSERT_TRUE(metadata_->delete_tag(repo_, "v1", 2));
  std::int64_t repository_id = 0;
  for (const auto& repository : lifecycle_->repositories_with_untagged_manifests(0, 10).value()) {
    if (repository.name == repo_) repository_id = repository.id;
  }
  ASSERT_NE(repository_id, 0);
  // The history window has passed and the grace too: the image goes, and its signature with it.
  EXPECT_EQ(lifecycle_->delete_unreachable_manifests(repository_id, {image}, 100, 100, 200).value(), 2u);
  EXPECT_FALSE(stored(image));
  EXPECT_FALSE(stored(signature));
}

INSTANTIATE_TEST_SUITE_P(
    Backends, SignatureStoreSuite,
    ::testing::Values(Backend{"sqlite",
                              [](const std::filesystem::path& dir) {
                                const auto path = dir / "pier.db";
                                return Stores{open_sqlite_store(path), open_sqlite_signature_store(path),
                                              open_sqlite_lifecycle_store(path)};
                              }},
                      Backend{"postgres",
                              [](const std::filesystem::path&) {
                                const auto url = testing::PostgresServer::shared().create_database();
                                return Stores{open_postgres_store(url), open_postgres_signature_store(url),
                                              open_postgres_lifecycle_store(url)};
                              }}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace pier::meta
