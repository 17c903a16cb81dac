// auth/secrets.h: random bearer secrets, comparing them, and the hash they are stored as.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace pier::auth {

// A fresh 256-bit secret from OpenSSL's CSPRNG (RAND_bytes), as 43 base64url characters
// (A-Z a-z 0-9 '-' '_', no padding): safe in URLs, headers and file names.
// kInternal only if the CSPRNG cannot produce bytes (it is never silently weakened).
Result<std::string> random_token();

// Whether a and b hold the same bytes, in time that depends only on their length (CRYPTO_memcmp),
// so comparing a presented secret with the real one does not reveal how many leading bytes match.
// Different lengths are unequal at once: the length is not secret (compare fixed-size values,
// e.g. two sha256_hex outputs).
bool constant_time_equal(std::string_view a, std::string_view b);

// The SHA-256 of `bytes` as 64 lowercase hex characters: what is stored for a random token, so
// a leaked table of hashes does not give usable tokens. (Random 256-bit tokens need no salt or
// slow hash; passwords do: see password_hash.h.)
std::string sha256_hex(std::string_view bytes);

// API tokens issued by Pier: kApiTokenPrefix + random_token() (48 characters), so they are
// recognisable in a password field and by secret scanners. Store only their sha256_hex.
inline constexpr std::string_view kApiTokenPrefix = "pier_";
Result<std::string> new_api_token();
// Whether `secret` has the prefix of a Pier API token (its form is not otherwise checked).
bool looks_like_api_token(std::string_view secret);

}  // namespace pier::auth
