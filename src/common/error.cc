#include "common/error.h"

namespace pier {

namespace {
struct CodeInfo {
  std::string_view wire;
  unsigned status;
};

CodeInfo info(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBlobUnknown: return {"BLOB_UNKNOWN", 404};
    case ErrorCode::kBlobUploadInvalid: return {"BLOB_UPLOAD_INVALID", 400};
    case ErrorCode::kBlobUploadUnknown: return {"BLOB_UPLOAD_UNKNOWN", 404};
    case ErrorCode::kDigestInvalid: return {"DIGEST_INVALID", 400};
    case ErrorCode::kManifestBlobUnknown: return {"MANIFEST_BLOB_UNKNOWN", 404};
    case ErrorCode::kManifestInvalid: return {"MANIFEST_INVALID", 400};
    case ErrorCode::kManifestUnknown: return {"MANIFEST_UNKNOWN", 404};
    case ErrorCode::kNameInvalid: return {"NAME_INVALID", 400};
    case ErrorCode::kNameUnknown: return {"NAME_UNKNOWN", 404};
    case ErrorCode::kSizeInvalid: return {"SIZE_INVALID", 400};
    case ErrorCode::kUnauthorized: return {"UNAUTHORIZED", 401};
    case ErrorCode::kDenied: return {"DENIED", 403};
    case ErrorCode::kUnsupported: return {"UNSUPPORTED", 415};
    case ErrorCode::kTooManyRequests: return {"TOOMANYREQUESTS", 429};
    case ErrorCode::kRangeNotSatisfiable: return {"BLOB_UPLOAD_INVALID", 416};
    case ErrorCode::kManifestTooLarge: return {"SIZE_INVALID", 413};
    case ErrorCode::kRouteUnknown: return {"UNSUPPORTED", 404};
    case ErrorCode::kMethodNotAllowed: return {"UNSUPPORTED", 405};
    case ErrorCode::kBadRequest: return {"UNSUPPORTED", 400};
    case ErrorCode::kPayloadTooLarge: return {"SIZE_INVALID", 413};
    case ErrorCode::kHeadersTooLarge: return {"SIZE_INVALID", 431};
    case ErrorCode::kUnavailable: return {"UNAVAILABLE", 503};
    case ErrorCode::kInternal: return {"UNKNOWN", 500};
  }
  return {"UNKNOWN", 500};
}
}  // namespace

std::string_view wire_name(ErrorCode code) { return info(code).wire; }
unsigned http_status(ErrorCode code) { return info(code).status; }

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw PierException(e);
}

}  // namespace pier
