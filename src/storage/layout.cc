#include "storage/layout.h"

#include <openssl/rand.h>

#include <stdexcept>

namespace pier::storage {

std::string blob_key(const Digest& digest) {
  const auto hex = digest.hex();
  std::string key = "blobs/";
  key += algorithm_name(digest.algorithm());
  key += '/';
  key += hex.substr(0, 2);
  key += '/';
  key += hex;
  return key;
}

std::string upload_key(std::string_view upload_id) {
  return "uploads/" + std::string(upload_id);
}

bool is_valid_upload_id(std::string_view id) {
  if (id.size() != 36) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::string new_upload_id() {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("RAND_bytes failed");
  raw[6] = (raw[6] & 0x0f) | 0x40;  // version 4
  raw[8] = (raw[8] & 0x3f) | 0x80;  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id.push_back('-');
    id.push_back(kHex[raw[i] >> 4]);
    id.push_back(kHex[raw[i] & 0xf]);
  }
  return id;
}

}  // namespace pier::storage
