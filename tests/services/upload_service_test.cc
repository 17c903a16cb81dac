#include "services/upload_service.h"

#include <gtest/gtest.h>

#include <fstream>

#include "meta/sqlite/sqlite_lifecycle_store.h"
#include "meta/sqlite/sqlite_store.h"
#include "storage/fs/fs_blob_store.h"
#include "storage/layout.h"
#include "test_dirs.h"

namespace pier::services {
namespace {

class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return time; }
  std::chrono::system_clock::time_point time{std::chrono::seconds(1'000'000)};
};

class UploadServiceTest : public ::testing::Test {
 protected:
  UploadServiceTest()
      : blobs_(storage::make_filesystem_blob_store(dir_.path() / "blobs")),
        metadata_(meta::open_sqlite_store(dir_.path() / "pier.db")),
        lifecycle_(meta::open_sqlite_lifecycle_store(dir_.path() / "pier.db")),
        uploads_(make_service()) {}

  std::unique_ptr<UploadService> make_service() {
    return std::make_unique<UploadService>(*blobs_, *metadata_, *lifecycle_, clock_,
                                           UploadSettings{std::chrono::hours(1), inline_max_bytes_,
                                                          std::chrono::milliseconds(50)});
  }

  void write(const std::string& id, std::string_view bytes, std::optional<ByteRange> range = std::nullopt) {
    auto writer = uploads_->open_writer("repo", id, range);
    ASSERT_TRUE(writer) << writer.error().message;
    ASSERT_TRUE((*writer)->write(bytes));
  }

  testing::TempDir dir_;
  FixedClock clock_;
  std::uint64_t inline_max_bytes_ = 0;
  std::unique_ptr<storage::BlobStore> blobs_;
  std::unique_ptr<meta::MetadataStore> metadata_;
  std::unique_ptr<meta::LifecycleStore> lifecycle_;
  std::unique_ptr<UploadService> uploads_;
};

TEST_F(UploadServiceTest, ChunksCommitUnderTheirDigest) {
  const auto id = uploads_->start("repo").value();
  write(id, "hello ", ByteRange{0, 5});
  write(id, "world", ByteRange{6, 10});
  EXPECT_EQ(uploads_->status("repo", id).value(), 11u);
  auto blob = uploads_->complete("repo", id, digest_of("hello world"));
  ASSERT_TRUE(blob);
  EXPECT_EQ(blob->size, 11u);
  EXPECT_EQ(metadata_->linked_blob_size("repo", digest_of("hello world")).value(), 11u);
  EXPECT_EQ(uploads_->status("repo", id).error().code, ErrorCode::kBlobUploadUnknown);
}

// The HTTP server reuses a chunk's buffer once kHashQueueDepth more chunks have been
// written; the writer must be done with it by then, however far its hashing lags.
TEST_F(UploadServiceTest, LargeChunksInBuffersReusedAfterTheQueueDepthCommitUnderTheirDigest) {
  constexpr std::size_t kChunk = 256 * 1024;
  constexpr int kChunks = 40;
  std::vector<std::string> buffers(UploadWriter::kHashQueueDepth + 1, std::string(kChunk, '\0'));
  std::string expected;
  const auto id = uploads_->start("repo").value();
  {
    auto writer = uploads_->open_writer("repo", id, std::nullopt);
    ASSERT_TRUE(writer) << writer.error().message;
    for (int i = 0; i < kChunks; ++i) {
      std::string& buffer = buffers[i % buffers.size()];
      for (std::size_t j = 0; j < kChunk; ++j) buffer[j] = static_cast<char>((i * 131 + j * 7) % 251);
      expected += buffer;
      ASSERT_TRUE((*writer)->write(buffer));
    }
  }
  auto blob = uploads_->complete("repo", id, digest_of(expected));
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_EQ(blob->size, expected.size());
}

TEST_F(UploadServiceTest, OutOfOrderChunkIsRefused) {
  const auto id = uploads_->start("repo").value();
  write(id, "abc", ByteRange{0, 2});
  auto writer = uploads_->open_writer("repo", id, ByteRange{5, 7});
  ASSERT_FALSE(writer);
  EXPECT_EQ(writer.error().code, ErrorCode::kRangeNotSatisfiable);
  EXPECT_EQ(uploads_->status("repo", id).value(), 3u);
}

