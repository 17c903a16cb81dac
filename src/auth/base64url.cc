#include "auth/base64url.h"

#include <openssl/evp.h>

#include <algorithm>

namespace pier::auth {

namespace {
// EVP_EncodeBlock and EVP_DecodeBlock take an int length: work in blocks well below it.
constexpr std::size_t kGroupsPerBlock = 4096;  // 3-byte groups, each 4 characters

// The value of a base64url character, or -1.
int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}
}  // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  unsigned char encoded[kGroupsPerBlock * 4 + 1];  // EVP_EncodeBlock adds a NUL
  for (std::size_t pos = 0; pos < bytes.size(); pos += kGroupsPerBlock * 3) {
    const std::size_t n = std::min(kGroupsPerBlock * 3, bytes.size() - pos);
    const int written =
        EVP_EncodeBlock(encoded, reinterpret_cast<const unsigned char*>(bytes.data() + pos), static_cast<int>(n));
    out.append(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(written));
  }
  // Only the last block can end in padding: every other block is whole 3-byte groups.
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    else if (c == '/') c = '_';
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  const std::size_t tail = text.size() % 4;
  if (tail == 1) return std::nullopt;
  // EVP_DecodeBlock reads standard base64 with padding, skips whitespace and accepts '+' and
  // '/': every character is checked here first.
  std::string standard(text);
  for (char& c : standard) {
    if (sextet(c) < 0) return std::nullopt;
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
  }
  // The bits of the last character that no output byte uses must be zero (canonical form).
  if (tail != 0) {
    const int last = sextet(text.back());
    if ((tail == 2 && (last & 0x0f) != 0) || (tail == 3 && (last & 0x03) != 0)) return std::nullopt;
    standard.append(4 - tail, '=');
  }

  std::string out;
  out.reserve(standard.size() / 4 * 3);
  unsigned char decoded[kGroupsPerBlock * 3];
  for (std::size_t pos = 0; pos < standard.size(); pos += kGroupsPerBlock * 4) {
    const std::size_t n = std::min(kGroupsPerBlock * 4, standard.size() - pos);
    const int written =
        EVP_DecodeBlock(decoded, reinterpret_cast<const unsigned char*>(standard.data() + pos), static_cast<int>(n));
    if (written < 0) return std::nullopt;
    out.append(reinterpret_cast<const char*>(decoded), static_cast<std::size_t>(written));
  }
  // EVP_DecodeBlock counts the bytes the padding stands for, as zeros: drop them.
  out.resize(text.size() / 4 * 3 + (tail == 0 ? 0 : tail - 1));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  std::string url(text.substr(0, text.size() - padding));
  for (char& c : url) {
    // '-' and '_' are base64url's, not standard base64's; '=' here is misplaced padding.
    if (c == '-' || c == '_') return std::nullopt;
    if (c == '+') c = '-';
    else if (c == '/') c = '_';
  }
  // base64url_decode checks the alphabet, the length and the unused trailing bits.
  return base64url_decode(url);
}

std::string base64_encode(std::string_view bytes) {
  std::string out = base64url_encode(bytes);
  for (char& c : out) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
  }
  out.append((4 - out.size() % 4) % 4, '=');
  return out;
}

}  // namespace pier::auth
