#include "auth/jwt.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <fstream>
#include <limits>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "auth/base64url.h"
#include "auth/secrets.h"
#include "test_dirs.h"

namespace pier::auth {
namespace {

namespace json = boost::json;

constexpr std::int64_t kNow = 1'700'000'100;
constexpr std::string_view kIssuer = "auth.example.com";
constexpr std::string_view kAudience = "registry.example.com";

// A P-256 key, made with Python's `cryptography`, in each form it may be given in, and the
// key ID computed there as libtrust does (base32 of SHA-256(DER SPKI)[:30], grouped by 4).
constexpr const char* kPkcs8Pem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg2/55Xs89QfeHXDA5
u6YILzEicOlUqgzG9S5YPi4Qw9ihRANCAAQWWnXF6vCCX8gci97u/fJA9qwD38Dt
53CLr/FmqNDokNsh29GsPRUFnAE3Fso5KJKvDm7b3ofrE/IpIGgoobgH
-----END PRIVATE KEY-----
)";
constexpr const char* kSec1Pem = R"(-----BEGIN EC PRIVATE KEY-----
MHcCAQEEINv+eV7PPUH3h1wwObumCC8xInDpVKoMxvUuWD4uEMPYoAoGCCqGSM49
AwEHoUQDQgAEFlp1xerwgl/IHIve7v3yQPasA9/A7edwi6/xZqjQ6JDbIdvRrD0V
BZwBNxbKOSiSrw5u296H6xPyKSBoKKG4Bw==
-----END EC PRIVATE KEY-----
)";
constexpr const char* kPublicPem = R"(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEFlp1xerwgl/IHIve7v3yQPasA9/A
7edwi6/xZqjQ6JDbIdvRrD0VBZwBNxbKOSiSrw5u296H6xPyKSBoKKG4Bw==
-----END PUBLIC KEY-----
)";
constexpr const char* kCertificatePem = R"(-----BEGIN CERTIFICATE-----
MIIBLjCB1aADAgECAgEBMAoGCCqGSM49BAMCMCExHzAdBgNVBAMMFnBpZXIgdGVz
dCB0b2tlbiBzaWduZXIwHhcNMjQwMTAxMDAwMDAwWhcNNDQwMTAxMDAwMDAwWjAh
MR8wHQYDVQQDDBZwaWVyIHRlc3QgdG9rZW4gc2lnbmVyMFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEFlp1xerwgl/IHIve7v3yQPasA9/A7edwi6/xZqjQ6JDbIdvR
rD0VBZwBNxbKOSiSrw5u296H6xPyKSBoKKG4BzAKBggqhkjOPQQDAgNIADBFAiA6
LaLAQdWMnTjOFqRTpM1rey0SqMg1w+46kVHHMXWQ9QIhAMvdXwSQOTLVznmC0ICv
btGOj5VrpkY8l1LFT/NB0xB1
-----END CERTIFICATE-----
)";
constexpr const char* kEncryptedPem = R"(-----BEGIN ENCRYPTED PRIVATE KEY-----
MIH0MF8GCSqGSIb3DQEFDTBSMDEGCSqGSIb3DQEFDDAkBBAp8ZbpdXR3pzBxhImK
YNBqAgIIADAMBggqhkiG9w0CCQUAMB0GCWCGSAFlAwQBKgQQbYZs+lRfk+JL4Crq
yGa1TgSBkJP62NK75auCyJ53LkruiDyVDPShn/5TGiGKBJXxwrkKnGs/+csbPnDB
bakErMGyIwkgrxbTLyrXvvPz1IOxv09P1rguRiqKFmA7NDadqiWY9uTqNv6xTiyn
q5rdME0L+cS2kNED3D2vZM7hR8FrzHo5duBF/y31aZ1V+ZtQ7COo7Jfj5yGse+va
ZNUQumRUqA==
-----END ENCRYPTED PRIVATE KEY-----
)";
constexpr const char* kKeyId = "VUS2:I6W4:ECD2:5MI6:DOML:F7HP:CYU3:KWEC:VHVV:PEVJ:YLJO:37IK";

