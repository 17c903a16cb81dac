// http/request_parser.h: the server's HTTP/1.1 request parser (Beast's basic_parser underneath).
//
// Beast's own request_parser stores every field, trailers too, and a field or target longer than
// 64 KiB makes it throw std::length_error from inside the read, past the connection's coroutine.
// This one turns every such case into a parse error the server answers: a header field or target
// too long for Beast's storage is error::header_limit; trailer fields are read and dropped (no
// route uses them), at most `header_limit` bytes of them, else error::header_limit too. A body
// is copied into the buffer the caller sets before each read, as Beast's buffer_body does.
// Only http/ includes this header.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <cstddef>

namespace pier::http {

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  using Header = boost::beast::http::request_header<>;

  explicit RequestParser(std::size_t header_limit);

  const Header& header() const { return header_; }

  // Where the next body bytes go; the parser reports need_buffer once `size` bytes are in.
  void set_body_buffer(char* data, std::size_t size) {
    body_data_ = data;
    body_space_ = size;
  }
  // How much of the buffer last set is still free.
  std::size_t body_space() const { return body_space_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb method, string_view method_string, string_view target, int version,
                       error_code& ec) override;
  void on_response_impl(int status, string_view reason, int version, error_code& ec) override;
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
  void on_finish_impl(error_code& ec) override;

  const std::size_t header_limit_;
  Header header_;
  std::size_t trailer_bytes_ = 0;
  char* body_data_ = nullptr;
  std::size_t body_space_ = 0;
};

}  // namespace pier::http
