// One suite for every BlobStore implementation.
#include "storage/blob_store.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <functional>

#include "common/clock.h"
#include "meta/sqlite/sqlite_store.h"
#include "s3_server.h"
#include "services/metadata_upload_journal.h"
#include "storage/fs/fs_blob_store.h"
#include "storage/layout.h"
#include "storage/memory/memory_blob_store.h"
#include "storage/s3/s3_blob_store.h"
#include "test_dirs.h"

namespace pier::storage {
namespace {

constexpr std::uint64_t kS3PartSize = 5ull << 20;  // S3's smallest

// A store, and what it needs kept alive beside it.
struct MadeStore {
  std::unique_ptr<BlobStore> store;
  std::shared_ptr<void> keep;
};

// An S3 store on a new bucket, its uploads journaled in a metadata store of its own, as
// every replica's are; `again` makes a second store (another replica) over the same two.
struct S3Replicas {
  explicit S3Replicas(const std::filesystem::path& dir)
      : metadata(meta::open_sqlite_store(dir / "pier.db")),
        journal(*metadata),
        bucket(pier::testing::S3Server::shared().create_bucket()) {}
  std::unique_ptr<BlobStore> replica() { return make_s3_blob_store({bucket, kS3PartSize, 0}, journal, Clock::system()); }

  std::unique_ptr<meta::MetadataStore> metadata;
  services::MetadataUploadJournal journal;
  s3::S3Options bucket;
};

MadeStore make_s3_store(const std::filesystem::path& dir) {
  auto replicas = std::make_shared<S3Replicas>(dir);
  return {replicas->replica(), replicas};
}

struct Backend {
  std::string name;
  std::function<MadeStore(const std::filesystem::path&)> make;
};

std::string read_region(const FileRegion& region) {
  std::string bytes(region.length(), '\0');
  EXPECT_TRUE(region.read_into(bytes.data()));
  return bytes;
}

std::string pattern(std::size_t size, char seed) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(seed + static_cast<char>(i % 251));
  return bytes;
}

class BlobStoreSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    made_ = GetParam().make(dir_.path());
    store_ = made_.store.get();
  }

  Digest upload(std::string_view bytes) {
    const auto id = new_upload_id();
    EXPECT_TRUE(store_->create_upload(id));
    auto appender = store_->append_upload(id);
    EXPECT_TRUE(appender);
    EXPECT_TRUE((*appender)->append(bytes));
    appender->reset();
    const auto digest = digest_of(bytes);
    EXPECT_TRUE(store_->commit_upload(id, digest));
    return digest;
  }

  testing::TempDir dir_;
  MadeStore made_;
  BlobStore* store_ = nullptr;
};

TEST_P(BlobStoreSuite, CommittedUploadIsReadableByDigest) {
  const auto digest = upload("hello blob");
  ASSERT_EQ(store_->stat(digest).value(), 10u);
  auto region = store_->open(digest, 6, 4);
  ASSERT_TRUE(region);
  EXPECT_EQ(read_region(**region), "blob");
  EXPECT_TRUE(store_->list_uploads(BlobStore::kAllUploads).value().empty());
}

TEST_P(BlobStoreSuite, UnknownBlobAndUpload) {
  const auto digest = digest_of("absent");
  EXPECT_EQ(store_->stat(digest).error().code, ErrorCode::kBlobUnknown);
  EXPECT_EQ(store_->open(digest, 0, 1).error().code, ErrorCode::kBlobUnknown);
  const auto id = new_upload_id();
  EXPECT_EQ(store_->upload_size(id).error().code, ErrorCode::kBlobUploadUnknown);
  EXPECT_EQ(store_->append_upload(id).error().code, ErrorCode::kBlobUploadUnknown);
  EXPECT_EQ(store_->commit_upload(id, digest).error().code, ErrorCode::kBlobUploadUnknown);
}

TEST_P(BlobStoreSuite, UploadsGrowAndReadBackInOrder) {
  const auto id = new_upload_id();
  ASSERT_TRUE(store_->create_upload(id));
  for (const char* part : {"one,", "two,", "three"}) {
    auto appender = store_->append_upload(id);
    ASSERT_TRUE(appender);
    ASSERT_TRUE((*appender)->append(part));
  }
  EXPECT_EQ(store_->upload_size(id).value(), 13u);
  std::string seen;
  ASSERT_TRUE(store_->read_upload(id, [&](std::string_view bytes) { seen.append(bytes); }));
  EXPECT_EQ(seen, "one,two,three");
  EXPECT_EQ(store_->list_uploads(BlobStore::kAllUploads).value(), std::vector<std::string>{id});
  ASSERT_TRUE(store_->remove_upload(id));
  EXPECT_TRUE(store_->list_uploads(BlobStore::kAllUploads).value().empty());
  EXPECT_TRUE(store_->remove_upload(id));  // already gone is fine
}

TEST_P(BlobStoreSuite, SameContentTwiceIsOneBlob) {
  const auto first = upload("same bytes");
  const auto second = upload("same bytes");
  EXPECT_EQ(first, second);
  EXPECT_EQ(store_->stat(first).value(), 10u);
  ASSERT_TRUE(store_->remove(first));
  EXPECT_EQ(store_->stat(first).error().code, ErrorCode::kBlobUnknown);
}