// A token signed by that key with Python's `cryptography` (raw R||S), for claims
// {"iss":"auth.example.com","sub":"alice","aud":["other","registry.example.com"],
//  "exp":1700000300,"nbf":1700000000,"iat":1700000000,"jti":"abc123",
//  "access":[{"type":"repository","class":"image","name":"library/alpine","actions":["pull","push"]}]}
constexpr const char* kForeignToken =
    "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6IlZVUzI6STZXNDpFQ0QyOjVNSTY6RE9NTDpGN0hQOkNZVTM6S1dFQzpWSFZWOlBFVko6"
    "WUxKTzozN0lLIn0.eyJpc3MiOiJhdXRoLmV4YW1wbGUuY29tIiwic3ViIjoiYWxpY2UiLCJhdWQiOlsib3RoZXIiLCJyZWdpc3RyeS5leGFtcGxl"
    "LmNvbSJdLCJleHAiOjE3MDAwMDAzMDAsIm5iZiI6MTcwMDAwMDAwMCwiaWF0IjoxNzAwMDAwMDAwLCJqdGkiOiJhYmMxMjMiLCJhY2Nlc3MiOlt7"
    "InR5cGUiOiJyZXBvc2l0b3J5IiwiY2xhc3MiOiJpbWFnZSIsIm5hbWUiOiJsaWJyYXJ5L2FscGluZSIsImFjdGlvbnMiOlsicHVsbCIsInB1c2gi"
    "XX1dfQ.ZdYlQ2-itoMqF_OLq9MNHb7wIrCvBXpovVV59oGu8Fd4E2FtewbpgZVpxXzOx0xMeXQBzV1LlQx40pcFvOJxaw";

constexpr const char* kP384PrivatePem = R"(-----BEGIN PRIVATE KEY-----
MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDCIKw9H+dYdvphOoS1G
0vUEJNz/WtUNAclmlaR1Ftw1aRVT7cLKDH+CwyUvMwe1n9GhZANiAARzU5ZEIob7
pVNMeg+ZyAHKJRXDo3sG6nzVr+umXcT+MBhA+tdlYiDglvEIrN8TrVJw6aKXQqnN
KU4KQzOhKnEl82eetZiX9+k8ptioXATtny4ZaCW1Xy6rTOZYOA2KV1Y=
-----END PRIVATE KEY-----
)";
constexpr const char* kP384PublicPem = R"(-----BEGIN PUBLIC KEY-----
MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEc1OWRCKG+6VTTHoPmcgByiUVw6N7Bup8
1a/rpl3E/jAYQPrXZWIg4JbxCKzfE61ScOmil0KpzSlOCkMzoSpxJfNnnrWYl/fp
PKbYqFwE7Z8uGWgltV8uq0zmWDgNildW
-----END PUBLIC KEY-----
)";
constexpr const char* kRsaPublicPem = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAmkmXqEOlkoeRGzl/AL59
G7SAx7M+/tgtDjQ5VAswMQ7xFizWwZHTDNhFsCDPQyDpq7eIMX+07tC8BXoNO3Zz
0z7Iz64n0PdaAbwLwKnPqX9aIY33CL1bTX3sBkVnesbfHnix0nEkw7JeRoV0jbaw
uNBdUbNE+5ZdCKrgK9avgbJwyHRjuKk7/n4GMfjBmGQbs+blT9gPFwy57BrhbJ88
hsJRIamEJivedVFZDgtawm55zoxXd6Zmqs+hdj2XPUft6Cy55U45qfN1T57iRB+N
rran59TjNB3+vv1NNIU5ymHma41hstm5xd8k7YqtoszxQxj+kAFesr6guVIupBW9
AQIDAQAB
-----END PUBLIC KEY-----
)";

Claims sample_claims() {
  Claims claims;
  claims.issuer = std::string(kIssuer);
  claims.subject = "alice";
  claims.audience = std::string(kAudience);
  claims.issued_at = kNow - 10;
  claims.not_before = kNow - 10;
  claims.expires_at = kNow + 300;
  claims.id = "b6d3f0c2-token-id";
  claims.access = {{"repository", "library/alpine", {"pull", "push"}}, {"registry", "catalog", {"*"}}};
  return claims;
}

