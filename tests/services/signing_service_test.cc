// The signing policy over real stores (an embedded database, a blob store in memory) with
// cosign signatures made by OpenSSL: what an enforced policy serves and refuses, and what
// another replica sharing the database sees.
#include "services/signing_service.h"

#include <gtest/gtest.h>

#include "auth/base64url.h"
#include "common/names.h"
#include "meta/sqlite/sqlite_lifecycle_store.h"
#include "meta/sqlite/sqlite_signature_store.h"
#include "meta/sqlite/sqlite_store.h"
#include "signing/gpg_keyring.h"
#include "storage/layout.h"
#include "storage/memory/memory_blob_store.h"
#include "signing/p256_key.h"
#include "test_dirs.h"

namespace pier::services {
namespace {

const std::string kImage = "application/vnd.oci.image.manifest.v1+json";
const std::string kIndex = "application/vnd.oci.image.index.v1+json";

using P256Key = testing::EcKey;

class SigningServiceTest : public ::testing::Test {
 protected:
  SigningServiceTest()
      : metadata_(meta::open_sqlite_store(dir_.path() / "pier.db")),
        lifecycle_(meta::open_sqlite_lifecycle_store(dir_.path() / "pier.db")),
        signatures_(meta::open_sqlite_signature_store(dir_.path() / "pier.db")),
        blob_store_(storage::make_memory_blob_store()),
        blobs_(*blob_store_, *metadata_, *lifecycle_, Clock::system(), std::chrono::seconds(60)),
        keyring_(dir_.path() / "gnupg"),
        signing_(*signatures_, *metadata_, blobs_, keyring_, Clock::system(), false) {}

  void store(const std::string& bytes) {
    const auto id = storage::new_upload_id();
    ASSERT_TRUE(blob_store_->create_upload(id));
    ASSERT_TRUE(blob_store_->append_upload(id).value()->append(bytes));
    ASSERT_TRUE(blob_store_->commit_upload(id, digest_of(bytes)));
    ASSERT_TRUE(metadata_->link_uploaded_blob(repo_, digest_of(bytes), bytes.size(), id, 1));
  }

  // An image with one filesystem layer; its digest.
  std::string push_image(std::string_view seed, std::vector<std::string> tags = {"v1"}) {
    const std::string layer = "layer of " + std::string(seed);
    store(layer);
    const std::string content = R"({"schemaVersion":2,"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":")" +
                                digest_of(layer).str() + R"(","size":)" + std::to_string(layer.size()) + "}]}";
    return put(content, kImage, {{digest_of(layer).str(), meta::ReferenceKind::kBlob, std::nullopt, "layers[0]"}},
               std::move(tags));
  }

  std::string put(const std::string& content, const std::string& media_type, std::vector<meta::ManifestReference> refs,
                  std::vector<std::string> tags, std::string subject = "") {
    meta::ManifestRecord record{digest_of(content).str(), media_type, content, "", std::move(subject), "", std::move(refs)};
    EXPECT_TRUE(metadata_->put_manifest(repo_, record, tags, 1));
    return record.digest;
  }

  // cosign's signature of `digest` (the payload naming `named`, `digest` unless given), as the
  // .sig tag's manifest or as a referrer.
  std::string sign(const std::string& digest, const P256Key& key, bool as_referrer,
                   std::optional<std::string> named = std::nullopt) {
    const std::string payload =
        R"({"critical":{"identity":{"docker-reference":"r/acme/app"},"image":{"docker-manifest-digest":")" +
        named.value_or(digest) + R"("},"type":"cosign container image signature"},"optional":null})";
    store(payload);
    const std::string content =
        R"({"schemaVersion":2,"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":")" +
        digest_of(payload).str() + R"(","size":)" + std::to_string(payload.size()) +
        R"(,"annotations":{"dev.cosignproject.cosign/signature":")" + auth::base64_encode(key.sign(payload)) +
        R"("}}])" + (as_referrer ? R"(,"subject":{"digest":")" + digest + R"("})" : std::string()) + "}";
    std::vector<meta::ManifestReference> refs{{digest_of(payload).str(), meta::ReferenceKind::kBlob, std::nullopt, "layers[0]"}};
    if (as_referrer) return put(content, kImage, refs, {}, digest);
    return put(content, kImage, refs, {signature_tag(Digest::parse(digest).value())});
  }

  Result<void> admit(const std::string& digest, SigningService& service) {
    auto manifest = metadata_->get_manifest(repo_, Digest::parse(digest).value()).value();
    EXPECT_TRUE(manifest.has_value());
    return service.admit(repo_, *manifest);
  }
  Result<void> admit(const std::string& digest) { return admit(digest, signing_); }

  void enforce_with(const P256Key& key) {
    ASSERT_TRUE(signing_.set_policy("acme", true, {{"cosign", key.public_pem()}}));
  }

  testing::TempDir dir_;
  std::unique_ptr<meta::MetadataStore> metadata_;
  std::unique_ptr<meta::LifecycleStore> lifecycle_;
  std::unique_ptr<meta::SignatureStore> signatures_;
  std::unique_ptr<storage::BlobStore> blob_store_;
  BlobService blobs_;
  signing::GpgKeyring keyring_;
  SigningService signing_;
  const std::string repo_ = "acme/app";
};

TEST_F(SigningServiceTest, WithoutAnEnforcedPolicyEverythingIsServed) {
  const auto image = push_image("a");
  EXPECT_TRUE(admit(image));
  P256Key key;
  ASSERT_TRUE(signing_.set_policy("acme", false, {{"cosign", key.public_pem()}}));
  EXPECT_FALSE(signing_.may_verify(repo_));
  EXPECT_TRUE(admit(image));
}

