#include "auth/secrets.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "auth/base64url.h"
#include "common/digest.h"

namespace pier::auth {

Result<std::string> random_token() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return make_error(ErrorCode::kInternal, "random number generator failed");
  }
  std::string token = base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  OPENSSL_cleanse(bytes, sizeof bytes);
  return token;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string sha256_hex(std::string_view bytes) {
  // common/'s digest_of is SHA-256 through OpenSSL EVP.
  return std::string(digest_of(bytes, DigestAlgorithm::kSha256).hex());
}

Result<std::string> new_api_token() {
  auto token = random_token();
  if (!token) return token.error();
  return std::string(kApiTokenPrefix) + *token;
}

bool looks_like_api_token(std::string_view secret) { return secret.starts_with(kApiTokenPrefix); }

}  // namespace pier::auth
