#include "signing/cosign_key.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "common/digest.h"

namespace pier::signing {

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey key_from_der(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return Pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
}

Error bad_key(std::string message) { return make_error(ErrorCode::kBadRequest, "cosign key: " + message); }

}  // namespace

Result<CosignKey> CosignKey::parse(std::string_view pem) {
  if (pem.find("PRIVATE KEY") != std::string_view::npos) {
    return bad_key("this is a private key; give the public key (cosign.pub)");
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  Pkey key(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return bad_key("not a PEM public key (-----BEGIN PUBLIC KEY-----)");
  char group[64] = {};
  std::size_t group_length = 0;
  if (!EVP_PKEY_is_a(key.get(), "EC") ||
      EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &group_length) != 1 ||
      std::string_view(group, group_length) != "prime256v1") {
    return bad_key("only ECDSA P-256 keys are supported");
  }
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key.get(), &der);
  if (length <= 0) return bad_key("cannot be encoded");
  std::string bytes(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  std::string key_id = digest_of(bytes).str();
  return CosignKey(std::move(bytes), std::move(key_id));
}

bool CosignKey::verifies(std::string_view payload, std::string_view signature) const {
  Pkey key = key_from_der(der_);
  if (!key) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(payload.data()), payload.size()) == 1;
}

}  // namespace pier::signing
