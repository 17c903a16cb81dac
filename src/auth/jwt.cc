#include "auth/jwt.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include "auth/base64url.h"

namespace pier::auth {

namespace detail {
struct Key {
  EVP_PKEY* pkey = nullptr;  // P-256; a private key for a SigningKey
  std::string public_pem;
  std::string key_id;
  ~Key() { EVP_PKEY_free(pkey); }
};
}  // namespace detail

namespace {

namespace json = boost::json;

constexpr std::size_t kCoordinateBytes = 32;  // P-256: R and S are 32 bytes each in JOSE
constexpr std::size_t kMaxPemBytes = 1 << 20;

struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct OpensslFree {
  void operator()(unsigned char* p) const { OPENSSL_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using OpensslBytes = std::unique_ptr<unsigned char, OpensslFree>;

// Failures leave entries on OpenSSL's per-thread error queue; drop them so that unrelated code
// on this thread (TLS) never mistakes them for its own.
Error openssl_error(ErrorCode code, std::string message) {
  ERR_clear_error();
  return make_error(code, std::move(message));
}

Error unauthorized(const char* message) {
  ERR_clear_error();
  return make_error(ErrorCode::kUnauthorized, message);
}

// Refuses to prompt for a passphrase (OpenSSL's default reads the terminal): encrypted keys fail.
int no_passphrase(char*, int, int, void*) { return -1; }

Result<BioPtr> pem_bio(std::string_view pem) {
  if (pem.size() > kMaxPemBytes) return make_error(ErrorCode::kInternal, "PEM text too large");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return openssl_error(ErrorCode::kInternal, "cannot allocate a memory BIO");
  return bio;
}

Result<std::string> read_text_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(ErrorCode::kInternal, std::string("cannot open ") + std::string(what) + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return make_error(ErrorCode::kInternal, std::string("cannot read ") + std::string(what));
  return text.str();
}

bool is_p256(EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "EC") != 1) return false;
  char group[80];
  std::size_t length = 0;
  if (EVP_PKEY_get_group_name(pkey, group, sizeof group, &length) != 1) return false;
  return OBJ_sn2nid(group) == NID_X9_62_prime256v1;
}

// libtrust's keyIDFromCryptoKey: base32 (RFC 4648 alphabet, no padding) of the first 240 bits
// of SHA-256(DER SubjectPublicKeyInfo), 48 characters, in groups of 4 joined by ':'.
Result<std::string> libtrust_key_id(std::string_view spki_der) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  if (EVP_Digest(spki_der.data(), spki_der.size(), digest, &digest_length, EVP_sha256(), nullptr) != 1) {
    return openssl_error(ErrorCode::kInternal, "SHA-256 failed");
  }
  static constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string base32;
  unsigned bits = 0;
  unsigned buffer = 0;
  for (std::size_t i = 0; i < 30; ++i) {  // 240 bits: exactly 48 characters
    buffer = (buffer << 8) | digest[i];
    bits += 8;
    while (bits >= 5) {
      base32.push_back(kBase32[(buffer >> (bits - 5)) & 0x1f]);
      bits -= 5;
    }
  }
  std::string id;
  for (std::size_t i = 0; i < base32.size(); i += 4) {
    if (i != 0) id.push_back(':');
    id.append(base32, i, 4);
  }
  return id;
}

// Takes ownership of `pkey`: checks it is P-256 and derives the public PEM and key ID.
Result<std::shared_ptr<const detail::Key>> make_key(EVP_PKEY* pkey, std::string_view what) {
  auto key = std::make_shared<detail::Key>();
  key->pkey = pkey;
  if (!is_p256(pkey)) return openssl_error(ErrorCode::kInternal, std::string(what) + " is not a P-256 EC key");

  unsigned char* der = nullptr;
  const int der_length = i2d_PUBKEY(pkey, &der);
  if (der_length <= 0) return openssl_error(ErrorCode::kInternal, "cannot encode the public key");
  const OpensslBytes der_owner(der);
  auto key_id = libtrust_key_id(std::string_view(reinterpret_cast<const char*>(der), der_length));
  if (!key_id) return key_id.error();
  key->key_id = std::move(*key_id);

  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey) != 1) {
    return openssl_error(ErrorCode::kInternal, "cannot write the public key as PEM");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  key->public_pem.assign(data, static_cast<std::size_t>(length));
  return std::shared_ptr<const detail::Key>(std::move(key));
}

