// tests/signing/p256_key.h: an ECDSA P-256 key pair made by OpenSSL, signing as cosign does.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>
#include <string_view>

namespace pier::testing {

class EcKey {
 public:
  explicit EcKey(const char* curve = "P-256") : key_(EVP_EC_gen(curve)) {}
  ~EcKey() { EVP_PKEY_free(key_); }
  EcKey(const EcKey&) = delete;
  EcKey& operator=(const EcKey&) = delete;

  std::string public_pem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key_);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(length));
    BIO_free(bio);
    return pem;
  }

  // The DER ECDSA signature of SHA-256(payload).
  std::string sign(std::string_view payload) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_);
    std::size_t length = 0;
    const auto* bytes = reinterpret_cast<const unsigned char*>(payload.data());
    EVP_DigestSign(ctx, nullptr, &length, bytes, payload.size());
    std::string signature(length, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length, bytes, payload.size());
    EVP_MD_CTX_free(ctx);
    signature.resize(length);
    return signature;
  }

 private:
  EVP_PKEY* key_;
};

}  // namespace pier::testing
