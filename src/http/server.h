// http/server.h: the HTTP/1.1 server (Asio/Beast), plain or TLS, that feeds a RequestHandler.
//
// One listener; an I/O thread for every core, each with its own io_context; a connection lives
// on one of them, in one coroutine. Handlers that may block run on a separate bounded pool so
// a slow fsync or database write never stalls other connections. Every read has a deadline
// and every parser limits its header size; bodies are streamed or buffered as the handler's
// plan says.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/request_handler.h"
#include "http/metrics.h"

namespace spdlog {
class logger;
}

namespace pier::http {

struct TlsFiles {
  std::string certificate;  // PEM chain
  std::string key;          // PEM private key
};

struct ServerOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 5000;
  std::optional<TlsFiles> tls;
  std::size_t header_limit = 64 * 1024;
  std::chrono::seconds read_timeout{60};    // for each read of headers or body
  std::chrono::seconds idle_timeout{120};   // between requests on a kept-alive connection
  std::chrono::seconds shutdown_timeout{30};
  unsigned io_threads = 0;        // 0: one per core
  unsigned blocking_threads = 16;
  bool access_log = true;
};

// Health hooks for /healthz and /readyz.
struct Probes {
  std::function<bool()> ready = [] { return true; };
};

class Server {
 public:
  Server(ServerOptions options, RequestHandler& handler, Metrics& metrics, Probes probes,
         std::shared_ptr<spdlog::logger> log, std::shared_ptr<spdlog::logger> access_log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket; throws with a clear message if it cannot.
  void bind();
  std::uint16_t port() const;
  // Runs `task` on the blocking pool every `period` until shutdown.
  void every(std::chrono::seconds period, std::function<void()> task);
  // Serves until SIGTERM or SIGINT, then stops accepting, lets in-flight requests finish
  // (up to shutdown_timeout) and returns.
  void run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pier::http