std::string json_string(const json::value& v) { return std::string(v.get_string()); }

// A string claim that may be absent (or null, as Go writes empty values): empty then.
Result<std::string> optional_string(const json::object& claims, std::string_view name) {
  const json::value* v = claims.if_contains(name);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return unauthorized("malformed token claims");
  return json_string(*v);
}

// A NumericDate claim (seconds since the epoch; fractions are rounded down), or nullopt if absent.
Result<std::optional<std::int64_t>> optional_time(const json::object& claims, std::string_view name) {
  const json::value* v = claims.if_contains(name);
  if (v == nullptr || v->is_null()) return std::optional<std::int64_t>();
  if (const auto* i = v->if_int64()) return std::optional<std::int64_t>(*i);
  if (const auto* u = v->if_uint64()) {
    if (*u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::optional<std::int64_t>(static_cast<std::int64_t>(*u));
    }
  }
  if (const auto* d = v->if_double()) {
    // [-2^63, 2^63): representable as int64 after rounding down.
    if (std::isfinite(*d) && *d >= -9223372036854775808.0 && *d < 9223372036854775808.0) {
      return std::optional<std::int64_t>(static_cast<std::int64_t>(std::floor(*d)));
    }
  }
  return unauthorized("malformed token claims");
}

Result<std::vector<Access>> read_access(const json::object& claims) {
  const json::value* v = claims.if_contains("access");
  if (v == nullptr || v->is_null()) return std::vector<Access>();
  const json::array* entries = v->if_array();
  if (entries == nullptr) return unauthorized("malformed token claims");
  std::vector<Access> access;
  access.reserve(entries->size());
  for (const json::value& entry : *entries) {
    const json::object* o = entry.if_object();
    if (o == nullptr) return unauthorized("malformed token claims");
    const json::value* type = o->if_contains("type");
    const json::value* name = o->if_contains("name");
    if (type == nullptr || !type->is_string() || name == nullptr || !name->is_string()) {
      return unauthorized("malformed token claims");
    }
    Access item{json_string(*type), json_string(*name), {}};
    if (const json::value* actions = o->if_contains("actions"); actions != nullptr && !actions->is_null()) {
      const json::array* list = actions->if_array();
      if (list == nullptr) return unauthorized("malformed token claims");
      for (const json::value& action : *list) {
        if (!action.is_string()) return unauthorized("malformed token claims");
        item.actions.push_back(json_string(action));
      }
    }
    access.push_back(std::move(item));
  }
  return access;
}

// The optional "pier_scopes" claim: an array of strings.
Result<std::vector<std::string>> read_scopes(const json::object& claims) {
  std::vector<std::string> scopes;
  const json::value* v = claims.if_contains("pier_scopes");
  if (v == nullptr || v->is_null()) return scopes;
  const json::array* entries = v->if_array();
  if (entries == nullptr) return unauthorized("malformed token claims");
  for (const json::value& entry : *entries) {
    if (!entry.is_string()) return unauthorized("malformed token claims");
    scopes.push_back(json_string(entry));
  }
  return scopes;
}

// The decoded JSON object of one base64url part, or nullopt.
std::optional<json::object> decode_object(std::string_view part) {
  auto bytes = base64url_decode(part);
  if (!bytes) return std::nullopt;
  boost::system::error_code ec;
  json::value value = json::parse(*bytes, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.get_object());
}

std::string serialize_claims(const Claims& claims) {
  json::object o;
  o["iss"] = claims.issuer;
  o["sub"] = claims.subject;
  o["aud"] = claims.audience;
  o["exp"] = claims.expires_at;
  o["nbf"] = claims.not_before;
  o["iat"] = claims.issued_at;
  o["jti"] = claims.id;
  json::array access;
  for (const Access& a : claims.access) {
    json::array actions;
    for (const std::string& action : a.actions) actions.emplace_back(json::string_view(action));
    json::object entry;
    entry["type"] = a.type;
    entry["name"] = a.name;
    entry["actions"] = std::move(actions);
    access.emplace_back(std::move(entry));
  }
  o["access"] = std::move(access);
  if (!claims.scopes.empty()) {
    json::array scopes;
    for (const std::string& scope : claims.scopes) scopes.emplace_back(json::string_view(scope));
    o["pier_scopes"] = std::move(scopes);
  }
  return json::serialize(o);
}

