#include "http/request_parser.h"

#include <cstring>
#include <limits>
#include <new>

namespace pier::http {

namespace bhttp = boost::beast::http;

namespace {

// Beast keeps each field, and the start line, in 16-bit offsets (basic_fields' off_t) and
// throws beyond them; its framing adds a few bytes to each.
constexpr std::size_t kMaxStoredLength = std::numeric_limits<std::uint16_t>::max() - 16;

}  // namespace

RequestParser::RequestParser(std::size_t header_limit) : header_limit_(header_limit) {
  this->header_limit(static_cast<std::uint32_t>(header_limit));
  this->body_limit(boost::none);  // bodies are limited by the handler's plan, or streamed
}

void RequestParser::on_request_impl(bhttp::verb method, string_view method_string, string_view target, int version,
                                    error_code& ec) {
  if (target.size() > kMaxStoredLength || method_string.size() > kMaxStoredLength) {
    ec = bhttp::error::header_limit;
    return;
  }
  try {
    header_.target(target);
    if (method != bhttp::verb::unknown) {
      header_.method(method);
    } else {
      header_.method_string(method_string);
    }
    header_.version(version);
  } catch (const std::bad_alloc&) {
    ec = bhttp::error::bad_alloc;
  } catch (const std::length_error&) {
    ec = bhttp::error::header_limit;
  }
}

void RequestParser::on_response_impl(int, string_view, int, error_code& ec) { ec = bhttp::error::bad_version; }

void RequestParser::on_field_impl(bhttp::field name, string_view name_string, string_view value, error_code& ec) {
  if (is_header_done()) {
    // A trailer: counted against the header limit, then dropped.
    trailer_bytes_ += name_string.size() + value.size() + 4;
    if (trailer_bytes_ > header_limit_) ec = bhttp::error::header_limit;
    return;
  }
  if (name_string.size() > kMaxStoredLength || value.size() > kMaxStoredLength) {
    ec = bhttp::error::header_limit;
    return;
  }
  try {
    header_.insert(name, name_string, value);
  } catch (const std::bad_alloc&) {
    ec = bhttp::error::bad_alloc;
  } catch (const std::length_error&) {
    ec = bhttp::error::header_limit;
  }
}

void RequestParser::on_header_impl(error_code& ec) { ec = {}; }

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>&, error_code& ec) { ec = {}; }

std::size_t RequestParser::on_body_impl(string_view body, error_code& ec) {
  if (body_data_ == nullptr || body_space_ == 0) {
    ec = bhttp::error::need_buffer;
    return 0;
  }
  const std::size_t n = std::min(body.size(), body_space_);
  std::memcpy(body_data_, body.data(), n);
  body_data_ += n;
  body_space_ -= n;
  if (n < body.size()) ec = bhttp::error::need_buffer;
  return n;
}

void RequestParser::on_chunk_header_impl(std::uint64_t, string_view, error_code& ec) { ec = {}; }

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
  return on_body_impl(body, ec);
}

void RequestParser::on_finish_impl(error_code& ec) { ec = {}; }

}  // namespace pier::http
