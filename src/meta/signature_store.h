// meta/signature_store.h: what image signing keeps: each namespace's signing policy with its
// trusted keys, and the signatures clients store through the registry's signature API
// extension (cosign signatures are manifests, kept by MetadataStore like any other).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/digest.h"
#include "common/error.h"

namespace pier::meta {

struct TrustedKey {
  std::string type;        // "gpg" or "cosign"
  std::string key_id;      // the GPG primary key's fingerprint, or "sha256:<hex>" of a cosign key
  std::string public_key;  // as given: ASCII-armored or PEM
  friend bool operator==(const TrustedKey&, const TrustedKey&) = default;
};

struct SigningPolicy {
  bool enforce = false;
  std::vector<TrustedKey> keys;  // in the order given
  friend bool operator==(const SigningPolicy&, const SigningPolicy&) = default;
};

// A signature stored through the API extension: its client-chosen name ("<digest>@<32 hex>")
// and its bytes (an OpenPGP signed message).
struct StoredSignature {
  std::string name;
  std::string content;
  std::int64_t created_at = 0;
};

class SignatureStore {
 public:
  virtual ~SignatureStore() = default;

  // nullopt when the namespace has none.
  virtual Result<std::optional<SigningPolicy>> signing_policy(std::string_view namespace_name) = 0;
  // Replaces the namespace's policy; nullopt removes it.
  virtual Result<void> set_signing_policy(std::string_view namespace_name, const std::optional<SigningPolicy>& policy,
                                          std::int64_t now) = 0;
  // The namespaces whose policy is enforced, by name.
  virtual Result<std::vector<std::string>> enforcing_namespaces() = 0;

  // The manifest's signatures, by name.
  virtual Result<std::vector<StoredSignature>> manifest_signatures(std::string_view repository,
                                                                   const Digest& digest) = 0;
  // False if `repository` holds no manifest `digest`; kBadRequest if the name is taken. A
  // signature goes with its manifest.
  virtual Result<bool> add_manifest_signature(std::string_view repository, const Digest& digest,
                                              const StoredSignature& signature) = 0;
  // The index manifests of `repository` that list manifest `digest`.
  virtual Result<std::vector<std::string>> indexes_listing(std::string_view repository, const Digest& digest) = 0;
};

}  // namespace pier::meta
