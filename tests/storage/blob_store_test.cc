// One suite for every BlobStore implementation.
#include "storage/blob_store.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <functional>

#include "storage/fs/fs_blob_store.h"
#include "storage/layout.h"
#include "storage/memory/memory_blob_store.h"
#include "test_dirs.h"

namespace pier::storage {
namespace {

struct Backend {
  std::string name;
  std::function<std::unique_ptr<BlobStore>(const std::filesystem::path&)> make;
};

class BlobStoreSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { store_ = GetParam().make(dir_.path()); }

  std::string read_region(const FileRegion& region) {
    std::string bytes(region.length(), '\0');
    EXPECT_EQ(::pread(region.fd(), bytes.data(), bytes.size(), static_cast<off_t>(region.offset())),
              static_cast<ssize_t>(bytes.size()));
    return bytes;
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
  std::unique_ptr<BlobStore> store_;
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

INSTANTIATE_TEST_SUITE_P(
    Backends, BlobStoreSuite,
    ::testing::Values(Backend{"filesystem", [](const auto& dir) { return make_filesystem_blob_store(dir); }},
                      Backend{"memory", [](const auto&) { return make_memory_blob_store(); }}),
    [](const auto& info) { return info.param.name; });

// Files of this process stop growing at `bytes` while it lives: writes past it are cut
// short, then fail, as on a disk that fills.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limited{bytes, saved_.rlim_max};
    ::setrlimit(RLIMIT_FSIZE, &limited);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*previous_handler_)(int) = SIG_DFL;
};

TEST(FilesystemBlobStore, RefusedAppendLeavesTheUploadAsTheAppenderFoundIt) {
  testing::TempDir dir;
  auto store = make_filesystem_blob_store(dir.path());
  const auto id = new_upload_id();
  ASSERT_TRUE(store->create_upload(id));
  ASSERT_TRUE(store->append_upload(id).value()->append("kept,"));
  auto appender = store->append_upload(id).value();
  ASSERT_TRUE(appender->append("same request,"));
  {
    const FileSizeLimit limit(24);  // room for part of the next append only
    EXPECT_FALSE(appender->append("does not fit"));
  }
  EXPECT_EQ(store->upload_size(id).value(), 5u);
  ASSERT_TRUE(store->append_upload(id).value()->append("retried"));
  std::string stored;
  ASSERT_TRUE(store->read_upload(id, [&](std::string_view bytes) { stored.append(bytes); }));
  EXPECT_EQ(stored, "kept,retried");
}

TEST(Layout, KeysComeOnlyFromValidatedParts) {
  const auto digest = digest_of("");
  EXPECT_EQ(blob_key(digest), "blobs/sha256/e3/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const auto id = new_upload_id();
  EXPECT_TRUE(is_valid_upload_id(id));
  EXPECT_NE(id, new_upload_id());
  EXPECT_FALSE(is_valid_upload_id("../../etc/passwd"));
  EXPECT_FALSE(is_valid_upload_id("ABCDEF01-0000-4000-8000-000000000000"));
  EXPECT_FALSE(is_valid_upload_id(""));
}

}  // namespace
}  // namespace pier::storage