// ECDSA over SHA-256 of `input`, as the 64-byte R||S of JOSE (OpenSSL makes DER).
Result<std::string> es256_sign(std::string_view input, EVP_PKEY* pkey) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey) != 1) {
    return openssl_error(ErrorCode::kInternal, "cannot start ES256 signing");
  }
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  std::size_t der_length = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &der_length, data, input.size()) != 1) {
    return openssl_error(ErrorCode::kInternal, "ES256 signing failed");
  }
  std::string der(der_length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &der_length, data, input.size()) != 1) {
    return openssl_error(ErrorCode::kInternal, "ES256 signing failed");
  }
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der_length)));
  if (!sig) return openssl_error(ErrorCode::kInternal, "cannot decode the ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(2 * kCoordinateBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, kCoordinateBytes) != kCoordinateBytes ||
      BN_bn2binpad(s, out + kCoordinateBytes, kCoordinateBytes) != kCoordinateBytes) {
    return openssl_error(ErrorCode::kInternal, "ECDSA signature does not fit P-256");
  }
  return raw;
}

// Whether `raw` (64-byte R||S) is a valid ES256 signature of `input` by `pkey`.
bool es256_verify(std::string_view input, std::string_view raw, EVP_PKEY* pkey) {
  if (raw.size() != 2 * kCoordinateBytes) return false;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  BnPtr r(BN_bin2bn(bytes, kCoordinateBytes, nullptr));
  BnPtr s(BN_bin2bn(bytes + kCoordinateBytes, kCoordinateBytes, nullptr));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return false;
  r.release();  // owned by sig now
  s.release();
  unsigned char* der = nullptr;
  const int der_length = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_length <= 0) return false;
  const OpensslBytes der_owner(der);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
         EVP_DigestVerify(ctx.get(), der, static_cast<std::size_t>(der_length),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

}  // namespace

// --- keys ---

Result<VerificationKey> VerificationKey::from_pem(std::string_view pem) {
  auto bio = pem_bio(pem);
  if (!bio) return bio.error();
  if (EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio->get(), nullptr, no_passphrase, nullptr)) {
    auto key = make_key(pkey, "verification key");
    if (!key) return key.error();
    return VerificationKey(std::move(*key));
  }
  ERR_clear_error();
  bio = pem_bio(pem);
  if (!bio) return bio.error();
  X509Ptr certificate(PEM_read_bio_X509(bio->get(), nullptr, no_passphrase, nullptr));
  if (!certificate) {
    return openssl_error(ErrorCode::kInternal, "verification key is not a PEM public key or certificate");
  }
  EVP_PKEY* pkey = X509_get_pubkey(certificate.get());
  if (pkey == nullptr) return openssl_error(ErrorCode::kInternal, "cannot read the certificate's public key");
  auto key = make_key(pkey, "verification key");
  if (!key) return key.error();
  return VerificationKey(std::move(*key));
}

Result<VerificationKey> VerificationKey::from_pem_file(const std::string& path) {
  auto pem = read_text_file(path, "verification key file");
  if (!pem) return pem.error();
  return from_pem(*pem);
}

const std::string& VerificationKey::public_pem() const { return key_->public_pem; }
const std::string& VerificationKey::key_id() const { return key_->key_id; }

Result<SigningKey> SigningKey::generate() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (pkey == nullptr) return openssl_error(ErrorCode::kInternal, "cannot generate a P-256 key");
  auto key = make_key(pkey, "generated key");
  if (!key) return key.error();
  return SigningKey(std::move(*key));
}

Result<SigningKey> SigningKey::from_pem(std::string_view pem) {
  auto bio = pem_bio(pem);
  if (!bio) return bio.error();
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio->get(), nullptr, no_passphrase, nullptr);
  if (pkey == nullptr) {
    return openssl_error(ErrorCode::kInternal, "signing key is not an unencrypted PEM private key");
  }
  auto key = make_key(pkey, "signing key");
  if (!key) return key.error();
  return SigningKey(std::move(*key));
}

Result<SigningKey> SigningKey::from_pem_file(const std::string& path) {
  auto pem = read_text_file(path, "signing key file");
  if (!pem) return pem.error();
  auto key = from_pem(*pem);
  OPENSSL_cleanse(pem->data(), pem->size());
  return key;
}

const std::string& SigningKey::public_pem() const { return key_->public_pem; }
const std::string& SigningKey::key_id() const { return key_->key_id; }