std::vector<std::string> split(const std::string& token) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t dot; (dot = token.find('.', start)) != std::string::npos; start = dot + 1) {
    parts.push_back(token.substr(start, dot - start));
  }
  parts.push_back(token.substr(start));
  return parts;
}

std::string encode_json(const json::value& v) { return base64url_encode(json::serialize(v)); }

json::object claims_json(const Claims& c) {
  return json::object{{"iss", c.issuer},    {"sub", c.subject},    {"aud", c.audience}, {"exp", c.expires_at},
                      {"nbf", c.not_before}, {"iat", c.issued_at}, {"jti", c.id}};
}

// HMAC-SHA256 (RFC 2104) from sha256_hex, so this test needs no crypto library of its own.
std::string sha256_raw(std::string_view bytes) {
  const std::string hex = sha256_hex(bytes);
  std::string raw;
  for (std::size_t i = 0; i < hex.size(); i += 2) raw.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return raw;
}
std::string hmac_sha256(std::string key, std::string_view message) {
  if (key.size() > 64) key = sha256_raw(key);
  key.resize(64, '\0');
  std::string inner(64, '\0');
  std::string outer(64, '\0');
  for (std::size_t i = 0; i < 64; ++i) {
    inner[i] = static_cast<char>(key[i] ^ 0x36);
    outer[i] = static_cast<char>(key[i] ^ 0x5c);
  }
  return sha256_raw(outer + sha256_raw(inner + std::string(message)));
}

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = SigningKey::generate();
    ASSERT_TRUE(key);
    key_.emplace(std::move(*key));
  }

  std::string sign_sample(const Claims& claims = sample_claims()) {
    auto token = sign(claims, *key_);
    EXPECT_TRUE(token);
    return token ? *token : std::string();
  }

  Result<Claims> check(std::string_view token, std::int64_t now = kNow) {
    return verify(token, key_->verification_key(), kIssuer, kAudience, now);
  }

  // Expects `token` refused with kUnauthorized and exactly `message`.
  void expect_refused(std::string_view token, std::string_view message, std::int64_t now = kNow) {
    auto claims = check(token, now);
    ASSERT_FALSE(claims) << "accepted: " << token;
    EXPECT_EQ(claims.error().code, ErrorCode::kUnauthorized);
    EXPECT_EQ(claims.error().message, message);
    if (!token.empty()) {
      EXPECT_EQ(claims.error().message.find(token), std::string::npos);
    }
  }

  // A token with these exact header and payload objects, validly ES256-signed by key_.
  std::string signed_with(const json::object& header, const json::object& payload) {
    auto token = sign_jws(json::serialize(header), json::serialize(payload), *key_);
    EXPECT_TRUE(token);
    return token ? *token : std::string();
  }

  static json::object es256_header() { return json::object{{"typ", "JWT"}, {"alg", "ES256"}}; }

  std::optional<SigningKey> key_;
};

TEST_F(JwtTest, RoundTripKeepsEveryClaim) {
  const Claims claims = sample_claims();
  auto verified = check(sign_sample(claims));
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(*verified, claims);
}

TEST_F(JwtTest, AnApiTokensScopesRoundTrip) {
  Claims claims = sample_claims();
  claims.scopes = {"repo:read", "org:admin"};
  const auto token = sign_sample(claims);
  auto verified = check(token);
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->scopes, claims.scopes);
  const auto payload = json::parse(*base64url_decode(split(token)[1]));
  EXPECT_EQ(payload.at("pier_scopes"), json::parse(R"(["repo:read","org:admin"])"));
  // Without scopes the claim is left out, as other token servers write their tokens.
  EXPECT_FALSE(json::parse(*base64url_decode(split(sign_sample())[1])).as_object().contains("pier_scopes"));
}

