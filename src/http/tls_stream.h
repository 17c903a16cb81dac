// http/tls_stream.h: a server-side TLS stream whose OpenSSL session reads and writes the
// socket itself, for http/server.cc (its only user: the header is heavy).
//
// asio::ssl::stream runs OpenSSL over a memory BIO pair of 17 KiB and moves every record
// through it: each byte sent is copied twice more than nginx copies it, and each 16 KiB
// record is one socket write with its own timer. Here SSL_read reads the non-blocking socket
// directly (OpenSSL's socket BIO); SSL_write's records gather in OutgoingRecords and go out
// up to 256 KiB per system call (http/tls_records_out.h); the stream waits on the socket only
// when OpenSSL must read or the socket takes no more. Serving a 1 GiB blob over TLS took
// 1.04-1.21 s of the server's CPU with asio's stream against nginx's 0.93-0.95 s.

// The deadline of the stream's operations is kept by its lowest layer, DeadlineSocket, which
// offers the expires_after() that beast::tcp_stream offers a plain connection, so the server
// treats both alike through beast::get_lowest_layer.
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "http/tls_records_out.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace pier::http {

class DeadlineSocket {
 public:
  using Clock = std::chrono::steady_clock;
  using executor_type = boost::asio::ip::tcp::socket::executor_type;

  explicit DeadlineSocket(boost::asio::ip::tcp::socket& socket)
      : socket_(socket), timer_(socket.get_executor()), watch_(std::make_shared<Watch>()) {
    watch_->socket = &socket;
  }
  ~DeadlineSocket() { watch_->socket = nullptr; }
  DeadlineSocket(const DeadlineSocket&) = delete;
  DeadlineSocket& operator=(const DeadlineSocket&) = delete;

  boost::asio::ip::tcp::socket& socket() { return socket_; }
  executor_type get_executor() { return socket_.get_executor(); }
  void expires_after(Clock::duration timeout) { deadline_ = Clock::now() + timeout; }
  void expires_never() { deadline_ = Clock::time_point::max(); }

  // Completes when the socket is ready for `what`; with beast::error::timeout once the
  // deadline has passed.
  template <class Token>
  auto async_wait_ready(boost::asio::ip::tcp::socket::wait_type what, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::beast::error_code)>(
        [this, what, started = false](auto& self, boost::beast::error_code ec = {}) mutable {
          if (!started) {
            started = true;
            watch_->timed_out = false;
            if (deadline_ != Clock::time_point::max()) {
              timer_.expires_at(deadline_);
              timer_.async_wait([watch = watch_, wait = ++watch_->wait](boost::beast::error_code timer_ec) {
                // A timer that fired after its wait ended belongs to no wait.
                if (timer_ec || wait != watch->wait || watch->socket == nullptr) return;
                watch->timed_out = true;
                boost::beast::error_code ignored;
                watch->socket->cancel(ignored);
              });
            }
            socket_.async_wait(what, std::move(self));
            return;
          }
          ++watch_->wait;
          timer_.cancel();
          if (watch_->timed_out) ec = boost::beast::error::timeout;
          self.complete(ec);
        },
        token, socket_);
  }

 private:
  // What the timer's handler may look at, even after the socket is gone.
  struct Watch {
    boost::asio::ip::tcp::socket* socket = nullptr;
    std::uint64_t wait = 0;
    bool timed_out = false;
  };

  boost::asio::ip::tcp::socket& socket_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<Watch> watch_;
  Clock::time_point deadline_ = Clock::time_point::max();
};

class TlsStream {
 public:
  using executor_type = DeadlineSocket::executor_type;
  using next_layer_type = DeadlineSocket;

  TlsStream(boost::asio::ip::tcp::socket& socket, SSL_CTX* context) : lowest_(socket), ssl_(SSL_new(context)) {
    BIO* incoming = ssl_ == nullptr ? nullptr : BIO_new_socket(socket.native_handle(), BIO_NOCLOSE);
    if (incoming == nullptr || BIO_up_ref(outgoing_.bio()) != 1) {
      BIO_free(incoming);
      SSL_free(ssl_);
      throw std::runtime_error("cannot set up a TLS session");
    }
    // Records are read from the socket as OpenSSL needs them, and written to memory, from
    // which run() sends them in large writes.
    SSL_set_bio(ssl_, incoming, outgoing_.bio());
    SSL_set_accept_state(ssl_);
    // The buffer of a write that waited is passed again, perhaps at another address.
    // Buffers are given back while a connection is idle.
    SSL_set_mode(ssl_, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    // Several records per read from the socket when a client sends a body.
    SSL_set_read_ahead(ssl_, 1);
    SSL_set_default_read_buffer_len(ssl_, kReadBuffer);
    boost::beast::error_code ignored;
    socket.native_non_blocking(true, ignored);
  }
  ~TlsStream() { SSL_free(ssl_); }
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  executor_type get_executor() { return lowest_.get_executor(); }
  DeadlineSocket& next_layer() { return lowest_; }

  template <class Token>
  auto async_handshake(Token&& token) {
    return run(
        [this](std::size_t&) { return SSL_do_handshake(ssl_); }, std::forward<Token>(token));
  }

  // Sends close_notify; does not wait for the client's.
  template <class Token>
  auto async_shutdown(Token&& token) {
    return run(
        [this](std::size_t&) { return SSL_shutdown(ssl_) >= 0 ? 1 : -1; }, std::forward<Token>(token));
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    boost::asio::mutable_buffer first;
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
      first = *it;
      if (first.size() > 0) break;
    }
    return run(
        [this, first](std::size_t& n) {
          if (first.size() == 0) return 1;
          return SSL_read_ex(ssl_, first.data(), first.size(), &n);
        },
        std::forward<Token>(token));
  }

