#include "services/blob_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "meta/sqlite/sqlite_lifecycle_store.h"
#include "meta/sqlite/sqlite_store.h"
#include "storage/fs/fs_blob_store.h"
#include "storage/layout.h"
#include "test_dirs.h"

namespace pier::services {
namespace {

class BlobServiceTest : public ::testing::Test {
 protected:
  BlobServiceTest()
      : store_(storage::make_filesystem_blob_store(dir_.path() / "blobs")),
        metadata_(meta::open_sqlite_store(dir_.path() / "pier.db")),
        lifecycle_(meta::open_sqlite_lifecycle_store(dir_.path() / "pier.db")),
        blobs_(*store_, *metadata_, *lifecycle_, Clock::system(), std::chrono::seconds(60)) {}

  // Stores `bytes` as a file in the blob store and links it to "repo".
  void store_file(std::string_view bytes) {
    const auto id = storage::new_upload_id();
    ASSERT_TRUE(store_->create_upload(id));
    ASSERT_TRUE(store_->append_upload(id).value()->append(bytes));
    ASSERT_TRUE(store_->commit_upload(id, digest_of(bytes)));
    ASSERT_TRUE(metadata_->link_blob("repo", digest_of(bytes), bytes.size(), 1));
  }

  static std::string read(const FileRegion& region) {
    std::string out(region.length(), '\0');
    EXPECT_EQ(::pread(region.fd(), out.data(), out.size(), static_cast<off_t>(region.offset())),
              static_cast<ssize_t>(out.size()));
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<storage::BlobStore> store_;
  std::unique_ptr<meta::MetadataStore> metadata_;
  std::unique_ptr<meta::LifecycleStore> lifecycle_;
  BlobService blobs_;
};

TEST_F(BlobServiceTest, InlineBlobsAreReadWholeOrByRange) {
  const std::string bytes = "0123456789";
  ASSERT_TRUE(metadata_->link_inline_blob("repo", digest_of(bytes), bytes, "none", 1));
  EXPECT_EQ(blobs_.stat("repo", digest_of(bytes)).value(), 10u);
  auto whole = blobs_.open(digest_of(bytes), 0, 10).value();
  EXPECT_FALSE(whole.file);
  EXPECT_EQ(whole.bytes, bytes);
  EXPECT_EQ(blobs_.open(digest_of(bytes), 3, 4).value().bytes, "3456");
  EXPECT_EQ(blobs_.read_whole(digest_of(bytes), 10).value(), bytes);
  EXPECT_EQ(blobs_.read_whole(digest_of(bytes), 9).error().code, ErrorCode::kPayloadTooLarge);
}

TEST_F(BlobServiceTest, FileBlobsAreReadFromTheBlobStore) {
  store_file("file bytes");
  auto part = blobs_.open(digest_of("file bytes"), 5, 5).value();
  ASSERT_TRUE(part.file);
  EXPECT_EQ(read(*part.file), "bytes");
  EXPECT_EQ(blobs_.read_whole(digest_of("file bytes"), 100).value(), "file bytes");
  EXPECT_EQ(blobs_.read_whole(digest_of("file bytes"), 3).error().code, ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(blobs_.read_whole(digest_of("absent"), 100).error().code, ErrorCode::kBlobUnknown);
}

}  // namespace
}  // namespace pier::services