// distribution's testContinueStreamAppend: an upload written in requests that end mid-part,
// resumed by new appenders, committed, and read back whole and in ranges.
TEST_P(BlobStoreSuite, UploadResumedAcrossPartsReadsBackExactly) {
  const std::string first = pattern(kS3PartSize + kS3PartSize / 2, 'a');  // a part and a half
  const std::string second = pattern(kS3PartSize / 2 + 3, 'k');          // fills the second part, and 3 bytes
  const std::string third = "end";
  const auto id = new_upload_id();
  ASSERT_TRUE(store_->create_upload(id));
  for (const auto& piece : {first, second, third}) {
    auto appender = store_->append_upload(id);
    ASSERT_TRUE(appender);
    const std::size_t split = std::min<std::size_t>(1000, piece.size());  // requests come in chunks
    ASSERT_TRUE((*appender)->append(piece.substr(0, split)));
    ASSERT_TRUE((*appender)->append(piece.substr(split)));
    ASSERT_TRUE((*appender)->close());
  }
  const std::string all = first + second + third;
  EXPECT_EQ(store_->upload_size(id).value(), all.size());
  const auto digest = digest_of(all);
  ASSERT_TRUE(store_->commit_upload(id, digest));
  EXPECT_EQ(store_->stat(digest).value(), all.size());
  EXPECT_EQ(read_region(*store_->open(digest, 0, all.size()).value()), all);
  EXPECT_EQ(read_region(*store_->open(digest, kS3PartSize - 2, 5).value()), all.substr(kS3PartSize - 2, 5));
  EXPECT_EQ(store_->upload_size(id).error().code, ErrorCode::kBlobUploadUnknown);
  EXPECT_TRUE(store_->list_uploads(BlobStore::kAllUploads).value().empty());
}

TEST_P(BlobStoreSuite, EmptyUploadCommitsAnEmptyBlob) {
  const auto id = new_upload_id();
  ASSERT_TRUE(store_->create_upload(id));
  const auto digest = digest_of("");
  ASSERT_TRUE(store_->commit_upload(id, digest));
  EXPECT_EQ(store_->stat(digest).value(), 0u);
  EXPECT_EQ(read_region(*store_->open(digest, 0, 0).value()), "");
}

TEST_P(BlobStoreSuite, RemovedUploadWithPartsIsGone) {
  const auto id = new_upload_id();
  ASSERT_TRUE(store_->create_upload(id));
  ASSERT_TRUE(store_->append_upload(id).value()->append(pattern(kS3PartSize + 10, 'x')));
  ASSERT_TRUE(store_->remove_upload(id));
  EXPECT_EQ(store_->upload_size(id).error().code, ErrorCode::kBlobUploadUnknown);
  EXPECT_EQ(store_->append_upload(id).error().code, ErrorCode::kBlobUploadUnknown);
}

INSTANTIATE_TEST_SUITE_P(
    Backends, BlobStoreSuite,
    ::testing::Values(Backend{"filesystem", [](const auto& dir) { return MadeStore{make_filesystem_blob_store(dir), {}}; }},
                      Backend{"memory", [](const auto&) { return MadeStore{make_memory_blob_store(), {}}; }},
                      Backend{"s3", make_s3_store}),
    [](const auto& info) { return info.param.name; });

// Another replica continues an upload from what the journal says, without reading the
// parts back, and a blob committed by one is read by the other.
TEST(S3BlobStore, AnotherReplicaContinuesAnUpload) {
  testing::TempDir dir;
  S3Replicas shared(dir.path());
  auto one = shared.replica();
  auto two = shared.replica();
  const auto id = new_upload_id();
  ASSERT_TRUE(one->create_upload(id));
  const std::string first = pattern(kS3PartSize + 7, 'p');
  ASSERT_TRUE(one->append_upload(id).value()->append(first));
  EXPECT_EQ(two->upload_size(id).value(), first.size());
  EXPECT_EQ(two->read_upload(id, [](std::string_view) {}).error().code, ErrorCode::kUnsupported);
  ASSERT_TRUE(two->append_upload(id).value()->append("tail"));
  const auto digest = digest_of(first + "tail");
  ASSERT_TRUE(one->commit_upload(id, digest));
  EXPECT_EQ(read_region(*two->open(digest, kS3PartSize, 11).value()), (first + "tail").substr(kS3PartSize, 11));
}

// An upload shorter than a part lives in its tail object: it reads back (to be kept in the
// metadata store, or rehashed), and each request's tail replaces the last.
TEST(S3BlobStore, UploadShorterThanAPartReadsBack) {
  testing::TempDir dir;
  S3Replicas shared(dir.path());
  auto store = shared.replica();
  const auto id = new_upload_id();
  ASSERT_TRUE(store->create_upload(id));
  ASSERT_TRUE(store->append_upload(id).value()->append("small,"));
  ASSERT_TRUE(store->append_upload(id).value()->append("more"));
  std::string seen;
  ASSERT_TRUE(store->read_upload(id, [&](std::string_view bytes) { seen.append(bytes); }));
  EXPECT_EQ(seen, "small,more");
}

}  // namespace
}  // namespace pier::storage
