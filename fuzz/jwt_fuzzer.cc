// fuzz/jwt_fuzzer.cc: the JWT reader (auth/jwt.h) and its base64url.
//
// Input: a token as a client sends it; or "sign\n<header JSON>\n<claims JSON>", which this
// target signs with its own key first, so that the claims reader is reached with a valid
// signature.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/base64url.h"
#include "auth/jwt.h"
#include "fuzz_check.h"

namespace {

// A key made for these inputs only: the committed tokens of fuzz/corpus/jwt are signed by it.
constexpr std::string_view kSigningKeyPem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg5qo8M8GvBU21nHkC
OFbVvw6fn+PpFvReXGgGCALl1C+hRANCAATsF8NN9qSaD+OiQzKxS3YL5wlRzsaQ
487Pzy8oB4Xn3u2gKBwKttYWIlIV/KQrYmbnswScRJRm1LgldIw1aK1p
-----END PRIVATE KEY-----
)";
constexpr std::string_view kIssuer = "pier";
constexpr std::string_view kAudience = "registry";
constexpr std::int64_t kNow = 1700000000;  // 2023-11-14; the corpus tokens expire in 2100
constexpr std::string_view kSignPrefix = "sign\n";
// verify()'s messages are fixed texts shorter than this: a longer token found in one was copied.
constexpr std::size_t kLongestFixedMessage = 64;

const pier::auth::SigningKey& signing_key() {
  static const pier::auth::SigningKey key = [] {
    auto loaded = pier::auth::SigningKey::from_pem(kSigningKeyPem);
    FUZZ_CHECK(loaded.has_value());
    return *loaded;
  }();
  return key;
}

void check_base64url(std::string_view text) {
  if (const auto decoded = pier::auth::base64url_decode(text)) {
    FUZZ_CHECK(pier::auth::base64url_encode(*decoded) == text);  // one encoding per byte string
  }
  const auto round_trip = pier::auth::base64url_decode(pier::auth::base64url_encode(text));
  FUZZ_CHECK(round_trip && *round_trip == text);
  if (const auto decoded = pier::auth::base64_decode(text)) FUZZ_CHECK(pier::auth::base64_encode(*decoded) == text);
  const auto standard_round_trip = pier::auth::base64_decode(pier::auth::base64_encode(text));
  FUZZ_CHECK(standard_round_trip && *standard_round_trip == text);
}

void check_verified(const pier::auth::Claims& claims, const pier::auth::VerificationKey& key) {
  FUZZ_CHECK(claims.issuer == kIssuer && claims.audience == kAudience);
  FUZZ_CHECK(claims.expires_at >= kNow - pier::auth::kClockSkewLeewaySeconds);
  FUZZ_CHECK(claims.not_before <= kNow + pier::auth::kClockSkewLeewaySeconds);
  // What the token server would sign for these claims reads back as the same claims.
  const auto resigned = pier::auth::sign(claims, signing_key());
  FUZZ_CHECK(resigned.has_value());
  const auto reread = pier::auth::verify(*resigned, key, kIssuer, kAudience, kNow);
  FUZZ_CHECK(reread && *reread == claims);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_base64url(input);

  std::string token(input);
  if (input.starts_with(kSignPrefix)) {
    const std::string_view parts = input.substr(kSignPrefix.size());
    const auto newline = parts.find('\n');
    const std::string_view header = parts.substr(0, newline);
    const std::string_view payload = newline == std::string_view::npos ? std::string_view() : parts.substr(newline + 1);
    auto signed_token = pier::auth::sign_jws(header, payload, signing_key());
    FUZZ_CHECK(signed_token.has_value());
    token = std::move(*signed_token);
  }

  const auto key = signing_key().verification_key();
  const auto claims = pier::auth::verify(token, key, kIssuer, kAudience, kNow);
  if (claims) {
    check_verified(*claims, key);
    return 0;
  }
  FUZZ_CHECK(claims.error().code == pier::ErrorCode::kUnauthorized);
  // Messages are logged and sent to clients: they never repeat the token.
  if (token.size() > kLongestFixedMessage) FUZZ_CHECK(claims.error().message.find(token) == std::string::npos);
  return 0;
}
