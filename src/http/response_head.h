// http/response_head.h: the status line and header block of an HTTP/1.1 response.
//
// Written by hand into a buffer the connection reuses, so a small response costs one
// append per header and one writev with its body, and no per-field allocation.
#pragma once
#include <cstdint>
#include <string>

#include "common/message.h"

namespace pier::http {

// Replaces `out` with "HTTP/1.1 <status> <reason>", `Server: pier`, the response's headers,
// Content-Length and, when the connection will close, `Connection: close`, ending with the
// blank line. A CR or LF inside a header name or value becomes a space, so no value can
// start a header of its own.
void write_response_head(std::string& out, const Response& response, std::uint64_t content_length,
                         bool keep_alive);

}  // namespace pier::http