TEST_F(UploadServiceTest, DigestMismatchLeavesNothing) {
  const auto id = uploads_->start("repo").value();
  write(id, "content");
  auto blob = uploads_->complete("repo", id, digest_of("other"));
  ASSERT_FALSE(blob);
  EXPECT_EQ(blob.error().code, ErrorCode::kDigestInvalid);
  EXPECT_EQ(blobs_->stat(digest_of("other")).error().code, ErrorCode::kBlobUnknown);
  EXPECT_EQ(blobs_->stat(digest_of("content")).error().code, ErrorCode::kBlobUnknown);
  EXPECT_TRUE(blobs_->list_uploads(storage::BlobStore::kAllUploads).value().empty());
  EXPECT_FALSE(metadata_->get_upload(id).value());
}

TEST_F(UploadServiceTest, SessionSurvivesARestart) {
  const auto id = uploads_->start("repo").value();
  write(id, "first half,");
  uploads_ = make_service();
  EXPECT_EQ(uploads_->status("repo", id).value(), 11u);
  write(id, "second half", ByteRange{11, 21});
  EXPECT_TRUE(uploads_->complete("repo", id, digest_of("first half,second half")));
}

TEST_F(UploadServiceTest, Sha512Digests) {
  const auto id = uploads_->start("repo").value();
  write(id, "abc");
  EXPECT_TRUE(uploads_->complete("repo", id, digest_of("abc", DigestAlgorithm::kSha512)));
}

TEST_F(UploadServiceTest, SessionsBelongToTheirRepository) {
  const auto id = uploads_->start("repo").value();
  EXPECT_EQ(uploads_->status("other", id).error().code, ErrorCode::kBlobUploadUnknown);
  EXPECT_EQ(uploads_->open_writer("other", id, std::nullopt).error().code, ErrorCode::kBlobUploadUnknown);
  EXPECT_EQ(uploads_->status("repo", "not-an-id").error().code, ErrorCode::kBlobUploadUnknown);
}

TEST_F(UploadServiceTest, OneWriterAtATime) {
  const auto id = uploads_->start("repo").value();
  auto first = uploads_->open_writer("repo", id, std::nullopt);
  ASSERT_TRUE(first);
  EXPECT_EQ(uploads_->open_writer("repo", id, std::nullopt).error().code, ErrorCode::kBlobUploadInvalid);
  first->reset();
  EXPECT_TRUE(uploads_->open_writer("repo", id, std::nullopt));
}

TEST_F(UploadServiceTest, IdleSessionsExpireWithTheirBytes) {
  const auto stale = uploads_->start("repo").value();
  write(stale, "old bytes");
  clock_.time += std::chrono::minutes(30);
  const auto fresh = uploads_->start("repo").value();
  clock_.time += std::chrono::minutes(45);
  EXPECT_EQ(uploads_->expire_idle(), 1u);
  EXPECT_EQ(uploads_->status("repo", stale).error().code, ErrorCode::kBlobUploadUnknown);
  EXPECT_TRUE(uploads_->status("repo", fresh));
  EXPECT_EQ(blobs_->list_uploads(storage::BlobStore::kAllUploads).value(), std::vector<std::string>{fresh});
}

TEST_F(UploadServiceTest, TransientSessionsLeaveNoRowAndOrphanedBytesExpire) {
  clock_.time = std::chrono::system_clock::now();  // upload files carry real write times
  const auto id = uploads_->start_transient("repo").value();
  EXPECT_FALSE(metadata_->get_upload(id).value());
  EXPECT_EQ(uploads_->status("other", id).error().code, ErrorCode::kBlobUploadUnknown);
  write(id, "abc");
  EXPECT_TRUE(uploads_->complete("repo", id, digest_of("abc")));
  // Bytes no session accounts for, as a crash mid-way through a transient session leaves.
  const auto orphan = storage::new_upload_id();
  ASSERT_TRUE(blobs_->create_upload(orphan));
  EXPECT_EQ(uploads_->expire_idle(), 0u);  // not old enough yet
  clock_.time += std::chrono::hours(2);
  EXPECT_EQ(uploads_->expire_idle(), 1u);
  EXPECT_TRUE(blobs_->list_uploads(storage::BlobStore::kAllUploads).value().empty());
}

TEST_F(UploadServiceTest, TransientSessionThatFailsToCommitLeavesNoBytes) {
  // A file where the blobs' folder belongs: the commit fails, as on a full disk.
  std::filesystem::create_directories(dir_.path() / "blobs" / "blobs");
  std::ofstream(dir_.path() / "blobs" / "blobs" / "sha256") << "in the way";
  const auto id = uploads_->start_transient("repo").value();
  write(id, "abc");
  EXPECT_FALSE(uploads_->complete("repo", id, digest_of("abc")));
  EXPECT_TRUE(blobs_->list_uploads(storage::BlobStore::kAllUploads).value().empty());
  EXPECT_EQ(uploads_->status("repo", id).error().code, ErrorCode::kBlobUploadUnknown);
}

