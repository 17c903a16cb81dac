// auth/base64url.h: the URL-safe base64 of JOSE (RFC 7515 §2), without '=' padding.
//
// The one encoder and decoder of src/auth/: JWT parts, random tokens; and the standard base64
// (RFC 4648 §4, with padding) of HTTP Basic credentials.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pier::auth {

// Alphabet A-Z a-z 0-9 '-' '_'; no padding, no line breaks. 32 bytes give 43 characters.
std::string base64url_encode(std::string_view bytes);

// The bytes, or nullopt unless `text` is exactly what base64url_encode produces for some input:
// only the alphabet above (no '=', '+', '/', whitespace), a length that is not 1 modulo 4, and
// unused trailing bits zero. So every byte string has one encoding, and changing any character
// of an encoding changes the decoded bytes or is refused.
std::optional<std::string> base64url_decode(std::string_view text);

// Standard base64 (alphabet A-Z a-z 0-9 '+' '/', '=' padding to a multiple of 4 characters), as
// HTTP Basic credentials and Docker's auth.json carry it. The bytes, or nullopt for anything
// else: other characters, whitespace, missing or misplaced padding, or nonzero unused trailing
// bits.
std::optional<std::string> base64_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);

}  // namespace pier::auth