TEST_F(JwtTest, SignedTokenHasTheJoseLayout) {
  const auto parts = split(sign_sample());
  ASSERT_EQ(parts.size(), 3u);
  auto header = base64url_decode(parts[0]);
  ASSERT_TRUE(header);
  EXPECT_EQ(json::parse(*header), json::value(json::object{{"typ", "JWT"}, {"alg", "ES256"}, {"kid", key_->key_id()}}));

  auto payload = base64url_decode(parts[1]);
  ASSERT_TRUE(payload);
  const json::value claims = json::parse(*payload);
  EXPECT_EQ(claims.at("iss"), json::value(kIssuer));
  EXPECT_EQ(claims.at("sub"), json::value("alice"));
  EXPECT_EQ(claims.at("aud"), json::value(kAudience));  // a string, as distribution's token servers write it
  EXPECT_EQ(claims.at("exp"), json::value(kNow + 300));
  EXPECT_EQ(claims.at("nbf"), json::value(kNow - 10));
  EXPECT_EQ(claims.at("iat"), json::value(kNow - 10));
  EXPECT_EQ(claims.at("jti"), json::value("b6d3f0c2-token-id"));
  EXPECT_EQ(claims.at("access"), json::parse(R"([{"type":"repository","name":"library/alpine","actions":["pull","push"]},
                                                 {"type":"registry","name":"catalog","actions":["*"]}])"));

  // JOSE's raw R||S, not OpenSSL's DER (which is 70-72 bytes and starts 0x30).
  auto signature = base64url_decode(parts[2]);
  ASSERT_TRUE(signature);
  EXPECT_EQ(signature->size(), 64u);
}

TEST_F(JwtTest, EmptyClaimsRoundTrip) {
  Claims claims;
  claims.issuer = std::string(kIssuer);
  claims.audience = std::string(kAudience);
  claims.expires_at = kNow;
  auto verified = check(sign_sample(claims));
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(*verified, claims);
}

