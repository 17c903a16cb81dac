// api/openapi.h: the OpenAPI 3.0 document of the management API.
//
// Written by hand in api/openapi.json and built into the binary (CMake makes it a string
// literal at configure time, and configures again when the file changes), so serving it reads
// no file. tests/api/openapi_test.cc holds its paths and methods equal to the route table.
#pragma once

#include <string_view>

namespace pier::api {

// The document's JSON text, exactly as in api/openapi.json.
std::string_view openapi_document();

}  // namespace pier::api
