#include "common/byte_range.h"
#include "common/digest.h"
#include "registry/handlers.h"

namespace pier::registry {

Result<Reply> get_blob(RegistryServices& s, Request& request) {
  auto digest = Digest::parse(request.reference);
  if (!digest) return digest.error();
  auto size = s.blobs.look_up(request.repository, *digest);
  if (!size) return size.error();

  Response response;
  response.header("Content-Type", "application/octet-stream")
      .header("Docker-Content-Digest", digest->str())
      .header("ETag", "\"" + digest->str() + "\"")
      .header("Accept-Ranges", "bytes");
  std::uint64_t offset = 0;
  std::uint64_t length = *size;
  if (const auto range_header = request.header("range"); !range_header.empty()) {
    auto range = parse_range_header(range_header, *size);
    if (!range) {
      if (range.error().code == ErrorCode::kRangeNotSatisfiable) {
        Response refused = empty_response(416);
        refused.header("Content-Range", "bytes */" + std::to_string(*size));
        return Reply(std::move(refused));
      }
      return range.error();
    }
    if (*range) {
      offset = (*range)->first;
      length = (*range)->length();
      response.status = 206;
      response.header("Content-Range", "bytes " + std::to_string((*range)->first) + "-" +
                                           std::to_string((*range)->last) + "/" + std::to_string(*size));
    }
  }
  if (request.method == Method::kHead) {
    response.omit_body = true;
    response.content_length = length;
    return Reply(std::move(response));
  }
  // Small blobs may be kept in the metadata store, which no URL reaches.
  if (*size > s.uploads.inline_max_bytes()) {
    if (auto location = s.blobs.redirect_url(*digest)) {
      Response redirect = empty_response(307);
      redirect.header("Location", *location).header("Docker-Content-Digest", digest->str());
      return Reply(std::move(redirect));
    }
  }
  auto bytes = s.blobs.open(*digest, offset, length);
  if (!bytes) return bytes.error();
  response.file = std::move(bytes->file);
  response.body = std::move(bytes->bytes);
  return Reply(std::move(response));
}

Result<Reply> delete_blob(RegistryServices& s, Request& request) {
  auto digest = Digest::parse(request.reference);
  if (!digest) return digest.error();
  if (auto r = s.blobs.unlink(request.repository, *digest); !r) return r.error();
  return Reply(empty_response(202));
}

}  // namespace pier::registry
