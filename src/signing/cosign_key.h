// signing/cosign_key.h: cosign's ECDSA P-256 public keys and the signatures they make.
//
// cosign signs the simple-signing payload with ECDSA over SHA-256 and stores the ASN.1 DER
// signature, base64-encoded, in the layer annotation dev.cosignproject.cosign/signature.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace pier::signing {

// A PEM "PUBLIC KEY" (SubjectPublicKeyInfo) on the P-256 curve, as `cosign generate-key-pair`
// writes cosign.pub. Its identity is "sha256:" and the hex SHA-256 of the DER
// SubjectPublicKeyInfo: the same key in any PEM layout has the same identity.
class CosignKey {
 public:
  // kBadRequest naming what is wrong: not PEM, not a public key, not P-256.
  static Result<CosignKey> parse(std::string_view pem);

  const std::string& key_id() const { return key_id_; }
  // True if `signature` (DER, as raw bytes) is this key's ECDSA-SHA256 signature of `payload`.
  bool verifies(std::string_view payload, std::string_view signature) const;

 private:
  CosignKey(std::string der, std::string key_id) : der_(std::move(der)), key_id_(std::move(key_id)) {}
  std::string der_;  // SubjectPublicKeyInfo; parsed again per verification, which keeps this class copyable
  std::string key_id_;
};

}  // namespace pier::signing