TEST_F(UploadServiceTest, MountNeedsTheBlobInTheSource) {
  const auto id = uploads_->start("source").value();
  ASSERT_TRUE(uploads_->open_writer("source", id, std::nullopt).value()->write("shared"));
  ASSERT_TRUE(uploads_->complete("source", id, digest_of("shared")));
  EXPECT_FALSE(uploads_->mount("target", digest_of("shared"), std::string_view("elsewhere")).value());
  EXPECT_EQ(uploads_->mount("target", digest_of("shared"), std::string_view("source")).value(), 6u);
  EXPECT_EQ(metadata_->linked_blob_size("target", digest_of("shared")).value(), 6u);
  // The sources a mount without "from" may choose among: the repositories that link the blob.
  EXPECT_EQ(uploads_->mount_sources(digest_of("shared"), 10).value(), (std::vector<std::string>{"source", "target"}));
  EXPECT_TRUE(uploads_->mount_sources(digest_of("unknown"), 10).value().empty());
}

class InlineUploadTest : public UploadServiceTest {
 protected:
  InlineUploadTest() {
    inline_max_bytes_ = 8;
    uploads_ = make_service();
  }
};

TEST_F(InlineUploadTest, SmallBlobsLiveInTheMetadataStoreAndLeaveNoFile) {
  for (bool transient : {false, true}) {
    const std::string bytes = transient ? "tiny-2" : "tiny-1";
    const auto id = (transient ? uploads_->start_transient("repo") : uploads_->start("repo")).value();
    write(id, bytes);
    auto blob = uploads_->complete("repo", id, digest_of(bytes));
    ASSERT_TRUE(blob) << blob.error().message;
    EXPECT_EQ(metadata_->inline_blob(digest_of(bytes)).value(), bytes);
    EXPECT_EQ(metadata_->linked_blob_size("repo", digest_of(bytes)).value(), bytes.size());
    EXPECT_EQ(blobs_->stat(digest_of(bytes)).error().code, ErrorCode::kBlobUnknown);
    EXPECT_FALSE(metadata_->get_upload(id).value());
  }
  EXPECT_TRUE(blobs_->list_uploads(storage::BlobStore::kAllUploads).value().empty());
}

TEST_F(InlineUploadTest, BlobsAboveTheLimitGoToTheBlobStore) {
  const std::string bytes = "nine byte";
  const auto id = uploads_->start("repo").value();
  write(id, bytes);
  ASSERT_TRUE(uploads_->complete("repo", id, digest_of(bytes)));
  EXPECT_EQ(blobs_->stat(digest_of(bytes)).value(), 9u);
  EXPECT_FALSE(metadata_->inline_blob(digest_of(bytes)).value());
}

TEST_F(InlineUploadTest, WrongDigestStoresNothing) {
  const auto id = uploads_->start("repo").value();
  write(id, "small");
  EXPECT_EQ(uploads_->complete("repo", id, digest_of("other")).error().code, ErrorCode::kDigestInvalid);
  EXPECT_FALSE(metadata_->inline_blob(digest_of("small")).value());
  EXPECT_FALSE(metadata_->inline_blob(digest_of("other")).value());
  EXPECT_FALSE(metadata_->linked_blob_size("repo", digest_of("small")).value());
  EXPECT_TRUE(blobs_->list_uploads(storage::BlobStore::kAllUploads).value().empty());
}

TEST_F(InlineUploadTest, InlineBlobsMountLikeAnyOther) {
  const auto id = uploads_->start("source").value();
  ASSERT_TRUE(uploads_->open_writer("source", id, std::nullopt).value()->write("shared"));
  ASSERT_TRUE(uploads_->complete("source", id, digest_of("shared")));
  ASSERT_TRUE(metadata_->inline_blob(digest_of("shared")).value());
  EXPECT_EQ(uploads_->mount("target", digest_of("shared"), std::string_view("source")).value(), 6u);
  EXPECT_EQ(uploads_->mount("third", digest_of("shared"), std::string_view("target")).value(), 6u);
  EXPECT_EQ(metadata_->linked_blob_size("third", digest_of("shared")).value(), 6u);
}

}  // namespace
}  // namespace pier::services
