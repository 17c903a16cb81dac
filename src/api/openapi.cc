// GET /api/v1/openapi.json: the document of api/openapi.h, to anyone.
#include "api/openapi.h"

#include "api/handlers.h"

namespace pier::api {

namespace {

constexpr std::string_view kDocument =
#include "openapi_document.inc"
    ;

}  // namespace

std::string_view openapi_document() { return kDocument; }

// Without json_body.h's Cache-Control: no-store: the document holds no secret.
Result<Response> get_openapi_document(Call&) {
  Response response;
  response.header("Content-Type", "application/json");
  response.body = kDocument;
  return response;
}

}  // namespace pier::api