TEST_F(JwtTest, VerifiesATokenSignedElsewhere) {
  auto key = VerificationKey::from_pem(kPublicPem);
  ASSERT_TRUE(key) << key.error().message;
  auto claims = verify(kForeignToken, *key, kIssuer, kAudience, 1'700'000'100);
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->issuer, kIssuer);
  EXPECT_EQ(claims->subject, "alice");
  EXPECT_EQ(claims->audience, kAudience);  // the one of the array this service accepted
  EXPECT_EQ(claims->issued_at, 1'700'000'000);
  EXPECT_EQ(claims->not_before, 1'700'000'000);
  EXPECT_EQ(claims->expires_at, 1'700'000'300);
  EXPECT_EQ(claims->id, "abc123");
  ASSERT_EQ(claims->access.size(), 1u);  // "class" is ignored
  EXPECT_EQ(claims->access[0], (Access{"repository", "library/alpine", {"pull", "push"}}));

  auto other = verify(kForeignToken, key_->verification_key(), kIssuer, kAudience, 1'700'000'100);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().message, "token signature is invalid");
}

TEST_F(JwtTest, TamperedPayloadIsRefused) {
  auto parts = split(sign_sample());
  Claims forged = sample_claims();
  forged.subject = "admin";
  parts[1] = encode_json(claims_json(forged));
  expect_refused(parts[0] + "." + parts[1] + "." + parts[2], "token signature is invalid");
}

TEST_F(JwtTest, TamperedHeaderIsRefused) {
  auto parts = split(sign_sample());
  parts[0] = encode_json(json::object{{"typ", "JWT"}, {"alg", "ES256"}, {"kid", "another"}});
  expect_refused(parts[0] + "." + parts[1] + "." + parts[2], "token signature is invalid");
}

TEST_F(JwtTest, TamperedSignatureIsRefused) {
  const auto parts = split(sign_sample());
  const std::string signature = *base64url_decode(parts[2]);
  for (std::size_t byte : {0u, 20u, 31u, 32u, 50u, 63u}) {  // in R and in S
    std::string flipped = signature;
    flipped[byte] = static_cast<char>(flipped[byte] ^ 0x01);
    expect_refused(parts[0] + "." + parts[1] + "." + base64url_encode(flipped), "token signature is invalid");
  }
  // R and S swapped, truncated, extended, zero, empty.
  expect_refused(parts[0] + "." + parts[1] + "." + base64url_encode(signature.substr(32) + signature.substr(0, 32)),
                 "token signature is invalid");
  expect_refused(parts[0] + "." + parts[1] + "." + base64url_encode(signature.substr(0, 63)),
                 "token signature is invalid");
  expect_refused(parts[0] + "." + parts[1] + "." + base64url_encode(signature + '\0'), "token signature is invalid");
  expect_refused(parts[0] + "." + parts[1] + "." + base64url_encode(std::string(64, '\0')),
                 "token signature is invalid");
  expect_refused(parts[0] + "." + parts[1] + ".", "token signature is invalid");
}

TEST_F(JwtTest, TokenOfAnotherKeyIsRefused) {
  auto other = SigningKey::generate();
  ASSERT_TRUE(other);
  EXPECT_NE(other->key_id(), key_->key_id());
  auto token = sign(sample_claims(), *other);
  ASSERT_TRUE(token);
  expect_refused(*token, "token signature is invalid");
}

TEST_F(JwtTest, AlgNoneIsRefused) {
  const auto parts = split(sign_sample());
  const std::string none = encode_json(json::object{{"typ", "JWT"}, {"alg", "none"}});
  expect_refused(none + "." + parts[1] + ".", "token algorithm is not ES256");
  // Even when the signature is a valid ES256 one over that very header.
  expect_refused(signed_with(json::object{{"typ", "JWT"}, {"alg", "none"}}, claims_json(sample_claims())),
                 "token algorithm is not ES256");
}

TEST_F(JwtTest, AlgHs256KeyedWithThePublicKeyIsRefused) {
  // The classic confusion attack: HMAC keyed with the (public) PEM of the verification key.
  ASSERT_EQ(base64url_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
            base64url_encode(std::string("\x5b\xdc\xc1\x46\xbf\x60\x75\x4e\x6a\x04\x24\x26\x08\x95\x75\xc7\x5a\x00\x3f"
                                         "\x08\x9d\x27\x39\x83\x9d\xec\x58\xb9\x64\xec\x38\x43",
                                         32)));  // RFC 4231 test case 2: the helper is right
  const std::string input = encode_json(json::object{{"typ", "JWT"}, {"alg", "HS256"}}) + "." +
                            encode_json(claims_json(sample_claims()));
  const std::string mac = hmac_sha256(key_->public_pem(), input);
  expect_refused(input + "." + base64url_encode(mac), "token algorithm is not ES256");
  expect_refused(signed_with(json::object{{"typ", "JWT"}, {"alg", "HS256"}}, claims_json(sample_claims())),
                 "token algorithm is not ES256");
}

TEST_F(JwtTest, OnlyExactlyEs256IsAccepted) {
  const json::object payload = claims_json(sample_claims());
  for (const json::value& alg : {json::value("es256"), json::value("ES384"), json::value("RS256"), json::value("ES256 "),
                                 json::value(256), json::value(nullptr), json::value(json::array{"ES256"})}) {
    expect_refused(signed_with(json::object{{"typ", "JWT"}, {"alg", alg}}, payload), "token algorithm is not ES256");
  }
  expect_refused(signed_with(json::object{{"typ", "JWT"}}, payload), "token algorithm is not ES256");
  // And the control: the same path with "ES256" passes.
  EXPECT_TRUE(check(signed_with(es256_header(), payload)));
}

TEST_F(JwtTest, CriticalHeaderExtensionsAreRefused) {
  json::object header = es256_header();
  header["crit"] = json::array{"exp"};
  expect_refused(signed_with(header, claims_json(sample_claims())), "token has critical header extensions");
}

TEST_F(JwtTest, WrongIssuerIsRefused) {
  Claims claims = sample_claims();
  claims.issuer = "evil.example.com";
  expect_refused(sign_sample(claims), "token issuer is not trusted");
  claims.issuer = "auth.example.com ";
  expect_refused(sign_sample(claims), "token issuer is not trusted");
  json::object payload = claims_json(sample_claims());
  payload.erase("iss");
  expect_refused(signed_with(es256_header(), payload), "token issuer is not trusted");
}

TEST_F(JwtTest, WrongAudienceIsRefused) {
  Claims claims = sample_claims();
  claims.audience = "other.example.com";
  expect_refused(sign_sample(claims), "token is not for this service (audience)");

  json::object payload = claims_json(sample_claims());
  payload["aud"] = json::array{"a.example.com", "b.example.com"};
  expect_refused(signed_with(es256_header(), payload), "token is not for this service (audience)");
  payload.erase("aud");
  expect_refused(signed_with(es256_header(), payload), "token is not for this service (audience)");
}

TEST_F(JwtTest, AudienceArrayHoldingThisServiceIsAccepted) {
  json::object payload = claims_json(sample_claims());
  payload["aud"] = json::array{"a.example.com", kAudience};
  auto claims = check(signed_with(es256_header(), payload));
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->audience, kAudience);
}

TEST_F(JwtTest, ExpiryAllowsSixtySecondsOfSkew) {
  Claims claims = sample_claims();
  claims.not_before = 0;
  claims.expires_at = kNow - kClockSkewLeewaySeconds;
  EXPECT_TRUE(check(sign_sample(claims)));
  claims.expires_at = kNow - kClockSkewLeewaySeconds - 1;
  expect_refused(sign_sample(claims), "token has expired");
  claims.expires_at = kNow - 86400;
  expect_refused(sign_sample(claims), "token has expired");
  // The same token is fine earlier.
  EXPECT_TRUE(check(sign_sample(claims), kNow - 86400));
}

TEST_F(JwtTest, NotBeforeAllowsSixtySecondsOfSkew) {
  Claims claims = sample_claims();
  claims.not_before = kNow + kClockSkewLeewaySeconds;
  EXPECT_TRUE(check(sign_sample(claims)));
  claims.not_before = kNow + kClockSkewLeewaySeconds + 1;
  expect_refused(sign_sample(claims), "token is not valid yet");
  claims.not_before = kNow + 3600;
  expect_refused(sign_sample(claims), "token is not valid yet");
}

TEST_F(JwtTest, ExpiryIsRequiredAndExtremeTimesDoNotOverflow) {
  json::object payload = claims_json(sample_claims());
  payload.erase("exp");
  expect_refused(signed_with(es256_header(), payload), "token has no expiry time");
  payload["exp"] = nullptr;
  expect_refused(signed_with(es256_header(), payload), "token has no expiry time");

  payload["exp"] = std::numeric_limits<std::int64_t>::max();
  payload["nbf"] = std::numeric_limits<std::int64_t>::min();
  auto claims = check(signed_with(es256_header(), payload));
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->expires_at, std::numeric_limits<std::int64_t>::max());

  payload["exp"] = std::numeric_limits<std::int64_t>::min();
  payload["nbf"] = std::numeric_limits<std::int64_t>::max();
  expect_refused(signed_with(es256_header(), payload), "token has expired");
}

TEST_F(JwtTest, NumericDatesMayBeFractional) {
  json::object payload = claims_json(sample_claims());
  payload["exp"] = static_cast<double>(kNow) + 0.5;
  payload["iat"] = 1.7e9;
  auto claims = check(signed_with(es256_header(), payload));
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->expires_at, kNow);
  EXPECT_EQ(claims->issued_at, 1'700'000'000);
}

TEST_F(JwtTest, OptionalClaimsMayBeAbsentOrNull) {
  json::object payload{{"iss", kIssuer}, {"aud", kAudience}, {"exp", kNow}, {"access", nullptr}};
  auto claims = check(signed_with(es256_header(), payload));
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->subject, "");
  EXPECT_EQ(claims->id, "");
  EXPECT_EQ(claims->issued_at, 0);
  EXPECT_EQ(claims->not_before, 0);
  EXPECT_TRUE(claims->access.empty());

  payload["access"] = json::parse(R"([{"type":"repository","name":"a/b","actions":null}])");
  claims = check(signed_with(es256_header(), payload));
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->access, (std::vector<Access>{{"repository", "a/b", {}}}));
}

