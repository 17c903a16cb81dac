// http/host_header.h: what a request's Host header may hold.
#pragma once

#include <string_view>

namespace pier::http {

// Whether `value` is a host[:port] as RFC 9110 §7.2 allows it: a registered name, an IPv4
// address or a bracketed IPv6 address, then an optional decimal port; no user info, path,
// quote, comma or space. Only such a value is ever echoed into a URL (the token realm).
bool is_valid_host_header(std::string_view value);

}  // namespace pier::http
