// fuzz/http_request_fuzzer.cc: raw bytes sent to the real HTTP server (http/server.h).
//
// The server runs in this process on a loopback port, in a thread of its own, with a handler
// that buffers some routes and streams others into a BodySink. Each input is written to a new
// connection, whose write side is then shut; the answer is read until the server closes or a
// short deadline passes. An exception that escapes the server's I/O thread ends the process,
// which libFuzzer records as a crash. The server must have closed the connection before the
// next input is sent, so that a crash is always recorded with the input that caused it.
//
// Input: the bytes to send, except that "\xff<k><c>" stands for the byte c repeated 4k² times
// (once for k = 0, so "\xff\x00\xff" is one 0xff): short inputs reach the server's size limits,
// and every k from 128 up gives more than 64 KiB, the limit of headers and of one field.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "common/request_handler.h"
#include "fuzz_check.h"
#include "http/metrics.h"
#include "http/server.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint8_t kRepeatMarker = 0xff;
constexpr std::size_t kLargestExpandedInput = 4 << 20;
// Once the client has shut its side, every wait of the server ends within its read timeout
// (1 s here), so a connection still open after this is a server that no longer serves it.
constexpr auto kServerCloseDeadline = std::chrono::seconds(3);

constexpr std::size_t kSmallBodyLimit = 16;
constexpr std::size_t kBodyLimit = 64 * 1024;
constexpr std::size_t kFailingSinkLimit = 100;

std::string expand(std::string_view input) {
  std::string bytes;
  for (std::size_t i = 0; i < input.size() && bytes.size() < kLargestExpandedInput; ++i) {
    const auto byte = static_cast<std::uint8_t>(input[i]);
    if (byte != kRepeatMarker || i + 2 >= input.size()) {
      bytes.push_back(input[i]);
      continue;
    }
    const std::size_t k = static_cast<std::uint8_t>(input[i + 1]);
    const std::size_t repeat = k == 0 ? 1 : 4 * k * k;
    bytes.append(std::min(repeat, kLargestExpandedInput - bytes.size()), input[i + 2]);
    i += 2;
  }
  return bytes;
}

std::uint64_t fingerprint(std::string_view bytes) {
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a
  for (char c : bytes) hash = (hash ^ static_cast<std::uint8_t>(c)) * 1099511628211ull;
  return hash;
}

// Holds on to the last chunks it was given, as the upload writer does while they are hashed,
// and checks they are unchanged until BodySink says they may be reused.
class ChunkHoldingSink : public pier::BodySink {
 public:
  explicit ChunkHoldingSink(std::size_t fail_after) : fail_after_(fail_after) {}

  pier::Result<void> write(std::string_view chunk) override {
    if (held_.size() == pier::kBodySinkChunksHeld) held_.pop_front();
    check_held();
    held_.push_back({chunk, fingerprint(chunk)});
    received_ += chunk.size();
    if (received_ > fail_after_) return pier::make_error(pier::ErrorCode::kBlobUploadInvalid, "sink refuses");
    return {};
  }

  pier::Result<pier::Response> finish() override {
    check_held();
    pier::Response response;
    response.status = 201;
    response.body = std::to_string(received_);
    return response;
  }

 private:
  struct HeldChunk {
    std::string_view bytes;
    std::uint64_t fingerprint;
  };
  void check_held() const {
    for (const auto& chunk : held_) FUZZ_CHECK(fingerprint(chunk.bytes) == chunk.fingerprint);
  }

  const std::size_t fail_after_;
  std::deque<HeldChunk> held_;
  std::uint64_t received_ = 0;
};

enum Route { kBuffered, kBufferedSmall, kBufferedBlocking, kStreamed, kStreamedBlocking, kStreamedFailing, kRefused };