TEST_F(JwtTest, ClaimsOfTheWrongTypeAreRefused) {
  const json::object good = claims_json(sample_claims());
  const std::vector<std::pair<std::string, json::value>> wrong = {
      {"exp", json::value("1700000400")},
      {"exp", json::value(1e300)},
      {"exp", json::value(18446744073709551615ull)},
      {"nbf", json::value(true)},
      {"iat", json::value(json::array{})},
      {"iss", json::value(42)},
      {"sub", json::value(json::object{})},
      {"jti", json::value(7)},
      {"aud", json::value(json::array{kAudience, 3})},
      {"aud", json::value(5)},
      {"access", json::value("repository:a/b:pull")},
      {"access", json::parse(R"(["repository"])")},
      {"access", json::parse(R"([{"name":"a/b","actions":["pull"]}])")},
      {"access", json::parse(R"([{"type":"repository","name":1,"actions":["pull"]}])")},
      {"access", json::parse(R"([{"type":"repository","name":"a/b","actions":"pull"}])")},
      {"access", json::parse(R"([{"type":"repository","name":"a/b","actions":["pull",1]}])")},
  };
  for (const auto& [name, value] : wrong) {
    json::object payload = good;
    payload[name] = value;
    SCOPED_TRACE(name + " = " + json::serialize(value));
    expect_refused(signed_with(es256_header(), payload), "malformed token claims");
  }
}

