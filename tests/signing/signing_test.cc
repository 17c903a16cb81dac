// The signing primitives: simple-signing payloads, cosign keys and signatures (OpenSSL), GPG
// keys and signed messages (GPGME, with keys and signatures made by the gpg command), and
// what signature manifests look like.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "auth/base64url.h"
#include "common/names.h"
#include "signing/cosign_key.h"
#include "signing/gpg_keyring.h"
#include "signing/signature_manifest.h"
#include "signing/simple_signing.h"
#include "signing/p256_key.h"
#include "test_dirs.h"

namespace pier::signing {
namespace {

std::string payload_for(std::string_view digest, std::string_view type = kCosignSignatureType) {
  return R"({"critical":{"identity":{"docker-reference":"example.com/acme/app"},"image":{"docker-manifest-digest":")" +
         std::string(digest) + R"("},"type":")" + std::string(type) + R"("},"optional":null})";
}

using testing::EcKey;

TEST(SimpleSigning, ReadsTheCriticalSection) {
  const auto parsed = parse_simple_signing(payload_for("sha256:abc", kAtomicSignatureType));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->type, kAtomicSignatureType);
  EXPECT_EQ(parsed->manifest_digest, "sha256:abc");
  EXPECT_EQ(parsed->docker_reference, "example.com/acme/app");
  EXPECT_FALSE(parse_simple_signing("not json"));
  EXPECT_FALSE(parse_simple_signing(R"({"critical":{"type":"x"}})"));
  EXPECT_FALSE(parse_simple_signing(R"({"critical":{"type":1,"image":{"docker-manifest-digest":"d"}}})"));
}

TEST(CosignKey, IdentifiesAndVerifiesP256Keys) {
  EcKey key;
  auto parsed = CosignKey::parse(key.public_pem());
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_TRUE(parsed->key_id().starts_with("sha256:"));
  EXPECT_EQ(parsed->key_id(), CosignKey::parse("\n" + key.public_pem() + "\n")->key_id());
  const auto payload = payload_for("sha256:abc");
  const auto signature = key.sign(payload);
  EXPECT_TRUE(parsed->verifies(payload, signature));
  EXPECT_FALSE(parsed->verifies(payload + " ", signature));
  EXPECT_FALSE(parsed->verifies(payload, "garbage"));
  EcKey other;
  EXPECT_FALSE(CosignKey::parse(other.public_pem())->verifies(payload, signature));
}

TEST(CosignKey, RefusesWhatIsNotAP256PublicKey) {
  EXPECT_NE(CosignKey::parse("nonsense").error().message.find("not a PEM public key"), std::string::npos);
  EXPECT_NE(CosignKey::parse(EcKey("P-384").public_pem()).error().message.find("P-256"), std::string::npos);
  EXPECT_NE(CosignKey::parse("-----BEGIN EC PRIVATE KEY-----\n").error().message.find("private key"),
            std::string::npos);
}

TEST(SignatureManifest, FindsCosignSignatureLayers) {
  const std::string manifest = R"({"schemaVersion":2,"layers":[
    {"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"sha256:)" + std::string(64, 'a') +
                               R"(","size":3,"annotations":{"dev.cosignproject.cosign/signature":"c2ln"}},
    {"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"sha256:)" + std::string(64, 'b') +
                               R"(","size":3},
    {"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:)" + std::string(64, 'c') +
                               R"(","size":3,"annotations":{"dev.cosignproject.cosign/signature":"c2ln"}}]})";
  const auto layers = cosign_signature_layers(manifest);
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(layers[0].payload_digest, "sha256:" + std::string(64, 'a'));
  EXPECT_EQ(layers[0].signature, "sig");
  EXPECT_TRUE(cosign_signature_layers("[]").empty());
}

TEST(SignatureManifest, OnlyImagesAndIndexesAreRunnable) {
  EXPECT_TRUE(is_runnable("application/vnd.oci.image.manifest.v1+json",
                          R"({"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip"}]})"));
  EXPECT_TRUE(is_runnable("application/vnd.docker.distribution.manifest.v2+json",
                          R"({"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip"}]})"));
  EXPECT_TRUE(is_runnable("application/vnd.oci.image.index.v1+json", R"({"manifests":[]})"));
  EXPECT_FALSE(is_runnable("application/vnd.oci.image.manifest.v1+json",
                           R"({"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json"}]})"));
  EXPECT_FALSE(is_runnable("application/vnd.oci.image.manifest.v1+json", R"({"layers":[]})"));
  EXPECT_TRUE(is_runnable("application/vnd.oci.image.manifest.v1+json", "not json"));
}