// Routes by the first path segment; anything unknown is buffered.
class FuzzHandler : public pier::RequestHandler {
 public:
  pier::Result<pier::RequestPlan> plan(pier::Request& request) override {
    for (const auto& [name, _] : request.headers) {
      for (char c : name) FUZZ_CHECK(!std::isupper(static_cast<unsigned char>(c)));
    }
    const std::string_view first = request.path.empty() ? std::string_view() : request.path.front();
    pier::RequestPlan plan;
    plan.body_limit = kBodyLimit;
    plan.route = "buffered";
    request.route_index = kBuffered;
    if (first == "small") {
      request.route_index = kBufferedSmall;
      plan.body_limit = kSmallBodyLimit;
    } else if (first == "blocking") {
      request.route_index = kBufferedBlocking;
      plan.may_block = true;
    } else if (first == "stream") {
      request.route_index = kStreamed;
      plan.body = pier::BodyMode::kStream;
    } else if (first == "stream-blocking") {
      request.route_index = kStreamedBlocking;
      plan.body = pier::BodyMode::kStream;
      plan.may_block = true;
    } else if (first == "stream-failing") {
      request.route_index = kStreamedFailing;
      plan.body = pier::BodyMode::kStream;
    } else if (first == "refused") {
      return pier::make_error(pier::ErrorCode::kNameUnknown, "refused before the body");
    }
    return plan;
  }

  pier::Result<pier::Reply> handle(pier::Request& request) override {
    switch (request.route_index) {
      case kStreamed:
      case kStreamedBlocking:
        return pier::Reply(std::make_unique<ChunkHoldingSink>(SIZE_MAX));
      case kStreamedFailing:
        return pier::Reply(std::make_unique<ChunkHoldingSink>(kFailingSinkLimit));
      default:
        break;
    }
    const std::size_t limit = request.route_index == kBufferedSmall ? kSmallBodyLimit : kBodyLimit;
    FUZZ_CHECK(request.body.size() <= limit);
    if (request.content_length) FUZZ_CHECK(request.body.size() == *request.content_length);
    pier::Response response;
    response.body = request.body;
    return pier::Reply(std::move(response));
  }

  void decorate(const pier::Request&, pier::Response& response) const override {
    response.header("Cache-Control", "no-store");
  }
};

// The server under test, started once and left running until the process ends.
std::uint16_t server_port() {
  static const std::uint16_t port = [] {
    pier::http::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.read_timeout = std::chrono::seconds(1);
    options.idle_timeout = std::chrono::seconds(1);
    options.shutdown_timeout = std::chrono::seconds(1);
    options.io_threads = 1;
    options.blocking_threads = 2;
    options.access_log = false;
    auto quiet = std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
    static FuzzHandler handler;
    static pier::http::Metrics metrics;
    // Never destroyed: the server thread may still be serving when the process exits.
    auto* server = new pier::http::Server(options, handler, metrics, pier::http::Probes{}, quiet, quiet);
    server->bind();
    std::thread([server] {
      server->run();
      // run() returns only after SIGINT or SIGTERM; later inputs would find no server.
      std::_Exit(0);
    }).detach();
    return server->port();
  }();
  return port;
}

int connect_to_server() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  FUZZ_CHECK(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(server_port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int connected = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  FUZZ_CHECK(connected == 0 || errno == EINPROGRESS);
  // Closing with a reset leaves no TIME_WAIT behind: thousands of inputs a second would
  // otherwise run out of loopback ports.
  const linger reset_on_close{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset_on_close, sizeof reset_on_close);
  return fd;
}

// Sends `request` and reads whatever comes back until the server closes the connection (it may
// answer and stop reading early, so both happen at once).
void send_and_drain(int fd, std::string_view request) {
  std::array<char, 64 * 1024> discard;
  bool write_shut = false;
  auto deadline = Clock::now() + kServerCloseDeadline;
  for (;;) {
    FUZZ_CHECK(Clock::now() < deadline);  // the server closes every connection the client has finished
    if (!write_shut && request.empty()) {
      ::shutdown(fd, SHUT_WR);
      write_shut = true;
      deadline = Clock::now() + kServerCloseDeadline;
    }
    pollfd waiting{fd, static_cast<short>(POLLIN | (write_shut ? 0 : POLLOUT)), 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (::poll(&waiting, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 1))) <= 0) continue;
    if (waiting.revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::recv(fd, discard.data(), discard.size(), 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return;
    }
    if (!write_shut && (waiting.revents & POLLOUT)) {
      const ssize_t n = ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
      if (n > 0) {
        request.remove_prefix(static_cast<std::size_t>(n));
      } else if (errno != EAGAIN && errno != EINTR) {
        request = {};  // the server closed its side; what it answered is still to be read
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string request = expand(std::string_view(reinterpret_cast<const char*>(data), size));
  const int fd = connect_to_server();
  send_and_drain(fd, request);
  ::close(fd);
  return 0;
}
