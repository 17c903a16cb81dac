// storage/s3/sigv4.h: AWS Signature Version 4, the parts Pier computes itself.
//
// Requests to the bucket are signed by libcurl (CURLOPT_AWS_SIGV4). Pier signs only what
// libcurl cannot: presigned URLs that a client follows on its own (storage.s3.redirect).
// The canonical form is exposed so tests can check libcurl's signatures against it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pier::storage::s3 {

struct Credentials {
  std::string access_key;
  std::string secret_key;
};

struct Scope {
  std::string region;
  std::string service = "s3";
};

using Pairs = std::vector<std::pair<std::string, std::string>>;

// RFC 3986 percent-encoding of everything but unreserved characters; '/' too unless
// `keep_slash` (object keys in a path).
std::string uri_encode(std::string_view text, bool keep_slash = false);
// "20130524T000000Z" for a Unix time.
std::string amz_date(std::int64_t unix_seconds);

// The canonical request. `path` is already URI-encoded; `query` and `headers` are raw
// (query values are encoded here, header names lowercased, values trimmed).
std::string canonical_request(std::string_view method, std::string_view path, const Pairs& query,
                              const Pairs& headers, std::string_view payload_hash);
// "host;range;x-amz-date": the lowercased, sorted header names.
std::string signed_header_names(const Pairs& headers);
// The hex signature of `canonical` made at `date` (amz_date form).
std::string signature(const Credentials& credentials, const Scope& scope, std::string_view date,
                      std::string_view canonical);

// A GET URL for `path` on `base` (scheme://host[:port], with the bucket in the host or the
// path as the store addresses it) valid for `expires_seconds` from `now`.
std::string presigned_get_url(std::string_view base, std::string_view host, std::string_view path,
                              const Credentials& credentials, const Scope& scope, std::int64_t now,
                              std::int64_t expires_seconds);

}  // namespace pier::storage::s3
