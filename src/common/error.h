// common/error.h: the one error type that crosses layers, and Result<T>.
//
// Every failure a request can meet is an ErrorCode. The wire name and HTTP status of
// each code live in one table (error.cc); only http/ turns an Error into a response body.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/system/result.hpp>

namespace pier {

enum class ErrorCode {
  // The OCI distribution-spec codes.
  kBlobUnknown,
  kBlobUploadInvalid,
  kBlobUploadUnknown,
  kDigestInvalid,
  kManifestBlobUnknown,
  kManifestInvalid,
  kManifestUnknown,
  kNameInvalid,
  kNameUnknown,
  kSizeInvalid,
  kUnauthorized,
  kDenied,
  kUnsupported,
  kTooManyRequests,
  // Spec codes that need a status of their own.
  kRangeNotSatisfiable,   // BLOB_UPLOAD_INVALID with 416, for out-of-order chunks and ranges
  kManifestTooLarge,      // SIZE_INVALID with 413
  kRouteUnknown,          // UNSUPPORTED with 404: no such endpoint
  kMethodNotAllowed,      // UNSUPPORTED with 405
  kBadRequest,            // UNSUPPORTED with 400: malformed request outside the codes above
  kPayloadTooLarge,       // SIZE_INVALID with 413, any body over its limit
  kHeadersTooLarge,       // SIZE_INVALID with 431: request headers or trailers over their limit
  // Pier's own.
  kUnavailable,  // 503: a dependency is down or the server is shutting down
  kInternal,     // 500: a bug or an environment failure; details are logged, not sent
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // shown to clients: never file paths, SQL or secrets
  std::string detail;   // optional JSON value, e.g. {"digest":"sha256:..."}
  // Response headers the error needs, e.g. the WWW-Authenticate challenge of a 401.
  std::vector<std::pair<std::string, std::string>> headers;
};

template <class T>
using Result = boost::system::result<T, Error>;

inline Error make_error(ErrorCode code, std::string message, std::string detail = {}) {
  return Error{code, std::move(message), std::move(detail), {}};
}

// Found by ADL when Result<T>::value() is called on an error: throws PierException.
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

struct PierException : std::exception {
  explicit PierException(Error e) : error(std::move(e)) {}
  const char* what() const noexcept override { return error.message.c_str(); }
  Error error;
};

// The single table: wire code (e.g. "BLOB_UNKNOWN") and HTTP status of each ErrorCode.
std::string_view wire_name(ErrorCode code);
unsigned http_status(ErrorCode code);

}  // namespace pier
