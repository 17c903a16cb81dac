// auth/jwt.h: ES256 JSON Web Tokens, as the Docker registry token protocol uses them.
//
// A token server signs a claim set with a P-256 private key; the registry verifies it with the
// matching public key. The claim set is distribution's (docs/spec/auth/jwt.md): the standard
// iss, sub, aud, exp, nbf, iat, jti and a private "access" list of what the bearer may do.
// Keys are immutable once loaded: one key may sign or verify from many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace pier::auth {

// One entry of the "access" claim: e.g. {"repository", "library/alpine", {"pull", "push"}}.
struct Access {
  std::string type;
  std::string name;
  std::vector<std::string> actions;

  friend bool operator==(const Access&, const Access&) = default;
};

// Times are seconds since the Unix epoch.
struct Claims {
  std::string issuer;     // iss: who signed it
  std::string subject;    // sub: the account; empty for an anonymous token
  std::string audience;   // aud: the service it is for (the registry's service name)
  std::int64_t issued_at = 0;   // iat
  std::int64_t not_before = 0;  // nbf
  std::int64_t expires_at = 0;  // exp
  std::string id;         // jti: unique per token
  std::vector<Access> access;
  // pier_scopes: the scopes of the API token the token was issued for (empty for passwords and
  // robots), so that what the API token may not do is refused as such, not as a narrow token.
  std::vector<std::string> scopes;

  friend bool operator==(const Claims&, const Claims&) = default;
};

namespace detail {
struct Key;  // an OpenSSL key and what is derived from it (jwt.cc)
}

// A P-256 public key that tokens are checked against.
class VerificationKey {
 public:
  // From a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) or "CERTIFICATE" (its key is used; the
  // certificate itself is not validated). kInternal if it is neither or not a P-256 EC key.
  static Result<VerificationKey> from_pem(std::string_view pem);
  // As from_pem, reading the file first; kInternal if it cannot be read.
  static Result<VerificationKey> from_pem_file(const std::string& path);

  // The PEM "PUBLIC KEY" form.
  const std::string& public_pem() const;
  // libtrust's key ID, as distribution matches a token's "kid" header: SHA-256 of the DER
  // SubjectPublicKeyInfo, its first 30 bytes in base32, as 12 groups of 4 joined by ':'
  // ("ABCD:EFGH:...:MNOP").
  const std::string& key_id() const;

 private:
  explicit VerificationKey(std::shared_ptr<const detail::Key> key) : key_(std::move(key)) {}
  std::shared_ptr<const detail::Key> key_;
  friend class SigningKey;
  friend Result<Claims> verify(std::string_view, const VerificationKey&, std::string_view, std::string_view,
                               std::int64_t);
};

// A P-256 private key that tokens are signed with.
class SigningKey {
 public:
  // A new random key (it lives only in memory unless private_pem() is saved).
  // kInternal if OpenSSL cannot make one.
  static Result<SigningKey> generate();
  // From an unencrypted PEM "PRIVATE KEY" (PKCS#8) or "EC PRIVATE KEY" (SEC 1). kInternal if
  // it is not one, is encrypted, or is not a P-256 EC key.
  static Result<SigningKey> from_pem(std::string_view pem);
  // As from_pem, reading the file first; kInternal if it cannot be read.
  static Result<SigningKey> from_pem_file(const std::string& path);

  // The public half, for verifying what this key signs.
  VerificationKey verification_key() const { return VerificationKey(key_); }
  const std::string& public_pem() const;
  // See VerificationKey::key_id(); sign() puts it in the "kid" header.
  const std::string& key_id() const;
  // The private key as unencrypted PEM "PRIVATE KEY" (PKCS#8), to save a generated key.
  // A secret: never log it. kInternal if OpenSSL fails.
  Result<std::string> private_pem() const;

 private:
  explicit SigningKey(std::shared_ptr<const detail::Key> key) : key_(std::move(key)) {}
  std::shared_ptr<const detail::Key> key_;
  friend Result<std::string> sign_jws(std::string_view, std::string_view, const SigningKey&);
};

// Clock skew allowed when checking exp and nbf, as distribution allows (token.Leeway): a token
// is accepted until 60 s after its exp, and from 60 s before its nbf.
inline constexpr std::int64_t kClockSkewLeewaySeconds = 60;

// The compact JWS "<header>.<claims>.<signature>", each part base64url: header
// {"typ":"JWT","alg":"ES256","kid":<key.key_id()>}, every claim of `claims` (aud as a string),
// and the ECDSA P-256 SHA-256 signature as the 64-byte R||S JOSE requires.
// kInternal only if OpenSSL fails.
Result<std::string> sign(const Claims& claims, const SigningKey& key);

// The lower level of sign(): the compact JWS of exactly these header and payload bytes, signed
// with ES256 whatever the header says. For tests and other payloads; the caller is responsible
// for both being JSON objects. kInternal only if OpenSSL fails.
Result<std::string> sign_jws(std::string_view header_json, std::string_view payload_json, const SigningKey& key);

// The claims of `token` if it is a valid ES256 JWT signed by `key` for `expected_audience` by
// `expected_issuer` and current at `now` (Unix seconds), within kClockSkewLeewaySeconds.
// Checked, in order: three base64url parts of JSON objects; header "alg" exactly "ES256" (no
// "none", no HMAC, no other curve) and no "crit"; the signature (64-byte R||S); then the claims:
// iss equal to expected_issuer; aud a string equal to expected_audience, or an array holding it
// (Claims::audience is then expected_audience); exp present and now <= exp + leeway; nbf, if
// present, now >= nbf - leeway. sub, jti, iat and access are optional ("access": null is an
// empty list); a claim of the wrong type is refused. The header's kid is not consulted.
// Every failure is kUnauthorized with a message saying which check failed; messages never
// contain the token or values taken from it.
Result<Claims> verify(std::string_view token, const VerificationKey& key, std::string_view expected_issuer,
                      std::string_view expected_audience, std::int64_t now);

}  // namespace pier::auth
