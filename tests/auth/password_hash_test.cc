#include "auth/password_hash.h"

#include <gtest/gtest.h>

#include <string>

namespace pier::auth {
namespace {

// From the Argon2 test vectors ("password", salt "somesalt", m=256 KiB, t=2, p=1), made by
// other implementations; the argon2i one is a valid argon2i hash of "password".
constexpr const char* kReferenceArgon2id =
    "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";
constexpr const char* kReferenceArgon2i =
    "$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8";

TEST(PasswordHash, RoundTripsWithOwaspParameters) {
  auto encoded = hash_password("correct horse battery staple");
  ASSERT_TRUE(encoded);
  const std::string prefix = "$argon2id$v=19$m=19456,t=2,p=1$";
  ASSERT_EQ(encoded->substr(0, prefix.size()), prefix) << *encoded;
  // Then the salt (16 bytes: 22 base64 characters), '$', the hash (32 bytes: 43 characters).
  const std::string rest = encoded->substr(prefix.size());
  const auto dollar = rest.find('$');
  ASSERT_NE(dollar, std::string::npos);
  EXPECT_EQ(dollar, 22u);
  EXPECT_EQ(rest.size() - dollar - 1, 43u);

  EXPECT_TRUE(verify_password("correct horse battery staple", *encoded));
}

TEST(PasswordHash, WrongPasswordFails) {
  auto encoded = hash_password("correct horse battery staple");
  ASSERT_TRUE(encoded);
  EXPECT_FALSE(verify_password("correct horse battery stapl", *encoded));
  EXPECT_FALSE(verify_password("correct horse battery staple ", *encoded));
  EXPECT_FALSE(verify_password("", *encoded));
}

TEST(PasswordHash, EveryByteOfThePasswordCounts) {
  const std::string with_nul("pass\0word", 9);
  auto encoded = hash_password(with_nul);
  ASSERT_TRUE(encoded);
  EXPECT_TRUE(verify_password(with_nul, *encoded));
  EXPECT_FALSE(verify_password("pass", *encoded));

  auto empty = hash_password("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(verify_password("", *empty));
  EXPECT_FALSE(verify_password(" ", *empty));
}

TEST(PasswordHash, EachHashHasItsOwnSalt) {
  auto a = hash_password("hunter2");
  auto b = hash_password("hunter2");
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_NE(*a, *b);
  EXPECT_NE(a->substr(0, a->rfind('$')), b->substr(0, b->rfind('$')));  // the salts differ
  EXPECT_TRUE(verify_password("hunter2", *a));
  EXPECT_TRUE(verify_password("hunter2", *b));
}

TEST(PasswordHash, VerifiesOtherParametersFromTheEncodedString) {
  EXPECT_TRUE(verify_password("password", kReferenceArgon2id));
  EXPECT_FALSE(verify_password("passwore", kReferenceArgon2id));
}

TEST(PasswordHash, RefusesOtherAlgorithms) {
  EXPECT_FALSE(verify_password("password", kReferenceArgon2i));
  // The same string claiming to be another variant.
  std::string as_argon2d = kReferenceArgon2id;
  as_argon2d.replace(0, 9, "$argon2d");
  EXPECT_FALSE(verify_password("password", as_argon2d));
  EXPECT_FALSE(verify_password("password", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"));
}

TEST(PasswordHash, MalformedEncodedStringsFail) {
  const std::string good = kReferenceArgon2id;
  for (const std::string& bad : {
           std::string(),
           std::string("password"),
           std::string("$argon2id$"),
           std::string("$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$"),
           good.substr(0, good.size() - 5),                           // truncated hash
           good + "AAAA",                                             // longer hash
           std::string("$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/5"),
           std::string("$argon2id$v=19$m=abc,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"),
           good + std::string("\0junk", 5),                           // a NUL would hide the junk
           std::string(2000, 'A'),
       }) {
    EXPECT_FALSE(verify_password("password", bad)) << bad;
  }
}

TEST(PasswordHash, UnmatchableHashLooksLikeARealOneAndMatchesNothing) {
  const std::string real = hash_password("secret").value();
  const std::string fake = unmatchable_password_hash().value();
  const auto parts = [](const std::string& phc) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t at; (at = phc.find('$', start)) != std::string::npos; start = at + 1) out.push_back(phc.substr(start, at - start));
    out.push_back(phc.substr(start));
    return out;
  };
  const auto r = parts(real), f = parts(fake);
  ASSERT_EQ(f.size(), r.size());
  for (std::size_t i = 0; i + 2 < r.size(); ++i) EXPECT_EQ(f[i], r[i]);  // algorithm, version, costs
  EXPECT_EQ(f[f.size() - 2].size(), r[r.size() - 2].size());             // salt
  EXPECT_EQ(f.back().size(), r.back().size());                           // digest
  EXPECT_NE(fake, unmatchable_password_hash().value());
  for (const char* password : {"", "secret", "password"}) EXPECT_FALSE(verify_password(password, fake));
}

}  // namespace
}  // namespace pier::auth
