// The server in this process, on a loopback port, with a handler made for each test: requests
// handled on the I/O threads and offloaded to the blocking pool at once, bodies streamed into
// sinks, and failures from the handler and from the request bytes. These tests also run under
// ThreadSanitizer (make sanitize-test).
#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace pier::http {
namespace {

// Counts what arrives and answers with the count; "/throw" throws from handle(), "/sink"
// streams its body into a sink that answers with the number of bytes it was given.
class CountingHandler : public RequestHandler {
 public:
  Result<RequestPlan> plan(Request& request) override {
    RequestPlan plan;
    plan.route = "test";
    plan.body_limit = 1024;
    plan.may_block = !request.path.empty() && request.path.front() == "blocking";
    if (!request.path.empty() && request.path.front() == "sink") plan.body = BodyMode::kStream;
    if (!request.path.empty() && request.path.front() == "plan-throws") throw std::runtime_error("plan bug");
    return plan;
  }

  Result<Reply> handle(Request& request) override {
    const std::string first = request.path.empty() ? "" : request.path.front();
    if (first == "throw") throw std::logic_error("handler bug");
    if (first == "sink") return Reply(std::make_unique<ByteCounter>());
    if (first == "blocking") std::this_thread::sleep_for(std::chrono::milliseconds(1));
    Response response;
    response.body = std::to_string(++handled_);
    return Reply(std::move(response));
  }

  void decorate(const Request&, Response&) const override {}

 private:
  class ByteCounter : public BodySink {
   public:
    Result<void> write(std::string_view chunk) override {
      received_ += chunk.size();
      return {};
    }
    Result<Response> finish() override {
      Response response;
      response.status = 201;
      response.body = std::to_string(received_);
      return response;
    }

   private:
    std::size_t received_ = 0;
  };

  std::atomic<int> handled_{0};
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.io_threads = 2;
    options.blocking_threads = 4;
    options.header_limit = 8 * 1024;
    options.read_timeout = std::chrono::seconds(5);
    options.shutdown_timeout = std::chrono::seconds(5);
    options.access_log = false;
    auto quiet = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    server_ = std::make_unique<Server>(options, handler_, metrics_, Probes{}, quiet, quiet);
    server_->bind();
    thread_ = std::thread([this] { server_->run(); });
  }

  void TearDown() override {
    std::raise(SIGTERM);  // the server's own signal handling stops it
    thread_.join();
  }

  int connect_to_server() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(server_->port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    return fd;
  }

  static void send_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // One response: its status and body (the body's length from Content-Length); 0 when the
  // connection closed first.
  static std::pair<int, std::string> read_response(int fd, std::string& buffered) {
    char chunk[4096];
    while (buffered.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return {0, ""};
      buffered.append(chunk, static_cast<std::size_t>(n));
    }
    const auto head_end = buffered.find("\r\n\r\n") + 4;
    const std::string head = buffered.substr(0, head_end);
    const int status = std::stoi(head.substr(9, 3));
    std::size_t length = 0;
    if (const auto at = head.find("Content-Length: "); at != std::string::npos) {
      length = std::stoul(head.substr(at + 16));
    }
    while (buffered.size() < head_end + length) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return {0, ""};
      buffered.append(chunk, static_cast<std::size_t>(n));
    }
    std::string body = buffered.substr(head_end, length);
    buffered.erase(0, head_end + length);
    return {status, body};
  }

  std::pair<int, std::string> exchange(std::string_view request) const {
    const int fd = connect_to_server();
    send_all(fd, request);
    std::string buffered;
    auto response = read_response(fd, buffered);
    ::close(fd);
    return response;
  }

  CountingHandler handler_;
  Metrics metrics_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

TEST_F(ServerTest, ConcurrentClientsOnEveryPathAreAllAnswered) {
  constexpr int kClients = 8;
  constexpr int kRequests = 40;
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([this, c, &answered] {
      const int fd = connect_to_server();
      std::string buffered;
      for (int i = 0; i < kRequests; ++i) {
        const std::string body = std::string(static_cast<std::size_t>(i * 13 + c), 'x');
        std::string request;
        switch (i % 3) {
          case 0: request = "GET /inline HTTP/1.1\r\nHost: t\r\n\r\n"; break;
          case 1: request = "GET /blocking HTTP/1.1\r\nHost: t\r\n\r\n"; break;
          default:
            request = "PUT /sink HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\n\r\n" + body;
        }
        send_all(fd, request);
        const auto [status, answer] = read_response(fd, buffered);
        if (i % 3 == 2) {
          if (status == 201 && answer == std::to_string(body.size())) ++answered;
        } else if (status == 200) {
          ++answered;
        }
      }
      ::close(fd);
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(answered.load(), kClients * kRequests);
}

TEST_F(ServerTest, AHandlerThatThrowsAnswers500AndTheServerGoesOn) {
  for (const char* path : {"/throw", "/plan-throws"}) {
    const auto [status, body] = exchange(std::string("GET ") + path + " HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(status, 500) << path;
    EXPECT_NE(body.find("UNKNOWN"), std::string::npos) << body;
  }
  EXPECT_EQ(exchange("GET /inline HTTP/1.1\r\nHost: t\r\n\r\n").first, 200);
}

TEST_F(ServerTest, TrailersBeyondTheHeaderLimitGet431) {
  const std::string trailer = "X-T: " + std::string(70000, 'a') + "\r\n";
  const auto [status, body] =
      exchange("PUT /sink HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n" + trailer + "\r\n");
  EXPECT_EQ(status, 431);
  EXPECT_EQ(exchange("PUT /sink HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n"),
            std::make_pair(201, std::string("3")));
}

TEST_F(ServerTest, MalformedFramingGets400) {
  EXPECT_EQ(exchange("PUT /sink HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n").first,
            400);
  EXPECT_EQ(exchange("PUT /sink HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\nabc").first, 400);
  EXPECT_EQ(exchange("GET /inline HTTP/1.1\r\nHost: a\"b\r\n\r\n").first, 400);
  EXPECT_EQ(exchange("GET /inline HTTP/1.1\r\n\r\n").first, 400);
}

}  // namespace
}  // namespace pier::http
