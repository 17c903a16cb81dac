#include "common/digest.h"

#include <gtest/gtest.h>

namespace pier {
namespace {

TEST(Digest, HashesKnownVectors) {
  EXPECT_EQ(digest_of("").str(), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(digest_of("abc", DigestAlgorithm::kSha512).str(),
            "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(Digest, IncrementalEqualsOneShot) {
  Hasher hasher;
  hasher.update("hello ");
  hasher.update("world");
  EXPECT_EQ(hasher.bytes_hashed(), 11u);
  EXPECT_EQ(hasher.finish(), digest_of("hello world"));
}

TEST(Digest, ParsesValidDigests) {
  auto d = Digest::parse("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->algorithm(), DigestAlgorithm::kSha256);
  EXPECT_EQ(d->hex().size(), 64u);
}

TEST(Digest, RejectsMalformedDigests) {
  for (const char* bad : {"", "sha256", "sha256:", "sha256:abc", "md5:d41d8cd98f00b204e9800998ecf8427e",
                          "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
                          "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g",
                          "sha256:../../../../etc/passwd"}) {
    auto d = Digest::parse(bad);
    ASSERT_FALSE(d) << bad;
    EXPECT_EQ(d.error().code, ErrorCode::kDigestInvalid) << bad;
  }
}

}  // namespace
}  // namespace pier

namespace pier {
namespace {

// An upload's hash is saved after one request and continued by another process.
TEST(Digest, SavedStateContinuesWhereItStopped) {
  std::string bytes;
  for (int i = 0; i < 1000; ++i) bytes += "chunk " + std::to_string(i) + ",";
  for (const std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{63}, std::size_t{64}, std::size_t{65},
                                bytes.size() / 2, bytes.size()}) {
    Hasher first;
    first.update(std::string_view(bytes).substr(0, cut));
    const auto state = first.save_state();
    ASSERT_TRUE(state);
    auto resumed = Hasher::restore_state(*state);
    ASSERT_TRUE(resumed);
    EXPECT_EQ(resumed->bytes_hashed(), cut);
    resumed->update(std::string_view(bytes).substr(cut));
    EXPECT_EQ(resumed->finish(), digest_of(bytes)) << "cut at " << cut;
  }
}

TEST(Digest, DamagedOrForeignStatesAreRefused) {
  Hasher hasher;
  hasher.update("some bytes");
  const std::string state = *hasher.save_state();
  EXPECT_FALSE(Hasher::restore_state(""));
  EXPECT_FALSE(Hasher::restore_state("sha512:10:00"));
  EXPECT_FALSE(Hasher::restore_state(state.substr(0, state.size() - 1)));
  std::string wrong_count = state;
  wrong_count.replace(wrong_count.find(':') + 1, 2, "11");  // claims 11 bytes, counters say 10
  EXPECT_FALSE(Hasher::restore_state(wrong_count));
  EXPECT_FALSE(Hasher(DigestAlgorithm::kSha512).save_state());
}

}  // namespace
}  // namespace pier
