#include "storage/s3/copy_to_bucket.h"

#include <fstream>
#include <vector>

#include "common/digest.h"
#include "storage/layout.h"

namespace pier::storage {

namespace {

// Sends one file as the object `key`: in one PUT when it fits a part, else as a multipart
// upload; completed only if the bytes hash to `digest`.
Result<void> copy_file(s3::S3Client& client, const std::filesystem::path& path, const Digest& digest,
                       const std::string& key, std::uint64_t size, std::uint64_t part_size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kInternal, "cannot read " + path.string());
  Hasher hasher(digest.algorithm());
  std::string buffer;
  const auto read_piece = [&]() -> bool {
    buffer.resize(static_cast<std::size_t>(std::min<std::uint64_t>(part_size, size - hasher.bytes_hashed())));
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (in.gcount() != static_cast<std::streamsize>(buffer.size())) return false;
    hasher.update(buffer);
    return true;
  };
  const auto damaged = [&] { return make_error(ErrorCode::kDigestInvalid, path.string() + " does not hash to its name"); };
  if (size <= part_size) {
    if (!read_piece() || hasher.finish() != digest) return damaged();
    return client.put(key, buffer);
  }
  auto upload_id = client.create_multipart(key);
  if (!upload_id) return upload_id.error();
  std::vector<s3::Part> parts;
  const auto abandon = [&](Error error) {
    (void)client.abort_multipart(key, *upload_id);
    return error;
  };
  while (hasher.bytes_hashed() < size) {
    if (!read_piece()) return abandon(damaged());
    const int number = static_cast<int>(parts.size()) + 1;
    auto etag = client.upload_part(key, *upload_id, number, buffer);
    if (!etag) return abandon(etag.error());
    parts.push_back({number, std::move(*etag)});
  }
  if (hasher.finish() != digest) return abandon(damaged());
  if (auto r = client.complete_multipart(key, *upload_id, parts); !r) return abandon(r.error());
  return {};
}

}  // namespace

Result<BucketCopyReport> copy_blobs_to_bucket(const std::filesystem::path& root, const s3::S3Options& bucket,
                                              std::uint64_t part_size,
                                              const std::function<void(const std::string& digest)>& progress) {
  s3::S3Client client(bucket);
  BucketCopyReport report;
  std::error_code ec;
  const auto blobs = root / "blobs";
  if (!std::filesystem::is_directory(blobs, ec)) {
    return make_error(ErrorCode::kBadRequest, "no blobs folder in " + root.string());
  }
  for (std::filesystem::recursive_directory_iterator it(blobs, ec), end; it != end && !ec; it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    // blobs/<algorithm>/<two hex>/<hex>: anything else is not a blob.
    const auto algorithm = it->path().parent_path().parent_path().filename().string();
    auto digest = Digest::parse(algorithm + ":" + it->path().filename().string());
    if (!digest || blob_key(*digest) != std::filesystem::relative(it->path(), root).generic_string()) continue;
    const std::uint64_t size = it->file_size();
    const std::string key = blob_key(*digest);
    auto existing = client.head(key);
    if (!existing) return existing.error();
    if (*existing && **existing == size) {
      ++report.already_there;
      continue;
    }
    if (auto r = copy_file(client, it->path(), *digest, key, size, part_size); !r) return r.error();
    ++report.copied;
    report.bytes += size;
    progress(digest->str());
  }
  if (ec) return make_error(ErrorCode::kInternal, "cannot list " + blobs.string() + ": " + ec.message());
  return report;
}

}  // namespace pier::storage