TEST(AttachmentTags, NameTheManifestTheyBelongTo) {
  const auto digest = digest_of("image");
  const std::string stem = "sha256-" + std::string(digest.hex());
  EXPECT_EQ(signature_tag(digest), stem + ".sig");
  EXPECT_EQ(attachment_tags(digest), (std::vector<std::string>{stem + ".sig", stem + ".att", stem + ".sbom"}));
  EXPECT_EQ(attached_to(stem + ".att"), digest.str());
  EXPECT_FALSE(attached_to("v1.sig"));
  EXPECT_FALSE(attached_to("sha256-abc.sig"));
  EXPECT_FALSE(attached_to(stem));
}

// A GnuPG home of the test's own, driven by the gpg command.
class Gpg {
 public:
  explicit Gpg(std::filesystem::path home) : home_(std::move(home)) {
    std::filesystem::create_directories(home_);
    std::filesystem::permissions(home_, std::filesystem::perms::owner_all);
  }
  ~Gpg() { run("gpgconf --homedir '" + home_.string() + "' --kill all"); }

  std::string new_key(const std::string& name) {
    gpg("--quick-gen-key '" + name + " <" + name + "@example.com>' rsa2048 sign never");
    run("gpg --homedir '" + home_.string() + "' --with-colons --list-keys " + name +
        "@example.com 2>/dev/null | awk -F: '/^fpr/{print $10; exit}' > '" + (home_ / "fpr").string() + "'");
    auto fingerprint = read(home_ / "fpr");
    while (!fingerprint.empty() && fingerprint.back() == '\n') fingerprint.pop_back();
    return fingerprint;
  }
  std::string public_key(const std::string& fingerprint) {
    gpg("--armor --export " + fingerprint + " > '" + (home_ / "pub.asc").string() + "'");
    return read(home_ / "pub.asc");
  }
  std::string sign(const std::string& fingerprint, const std::string& data) {
    std::ofstream(home_ / "data") << data;
    std::filesystem::remove(home_ / "data.gpg");
    gpg("--local-user " + fingerprint + " --output '" + (home_ / "data.gpg").string() + "' --sign '" +
        (home_ / "data").string() + "'");
    return read(home_ / "data.gpg");
  }

 private:
  static void run(const std::string& command) { ASSERT_EQ(std::system((command + " 2>/dev/null").c_str()), 0) << command; }
  void gpg(const std::string& args) {
    run("gpg --homedir '" + home_.string() + "' --batch --pinentry-mode loopback --passphrase '' " + args);
  }
  static std::string read(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream out;
    out << in.rdbuf();
    return out.str();
  }
  std::filesystem::path home_;
};

TEST(GpgKeyring, VerifiesSignedMessagesByImportedKeys) {
  testing::TempDir dir;
  Gpg signer_home(dir.path() / "s");
  const auto trusted = signer_home.new_key("trusted");
  const auto stranger = signer_home.new_key("stranger");
  GpgKeyring keyring(dir.path() / "k");

  auto imported = keyring.import(signer_home.public_key(trusted));
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_EQ(*imported, std::vector<std::string>{trusted});

  const auto payload = payload_for("sha256:abc", kAtomicSignatureType);
  const auto good = keyring.verify(signer_home.sign(trusted, payload));
  EXPECT_TRUE(good.good);
  EXPECT_EQ(good.signer, trusted);
  EXPECT_EQ(good.signed_data, payload);

  // A key the keyring lacks: not good, and the signer named by its key id (the fingerprint's tail).
  const auto unknown = keyring.verify(signer_home.sign(stranger, payload));
  EXPECT_FALSE(unknown.good);
  EXPECT_FALSE(unknown.signer.empty());
  EXPECT_TRUE(stranger.ends_with(unknown.signer)) << unknown.signer;

  auto tampered = signer_home.sign(trusted, payload);
  tampered[tampered.size() / 2] ^= 0x01;
  EXPECT_FALSE(keyring.verify(tampered).good);
  EXPECT_FALSE(keyring.verify("not a signature").good);
}

TEST(GpgKeyring, RefusesSecretKeysAndText) {
  testing::TempDir dir;
  GpgKeyring keyring(dir.path() / "k");
  EXPECT_EQ(keyring.import("hello").error().code, ErrorCode::kBadRequest);
  EXPECT_NE(keyring.import("-----BEGIN PGP PRIVATE KEY BLOCK-----\n").error().message.find("secret key"),
            std::string::npos);
  EXPECT_EQ(keyring.import("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n")
                .error().code,
            ErrorCode::kBadRequest);
}

}  // namespace
}  // namespace pier::signing
