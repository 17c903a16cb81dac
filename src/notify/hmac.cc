#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/text.h"
#include "notify/formats.h"

namespace pier::notify {

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // An empty key needs a non-null pointer: OpenSSL takes null as "reuse the previous key".
  static const unsigned char kNoKey = 0;
  const void* key_bytes = key.empty() ? static_cast<const void*>(&kNoKey) : key.data();
  if (HMAC(EVP_sha256(), key_bytes, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), mac, &size) == nullptr) {
    return {};
  }
  return lower_hex(mac, size);
}

}  // namespace pier::notify