Result<std::string> SigningKey::private_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_->pkey, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl_error(ErrorCode::kInternal, "cannot write the private key as PEM");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, static_cast<std::size_t>(length));
  OPENSSL_cleanse(data, static_cast<std::size_t>(length));
  return pem;
}

// --- tokens ---

Result<std::string> sign_jws(std::string_view header_json, std::string_view payload_json, const SigningKey& key) {
  std::string token = base64url_encode(header_json);
  token.push_back('.');
  token += base64url_encode(payload_json);
  auto signature = es256_sign(token, key.key_->pkey);
  if (!signature) return signature.error();
  token.push_back('.');
  token += base64url_encode(*signature);
  return token;
}

Result<std::string> sign(const Claims& claims, const SigningKey& key) {
  json::object header;
  header["typ"] = "JWT";
  header["alg"] = "ES256";
  header["kid"] = key.key_id();
  return sign_jws(json::serialize(header), serialize_claims(claims), key);
}

Result<Claims> verify(std::string_view token, const VerificationKey& key, std::string_view expected_issuer,
                      std::string_view expected_audience, std::int64_t now) {
  // Structure: header.claims.signature, each base64url; header and claims JSON objects.
  const std::size_t first_dot = token.find('.');
  const std::size_t second_dot = first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos) {
    return unauthorized("malformed token");
  }
  const std::string_view signing_input = token.substr(0, second_dot);
  const auto header = decode_object(token.substr(0, first_dot));
  const auto payload = decode_object(token.substr(first_dot + 1, second_dot - first_dot - 1));
  const auto signature = base64url_decode(token.substr(second_dot + 1));
  if (!header || !payload || !signature) return unauthorized("malformed token");

  // Only ES256: never "none", never an HMAC keyed with the public key.
  const json::value* alg = header->if_contains("alg");
  if (alg == nullptr || !alg->is_string() || alg->get_string() != "ES256") {
    return unauthorized("token algorithm is not ES256");
  }
  // RFC 7515 §4.1.11: extensions marked critical must be understood; none are.
  if (header->contains("crit")) return unauthorized("token has critical header extensions");
  if (!es256_verify(signing_input, *signature, key.key_->pkey)) return unauthorized("token signature is invalid");

  // Claims: types first, then values.
  Claims claims;
  auto issuer = optional_string(*payload, "iss");
  auto subject = optional_string(*payload, "sub");
  auto id = optional_string(*payload, "jti");
  auto expires_at = optional_time(*payload, "exp");
  auto not_before = optional_time(*payload, "nbf");
  auto issued_at = optional_time(*payload, "iat");
  auto access = read_access(*payload);
  auto scopes = read_scopes(*payload);
  if (!issuer || !subject || !id || !expires_at || !not_before || !issued_at || !access || !scopes) {
    return unauthorized("malformed token claims");
  }
  bool audience_ok = false;
  if (const json::value* aud = payload->if_contains("aud"); aud != nullptr && !aud->is_null()) {
    if (const json::string* one = aud->if_string()) {
      audience_ok = *one == expected_audience;
    } else if (const json::array* many = aud->if_array()) {
      for (const json::value& entry : *many) {
        if (!entry.is_string()) return unauthorized("malformed token claims");
        audience_ok = audience_ok || entry.get_string() == expected_audience;
      }
    } else {
      return unauthorized("malformed token claims");
    }
  }

  if (*issuer != expected_issuer) return unauthorized("token issuer is not trusted");
  if (!audience_ok) return unauthorized("token is not for this service (audience)");
  if (!*expires_at) return unauthorized("token has no expiry time");
  // Written so that no sum can overflow whatever the token holds (now is the caller's clock).
  if (**expires_at < now - kClockSkewLeewaySeconds) return unauthorized("token has expired");
  if (*not_before && **not_before > now + kClockSkewLeewaySeconds) return unauthorized("token is not valid yet");

  claims.issuer = std::move(*issuer);
  claims.subject = std::move(*subject);
  claims.audience = std::string(expected_audience);
  claims.issued_at = issued_at->value_or(0);
  claims.not_before = not_before->value_or(0);
  claims.expires_at = **expires_at;
  claims.id = std::move(*id);
  claims.access = std::move(*access);
  claims.scopes = std::move(*scopes);
  return claims;
}

}  // namespace pier::auth