  // Writes all of the first non-empty buffer, or of several small ones gathered into one
  // record (a response's head and its small body).
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    boost::asio::const_buffer out;
    std::size_t pieces = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
      const boost::asio::const_buffer buffer = *it;
      if (buffer.size() == 0) continue;
      if (++pieces == 1) out = buffer;
    }
    const std::size_t total = boost::asio::buffer_size(buffers);
    if (pieces > 1 && total <= sizeof gather_) {
      boost::asio::buffer_copy(boost::asio::buffer(gather_), buffers);
      out = boost::asio::const_buffer(gather_, total);
    }
    return run(
        [this, out](std::size_t& n) {
          if (out.size() == 0) return 1;
          return SSL_write_ex(ssl_, out.data(), out.size(), &n);
        },
        std::forward<Token>(token));
  }

 private:
  static constexpr int kReadBuffer = 64 * 1024;

  // Runs `attempt` (an OpenSSL call returning > 0 on success, setting the bytes moved) until
  // it succeeds or fails. The records it makes are sent before the operation completes and
  // before it waits for the client; it waits on the socket whenever OpenSSL must read or the
  // records cannot all be sent yet.
  template <class Attempt, class Token>
  auto run(Attempt attempt, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::beast::error_code, std::size_t)>(
        [this, attempt, next = Next::kAttempt, waited = false, result = boost::beast::error_code(),
         bytes = std::size_t{0}](auto& self, boost::beast::error_code ec = {}) mutable {
          if (next == Next::kComplete) return self.complete(result, bytes);
          if (ec) return self.complete(ec, 0);
          for (;;) {
            std::error_code send_error;
            switch (outgoing_.send_to(lowest_.socket().native_handle(), send_error)) {
              case OutgoingRecords::Sent::kAll:
                break;
              case OutgoingRecords::Sent::kWouldBlock:
                waited = true;
                return lowest_.async_wait_ready(boost::asio::ip::tcp::socket::wait_write, std::move(self));
              case OutgoingRecords::Sent::kFailed:
                result = send_error;
                bytes = 0;
                next = Next::kFinish;
                break;
            }
            if (next == Next::kWaitRead) {
              next = Next::kAttempt;
              waited = true;
              outgoing_.shrink();
              return lowest_.async_wait_ready(boost::asio::ip::tcp::socket::wait_read, std::move(self));
            }
            if (next == Next::kFinish) break;
            ERR_clear_error();
            errno = 0;
            bytes = 0;
            const int r = attempt(bytes);
            if (r > 0) {
              next = Next::kFinish;
              continue;  // send its records first
            }
            const int error = SSL_get_error(ssl_, r);
            if (error == SSL_ERROR_WANT_READ) {
              next = Next::kWaitRead;
            } else if (error == SSL_ERROR_WANT_WRITE && !outgoing_.empty()) {
              // The records waiting in memory reached their limit: send them and go on.
            } else {
              result = error_of(error);
              bytes = 0;
              next = Next::kFinish;
            }
          }
          next = Next::kComplete;
          if (waited) return self.complete(result, bytes);
          // Never complete inside the call that started the operation.
          boost::asio::post(lowest_.get_executor(), std::move(self));
        },
        token, lowest_.socket());
  }

  enum class Next { kAttempt, kWaitRead, kFinish, kComplete };

  static boost::beast::error_code error_of(int ssl_error) {
    namespace error = boost::asio::error;
    if (ssl_error == SSL_ERROR_ZERO_RETURN) return error::eof;
    if (ssl_error == SSL_ERROR_SYSCALL) {
      const unsigned long queued = ERR_get_error();
      if (queued != 0) return {static_cast<int>(queued), error::get_ssl_category()};
      // The client closed the connection without close_notify.
      if (errno == 0) return boost::asio::ssl::error::stream_truncated;
      return {errno, boost::system::system_category()};
    }
    const unsigned long queued = ERR_get_error();
    if (queued != 0) return {static_cast<int>(queued), error::get_ssl_category()};
    return boost::asio::ssl::error::unspecified_system_error;
  }

  DeadlineSocket lowest_;
  OutgoingRecords outgoing_;
  SSL* ssl_;
  char gather_[16 * 1024];
};

}  // namespace pier::http