TEST_F(JwtTest, MalformedTokensAreRefused) {
  const auto parts = split(sign_sample());
  const std::string& h = parts[0];
  const std::string& p = parts[1];
  const std::string& s = parts[2];
  for (const std::string& bad : {
           std::string(),
           std::string("."),
           std::string(".."),
           h + "." + p,                                    // two parts
           h + "." + p + "." + s + "." + s,                // four parts
           h + "." + p + "." + s + ".",
           "!!!!." + p + "." + s,                          // not base64url
           h + "." + p + "." + s + "=",                    // padding
           h + "=." + p + "." + s,
           h + "." + p + "+" + "." + s,                    // standard-base64 character
           h + "." + p + "." + s.substr(0, s.size() - 1),  // a length base64 cannot have
           base64url_encode("not json") + "." + p + "." + s,
           base64url_encode("[\"ES256\"]") + "." + p + "." + s,  // JSON, not an object
           h + "." + base64url_encode("{\"iss\":") + "." + s,
           h + "." + base64url_encode("\"a string\"") + "." + s,
           h + "." + base64url_encode(json::serialize(claims_json(sample_claims())) + "x") + "." + s,
           h + "." + p.substr(0, p.size() / 2) + "." + s,
           " " + h + "." + p + "." + s,
       }) {
    expect_refused(bad, "malformed token");
  }
}

TEST_F(JwtTest, MessagesNeverQuoteTheToken) {
  Claims claims = sample_claims();
  claims.issuer = "issuer-value-from-token";
  claims.subject = "subject-value-from-token";
  auto token = sign(claims, *key_);
  ASSERT_TRUE(token);
  auto result = check(*token);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message.find("issuer-value-from-token"), std::string::npos);
  EXPECT_EQ(result.error().message.find("subject-value-from-token"), std::string::npos);
  EXPECT_EQ(result.error().detail, "");
}

TEST_F(JwtTest, OneKeySignsAndVerifiesFromManyThreads) {
  const VerificationKey verification = key_->verification_key();
  std::vector<std::thread> threads;
  std::atomic<int> verified{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        Claims claims = sample_claims();
        claims.id = std::to_string(t) + "-" + std::to_string(i);
        auto token = sign(claims, *key_);
        if (!token) continue;
        auto back = verify(*token, verification, kIssuer, kAudience, kNow);
        if (back && back->id == claims.id) ++verified;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(verified.load(), 100);
}

// --- keys ---

TEST(JwtKeys, KeyIdIsLibtrustsFingerprint) {
  auto key = SigningKey::from_pem(kPkcs8Pem);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->key_id(), kKeyId);
  EXPECT_EQ(key->public_pem(), kPublicPem);
  EXPECT_EQ(key->verification_key().key_id(), kKeyId);
}

