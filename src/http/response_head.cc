#include "http/response_head.h"

#include <boost/beast/http/status.hpp>
#include <charconv>

namespace pier::http {

namespace {

void append_field_text(std::string& out, std::string_view text) {
  const auto start = out.size();
  out.append(text);
  for (auto i = start; i < out.size(); ++i) {
    if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
  }
}

void append_number(std::string& out, std::uint64_t value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

}  // namespace

void write_response_head(std::string& out, const Response& response, std::uint64_t content_length,
                         bool keep_alive) {
  out.clear();
  out.append("HTTP/1.1 ");
  append_number(out, response.status);
  out.push_back(' ');
  const auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(response.status));
  out.append(reason.data(), reason.size());
  out.append("\r\nServer: pier\r\n");
  for (const auto& [name, value] : response.headers) {
    append_field_text(out, name);
    out.append(": ");
    append_field_text(out, value);
    out.append("\r\n");
  }
  out.append("Content-Length: ");
  append_number(out, content_length);
  out.append("\r\n");
  if (!keep_alive) out.append("Connection: close\r\n");
  out.append("\r\n");
}

}  // namespace pier::http
