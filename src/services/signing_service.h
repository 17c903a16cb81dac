// services/signing_service.h: image signatures, the keys namespaces trust, and the signing
// policy that refuses to serve what no trusted key signed.
//
// A manifest's signatures come three ways: GPG signatures stored through the registry's
// signature API extension (containers/image's "atomic" signatures), and cosign signatures
// in the manifest tagged "sha256-<hex>.sig" or in a referrer whose subject it is. Each is
// verified against the keys of the repository's namespace: GPG with GPGME, cosign's ECDSA
// P-256 with OpenSSL, and in both the signed payload must name the manifest's digest.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/clock.h"
#include "common/digest.h"
#include "common/error.h"
#include "meta/metadata_store.h"
#include "meta/signature_store.h"
#include "services/blob_service.h"

namespace pier::signing {
class GpgKeyring;
}

namespace pier::services {

// A signature of a manifest as the API shows it.
struct SignatureView {
  std::string type;    // "gpg" or "cosign"
  std::string key_id;  // the trusted key that verified it; else the signer's key id (GPG) or empty
  bool verified = false;
  std::string source;  // "extension", "tag" or "referrer"
  std::string name;    // the extension signature's name, or the digest of the manifest holding it
};

struct KeyInput {
  std::string type;
  std::string public_key;
};

class SigningService {
 public:
  static constexpr std::size_t kMaxSignaturesPerManifest = 64;
  static constexpr std::size_t kMaxSignatureBytes = 256 * 1024;
  static constexpr std::size_t kMaxKeys = 32;

  // `shared`: other processes write the same database (MetadataStore::shared_with_other_processes),
  // so every policy is read from it on each use rather than kept.
  SigningService(meta::SignatureStore& store, meta::MetadataStore& metadata, BlobService& blobs,
                 signing::GpgKeyring& keyring, Clock& clock, bool shared);

  // Reads which namespaces enforce their policy (called once before serving).
  Result<void> load();

  Result<std::optional<meta::SigningPolicy>> policy(std::string_view namespace_name);
  // Checks and identifies each key (kBadRequest naming the bad one), then replaces the policy.
  Result<meta::SigningPolicy> set_policy(std::string_view namespace_name, bool enforce, const std::vector<KeyInput>& keys);
  Result<void> remove_policy(std::string_view namespace_name);

  // The API extension's signatures of a manifest; kManifestUnknown if it is not in `repository`.
  Result<std::vector<meta::StoredSignature>> extension_signatures(std::string_view repository, const Digest& digest);
  // Stores one, named "<digest>@<name>" by the client. kManifestUnknown, kBadRequest (a name
  // taken or malformed, too many or too large signatures).
  Result<void> add_extension_signature(std::string_view repository, const Digest& digest, std::string_view name,
                                       std::string_view content);

  // Every signature of the manifest, each verified against its namespace's keys.
  Result<std::vector<SignatureView>> signatures(std::string_view repository, const Digest& digest);

  // Whether serving a manifest of `repository` may have to verify a signature (gpg runs).
  bool may_verify(std::string_view repository) const;
  // kDenied, saying why, if the namespace enforces its policy and `manifest` (an image or an
  // index) carries no valid signature by a trusted key and no signed index lists it.
  Result<void> admit(std::string_view repository, const meta::StoredManifest& manifest);

 private:
  struct Trust;
  // An enforced policy with its parsed keys; `fingerprint` names the key set.
  struct Enforced {
    std::shared_ptr<const Trust> trust;
    std::string fingerprint;
  };
  // nullptr when the namespace enforces no policy.
  Result<std::shared_ptr<const Enforced>> enforced(std::string_view namespace_name);
  bool admitted_recently(const std::string& key);
  void remember_admitted(const std::string& key);
  std::shared_ptr<const Trust> trust_of(const meta::SigningPolicy& policy);
  Result<std::vector<SignatureView>> verify_all(std::string_view repository, const Digest& digest, const Trust& trust,
                                                bool stop_at_first_verified);
  Result<bool> signed_by_trusted(std::string_view repository, const Digest& digest, const Trust& trust);
  SignatureView verify_gpg(std::string_view content, const Digest& digest, const Trust& trust);
  Result<void> add_cosign_views(const Digest& digest, const meta::StoredManifest& holder,
                                std::string_view source, const Trust& trust, std::vector<SignatureView>& views);
  void remember_enforcing(std::string_view namespace_name, bool enforce);

  meta::SignatureStore& store_;
  meta::MetadataStore& metadata_;
  BlobService& blobs_;
  signing::GpgKeyring& keyring_;
  Clock& clock_;
  const bool shared_;

  // Each enforced policy, parsed, when this process sees every change (not shared).
  std::mutex policies_mutex_;
  std::unordered_map<std::string, std::shared_ptr<const Enforced>> policies_;
  // Manifests recently found signed, by key set, repository and digest: pulls of one image come
  // in bursts. A signature deleted stops counting within kAdmittedFor; a key removed, at once.
  static constexpr std::chrono::seconds kAdmittedFor{5};
  static constexpr std::size_t kMaxAdmitted = 10000;
  std::mutex admitted_mutex_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> admitted_;

  mutable std::shared_mutex enforcing_mutex_;
  std::unordered_set<std::string> enforcing_;  // this process's view; exact when not shared
  std::atomic<bool> any_enforcing_{false};

  struct GpgOutcome {
    bool good = false;
    std::string signer;
    std::string signed_data;
  };
  std::mutex gpg_mutex_;
  std::unordered_set<std::string> imported_keys_;                  // key ids in the keyring
  std::uint64_t keyring_generation_ = 0;                           // bumped by every import
  std::unordered_map<std::string, GpgOutcome> gpg_outcomes_;       // by content digest and generation
};

}  // namespace pier::services