TEST(JwtKeys, EveryFormOfOneKeyGivesTheSameKeyId) {
  auto sec1 = SigningKey::from_pem(kSec1Pem);
  ASSERT_TRUE(sec1) << sec1.error().message;
  EXPECT_EQ(sec1->key_id(), kKeyId);
  auto public_key = VerificationKey::from_pem(kPublicPem);
  ASSERT_TRUE(public_key) << public_key.error().message;
  EXPECT_EQ(public_key->key_id(), kKeyId);
  EXPECT_EQ(public_key->public_pem(), kPublicPem);
  auto certificate = VerificationKey::from_pem(kCertificatePem);
  ASSERT_TRUE(certificate) << certificate.error().message;
  EXPECT_EQ(certificate->key_id(), kKeyId);

  // The key from the certificate checks what the private key signs.
  auto token = sign(sample_claims(), *sec1);
  ASSERT_TRUE(token);
  EXPECT_TRUE(verify(*token, *certificate, kIssuer, kAudience, kNow));
}

TEST(JwtKeys, KeyIdIsStableAndHasLibtrustsShape) {
  auto key = SigningKey::generate();
  ASSERT_TRUE(key);
  const std::regex shape("^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$");
  EXPECT_TRUE(std::regex_match(key->key_id(), shape)) << key->key_id();
  EXPECT_EQ(key->key_id(), key->key_id());
  EXPECT_EQ(key->verification_key().key_id(), key->key_id());

  auto pem = key->private_pem();
  ASSERT_TRUE(pem);
  EXPECT_EQ(pem->rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
  auto reloaded = SigningKey::from_pem(*pem);
  ASSERT_TRUE(reloaded) << reloaded.error().message;
  EXPECT_EQ(reloaded->key_id(), key->key_id());
  auto from_public = VerificationKey::from_pem(key->public_pem());
  ASSERT_TRUE(from_public);
  EXPECT_EQ(from_public->key_id(), key->key_id());

  // A reloaded key signs what the original's public half accepts.
  auto token = sign(sample_claims(), *reloaded);
  ASSERT_TRUE(token);
  EXPECT_TRUE(verify(*token, key->verification_key(), kIssuer, kAudience, kNow));

  auto other = SigningKey::generate();
  ASSERT_TRUE(other);
  EXPECT_NE(other->key_id(), key->key_id());
}

TEST(JwtKeys, LoadsFromFiles) {
  pier::testing::TempDir dir;
  const auto private_path = (dir.path() / "signing.pem").string();
  const auto public_path = (dir.path() / "verification.pem").string();
  std::ofstream(private_path) << kPkcs8Pem;
  std::ofstream(public_path) << kCertificatePem;
  auto signing = SigningKey::from_pem_file(private_path);
  ASSERT_TRUE(signing) << signing.error().message;
  EXPECT_EQ(signing->key_id(), kKeyId);
  auto verification = VerificationKey::from_pem_file(public_path);
  ASSERT_TRUE(verification) << verification.error().message;
  EXPECT_EQ(verification->key_id(), kKeyId);

  const auto missing = (dir.path() / "missing.pem").string();
  auto absent = SigningKey::from_pem_file(missing);
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().code, ErrorCode::kInternal);
  EXPECT_EQ(absent.error().message.find(missing), std::string::npos);  // no paths in messages
  EXPECT_FALSE(VerificationKey::from_pem_file(missing));
}

TEST(JwtKeys, RefusesKeysThatAreNotP256) {
  for (const char* pem : {kP384PrivatePem, kEncryptedPem, kPublicPem, kCertificatePem, "", "garbage"}) {
    auto key = SigningKey::from_pem(pem);
    ASSERT_FALSE(key) << pem;
    EXPECT_EQ(key.error().code, ErrorCode::kInternal);
  }
  for (const char* pem : {kP384PublicPem, kRsaPublicPem, "", "garbage",
                          "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}) {
    auto key = VerificationKey::from_pem(pem);
    ASSERT_FALSE(key) << pem;
    EXPECT_EQ(key.error().code, ErrorCode::kInternal);
  }
}

}  // namespace
}  // namespace pier::auth