TEST_F(SigningServiceTest, AnEnforcedPolicyServesOnlyWhatATrustedKeySigned) {
  P256Key trusted, stranger;
  const auto unsigned_image = push_image("unsigned", {"u"});
  const auto by_tag = push_image("tag", {"t"});
  const auto by_referrer = push_image("referrer", {"r"});
  const auto by_stranger = push_image("stranger", {"s"});
  const auto misnamed = push_image("misnamed", {"m"});
  sign(by_tag, trusted, false);
  sign(by_referrer, trusted, true);
  sign(by_stranger, stranger, false);
  sign(misnamed, trusted, false, by_tag);  // a valid signature, of another image
  enforce_with(trusted);
  EXPECT_TRUE(signing_.may_verify(repo_));
  EXPECT_FALSE(signing_.may_verify("other/app"));

  auto refused = admit(unsigned_image);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kDenied);
  EXPECT_NE(refused.error().message.find("not signed by a key that namespace acme trusts"), std::string::npos);
  EXPECT_TRUE(admit(by_tag));
  EXPECT_TRUE(admit(by_referrer));
  EXPECT_FALSE(admit(by_stranger));
  EXPECT_FALSE(admit(misnamed));

  const auto views = signing_.signatures(repo_, Digest::parse(by_referrer).value()).value();
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0].type, "cosign");
  EXPECT_EQ(views[0].source, "referrer");
  EXPECT_TRUE(views[0].verified);
  EXPECT_EQ(views[0].key_id, signing_.policy("acme").value()->keys[0].key_id);
  const auto unverified = signing_.signatures(repo_, Digest::parse(by_stranger).value()).value();
  ASSERT_EQ(unverified.size(), 1u);
  EXPECT_FALSE(unverified[0].verified);
  EXPECT_TRUE(unverified[0].key_id.empty());

  // A key no longer trusted stops counting at once, though its images were just served.
  enforce_with(stranger);
  EXPECT_FALSE(admit(by_tag));
  EXPECT_TRUE(admit(by_stranger));
}

TEST_F(SigningServiceTest, SignatureManifestsAndTheChildrenOfASignedIndexAreServed) {
  P256Key key;
  const auto child = push_image("child", {});
  const auto orphan = push_image("orphan", {});
  const std::string index_content = R"({"schemaVersion":2,"manifests":[{"digest":")" + child + R"("}]})";
  const auto index = put(index_content, kIndex, {{child, meta::ReferenceKind::kManifest, std::nullopt, "manifests[0]"}},
                         {"multi"});
  const auto signature = sign(index, key, false);
  enforce_with(key);
  EXPECT_TRUE(admit(index));
  EXPECT_TRUE(admit(child));
  EXPECT_TRUE(admit(signature));
  EXPECT_FALSE(admit(orphan));
}

TEST_F(SigningServiceTest, ReplicasSeeAPolicyChangedByAnother) {
  P256Key key;
  const auto image = push_image("a");
  SigningService replica(*signatures_, *metadata_, blobs_, keyring_, Clock::system(), true);
  ASSERT_TRUE(replica.load());
  EXPECT_TRUE(admit(image, replica));
  enforce_with(key);
  EXPECT_FALSE(admit(image, replica));
  ASSERT_TRUE(signing_.set_policy("acme", false, {}));
  EXPECT_TRUE(admit(image, replica));
}

TEST_F(SigningServiceTest, PoliciesAreCheckedBeforeTheyAreStored) {
  P256Key key;
  auto empty = signing_.set_policy("acme", true, {});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::kBadRequest);
  auto wrong_type = signing_.set_policy("acme", false, {{"x509", key.public_pem()}});
  ASSERT_FALSE(wrong_type);
  EXPECT_NE(wrong_type.error().message.find("keys[0]"), std::string::npos);
  auto bad_key = signing_.set_policy("acme", false, {{"cosign", key.public_pem()}, {"gpg", "nonsense"}});
  ASSERT_FALSE(bad_key);
  EXPECT_NE(bad_key.error().message.find("keys[1]: gpg key"), std::string::npos);
  EXPECT_FALSE(signing_.policy("acme").value().has_value());
  // The same key twice is kept once.
  auto twice = signing_.set_policy("acme", false, {{"cosign", key.public_pem()}, {"cosign", key.public_pem()}});
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->keys.size(), 1u);
}

TEST_F(SigningServiceTest, ExtensionSignaturesAreNamedAfterTheirManifest) {
  const auto image = push_image("a");
  const auto digest = Digest::parse(image).value();
  EXPECT_TRUE(signing_.add_extension_signature(repo_, digest, image + "@" + std::string(32, 'c'), "bytes"));
  EXPECT_EQ(signing_.add_extension_signature(repo_, digest, image + "@" + std::string(32, 'c'), "bytes").error().code,
            ErrorCode::kBadRequest);
  EXPECT_EQ(signing_.add_extension_signature(repo_, digest, image + "@short", "bytes").error().code,
            ErrorCode::kBadRequest);
  EXPECT_EQ(signing_.add_extension_signature(repo_, digest, image + "@" + std::string(32, 'd'), "").error().code,
            ErrorCode::kBadRequest);
  const auto absent = digest_of("absent");
  EXPECT_EQ(signing_.extension_signatures(repo_, absent).error().code, ErrorCode::kManifestUnknown);
  EXPECT_EQ(signing_.extension_signatures(repo_, digest).value().size(), 1u);
}

}  // namespace
}  // namespace pier::services
