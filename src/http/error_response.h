// http/error_response.h: the one place an Error becomes the OCI JSON error body.
#pragma once

#include "common/error.h"
#include "common/message.h"

namespace pier::http {

Response error_response(const Error& error);

}  // namespace pier::http
