// The server in this process, on a loopback port, with a handler made for each test: requests
// handled on the I/O threads and offloaded to the blocking pool at once, bodies streamed into
// sinks, and failures from the handler and from the request bytes. These tests also run under
// ThreadSanitizer (make sanitize-test). Every test runs twice: over plain TCP and over TLS.
#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace pier::http {
namespace {

// Counts what arrives and answers with the count; "/throw" throws from handle(), "/sink"
// streams its body into a sink that answers with the number of bytes it was given; "/big"
// answers a 3 MiB body from memory and "/file" 9 MiB from a file.
std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return bytes;
}

constexpr std::size_t kBigBody = 3 * 1024 * 1024 + 17;
constexpr std::size_t kFileBody = 9 * 1024 * 1024 + 5;

class CountingHandler : public RequestHandler {
 public:
  Result<RequestPlan> plan(Request& request) override {
    RequestPlan plan;
    plan.route = "test";
    plan.body_limit = 1024;
    plan.may_block = !request.path.empty() && request.path.front() == "blocking";
    if (!request.path.empty() && request.path.front().starts_with("sink")) plan.body = BodyMode::kStream;
    if (!request.path.empty() && request.path.front() == "plan-throws") throw std::runtime_error("plan bug");
    return plan;
  }

  Result<Reply> handle(Request& request) override {
    const std::string first = request.path.empty() ? "" : request.path.front();
    if (first == "throw") throw std::logic_error("handler bug");
    if (first == "sink") return Reply(std::make_unique<ByteCounter>());
    if (first == "sink-chunks") return Reply(std::make_unique<ChunkRecorder>());
    if (first == "blocking") std::this_thread::sleep_for(std::chrono::milliseconds(1));
    Response response;
    if (first == "big") {
      response.body = pattern(kBigBody);
      return Reply(std::move(response));
    }
    if (first == "file") {
      // A region in the middle of a memory file, sent with sendfile or (TLS) read and encrypted.
      const int fd = ::memfd_create("body", 0);
      const std::string bytes = "head" + pattern(kFileBody) + "tail";
      if (fd < 0 || ::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
        throw std::runtime_error("memfd");
      }
      response.file = std::make_shared<FileRegion>(fd, 4, kFileBody);
      return Reply(std::move(response));
    }
    response.body = std::to_string(++handled_);
    return Reply(std::move(response));
  }

  void decorate(const Request&, Response&) const override {}

 private:
  // Answers with the size of each write, then whether the bytes were pattern()'s.
  class ChunkRecorder : public BodySink {
   public:
    Result<void> write(std::string_view chunk) override {
      sizes_ += std::to_string(chunk.size()) + ",";
      bytes_.append(chunk);
      return {};
    }
    Result<Response> finish() override {
      Response response;
      response.status = 201;
      response.body = sizes_ + (bytes_ == pattern(bytes_.size()) ? "intact" : "altered");
      return response;
    }

   private:
    std::string sizes_;
    std::string bytes_;
  };

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

// A client connection, over TLS or not, with blocking reads bounded by a 10 s timeout.
class Connection {
 public:
  Connection(std::uint16_t port, SSL_CTX* tls) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    if (tls != nullptr) {
      ssl_ = SSL_new(tls);
      SSL_set_fd(ssl_, fd_);
      EXPECT_EQ(SSL_connect(ssl_), 1);
    }
  }
  ~Connection() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ssl_ != nullptr ? SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()))
                                        : ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // Bytes received, 0 at the end of the stream, < 0 on an error or timeout.
  ssize_t receive(char* buffer, std::size_t size) {
    if (ssl_ != nullptr) return SSL_read(ssl_, buffer, static_cast<int>(size));
    return ::recv(fd_, buffer, size, 0);
  }

 private:
  int fd_ = -1;
  SSL* ssl_ = nullptr;
};

// The parameter says whether the server speaks TLS.
class ServerTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.io_threads = 2;
    options.blocking_threads = 4;
    options.header_limit = 8 * 1024;
    options.read_timeout = std::chrono::seconds(2);
    options.shutdown_timeout = std::chrono::seconds(5);
    options.access_log = false;
    if (GetParam()) {
      directory_ = std::filesystem::temp_directory_path() /
                   ("pier-server-test-" + std::to_string(::getpid()) + "-" + std::to_string(++instances_));
      std::filesystem::create_directories(directory_);
      const auto certificate = directory_ / "cert.pem";
      const auto key = directory_ / "key.pem";
      const std::string command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
                                  "-subj /CN=127.0.0.1 -keyout " + key.string() + " -out " + certificate.string() +
                                  " 2>/dev/null";
      ASSERT_EQ(std::system(command.c_str()), 0);
      options.tls = TlsFiles{certificate.string(), key.string()};
      client_tls_ = SSL_CTX_new(TLS_client_method());
    }
    auto quiet = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    server_ = std::make_unique<Server>(options, handler_, metrics_, Probes{}, quiet, quiet);
    server_->bind();
    thread_ = std::thread([this] { server_->run(); });
  }

  void TearDown() override {
    if (thread_.joinable()) {
      std::raise(SIGTERM);  // the server's own signal handling stops it
      thread_.join();
    }
    if (client_tls_ != nullptr) SSL_CTX_free(client_tls_);
    if (!directory_.empty()) std::filesystem::remove_all(directory_);
  }

  std::unique_ptr<Connection> connect_to_server() const {
    return std::make_unique<Connection>(server_->port(), client_tls_);
  }

  // One response: its status and body (the body's length from Content-Length); 0 when the
  // connection closed first.
  static std::pair<int, std::string> read_response(Connection& connection, std::string& buffered) {
    char chunk[16384];
    while (buffered.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = connection.receive(chunk, sizeof chunk);
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
      const ssize_t n = connection.receive(chunk, sizeof chunk);
      if (n <= 0) return {0, ""};
      buffered.append(chunk, static_cast<std::size_t>(n));
    }
    std::string body = buffered.substr(head_end, length);
    buffered.erase(0, head_end + length);
    return {status, body};
  }

  std::pair<int, std::string> exchange(std::string_view request) const {
    auto connection = connect_to_server();
    connection->send_all(request);
    std::string buffered;
    return read_response(*connection, buffered);
  }

  static inline int instances_ = 0;
  std::filesystem::path directory_;
  SSL_CTX* client_tls_ = nullptr;
  CountingHandler handler_;
  Metrics metrics_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

INSTANTIATE_TEST_SUITE_P(Transports, ServerTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) { return info.param ? "Tls" : "Plain"; });

TEST_P(ServerTest, ConcurrentClientsOnEveryPathAreAllAnswered) {
  constexpr int kClients = 8;
  constexpr int kRequests = 40;
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([this, c, &answered] {
      auto connection = connect_to_server();
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
        connection->send_all(request);
        const auto [status, answer] = read_response(*connection, buffered);
        if (i % 3 == 2) {
          if (status == 201 && answer == std::to_string(body.size())) ++answered;
        } else if (status == 200) {
          ++answered;
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(answered.load(), kClients * kRequests);
}

TEST_P(ServerTest, AHandlerThatThrowsAnswers500AndTheServerGoesOn) {
  for (const char* path : {"/throw", "/plan-throws"}) {
    const auto [status, body] = exchange(std::string("GET ") + path + " HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(status, 500) << path;
    EXPECT_NE(body.find("UNKNOWN"), std::string::npos) << body;
  }
  EXPECT_EQ(exchange("GET /inline HTTP/1.1\r\nHost: t\r\n\r\n").first, 200);
}

TEST_P(ServerTest, TrailersBeyondTheHeaderLimitGet431) {
  const std::string trailer = "X-T: " + std::string(70000, 'a') + "\r\n";
  const auto [status, body] =
      exchange("PUT /sink HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n" + trailer + "\r\n");
  EXPECT_EQ(status, 431);
  EXPECT_EQ(exchange("PUT /sink HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n"),
            std::make_pair(201, std::string("3")));
}

TEST_P(ServerTest, MalformedFramingGets400) {
  EXPECT_EQ(exchange("PUT /sink HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n").first,
            400);
  EXPECT_EQ(exchange("PUT /sink HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\nabc").first, 400);
  EXPECT_EQ(exchange("GET /inline HTTP/1.1\r\nHost: a\"b\r\n\r\n").first, 400);
  EXPECT_EQ(exchange("GET /inline HTTP/1.1\r\n\r\n").first, 400);
}

TEST_P(ServerTest, LargeBodiesGoBothWaysOnOneConnection) {
  auto connection = connect_to_server();
  std::string buffered;
  const std::string upload = pattern(5 * 1024 * 1024 + 3);
  for (int round = 0; round < 2; ++round) {
    connection->send_all("PUT /sink HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(upload.size()) +
                         "\r\n\r\n" + upload);
    EXPECT_EQ(read_response(*connection, buffered), std::make_pair(201, std::to_string(upload.size())));
    connection->send_all("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
    const auto [big_status, big] = read_response(*connection, buffered);
    EXPECT_EQ(big_status, 200);
    EXPECT_TRUE(big == pattern(kBigBody)) << "3 MiB body differs, " << big.size() << " bytes";
    connection->send_all("GET /file HTTP/1.1\r\nHost: t\r\n\r\n");
    const auto [file_status, file] = read_response(*connection, buffered);
    EXPECT_EQ(file_status, 200);
    EXPECT_TRUE(file == pattern(kFileBody)) << "9 MiB file region differs, " << file.size() << " bytes";
  }
}

TEST_P(ServerTest, ALargeBodyReachesItsSinkInFullChunks) {
  // Sent in small pieces with pauses, the body still reaches the sink as whole 4 MiB chunks
  // and the rest: each write to a sink may wake another core, so fewer is better.
  auto connection = connect_to_server();
  const std::string upload = pattern(9 * 1024 * 1024 + 3);
  connection->send_all("PUT /sink-chunks HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(upload.size()) +
                       "\r\n\r\n" + upload.substr(0, 1000));
  for (std::size_t at = 1000; at < upload.size(); at += 1 << 20) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    connection->send_all(std::string_view(upload).substr(at, 1 << 20));
  }
  std::string buffered;
  EXPECT_EQ(read_response(*connection, buffered), std::make_pair(201, std::string("4194304,4194304,1048579,intact")));
}

TEST_P(ServerTest, AClientThatStopsMidRequestIsClosedAfterTheReadTimeout) {
  auto connection = connect_to_server();
  const auto started = std::chrono::steady_clock::now();
  connection->send_all("GET /inline HTTP/1.1\r\nHost: t\r\n");  // the blank line never comes
  char byte;
  EXPECT_LE(connection->receive(&byte, 1), 0);
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, std::chrono::milliseconds(1500));
  EXPECT_LT(waited, std::chrono::seconds(8));  // the client's own timeout is 10 s
  // And the server goes on serving others.
  EXPECT_EQ(exchange("GET /inline HTTP/1.1\r\nHost: t\r\n\r\n").first, 200);
}

TEST_P(ServerTest, AClientGoneMidDownloadLeavesTheServerServing) {
  {
    auto connection = connect_to_server();
    connection->send_all("GET /file HTTP/1.1\r\nHost: t\r\n\r\n");
    char chunk[4096];
    EXPECT_GT(connection->receive(chunk, sizeof chunk), 0);
  }  // closed with most of the 9 MiB unread
  EXPECT_EQ(exchange("GET /inline HTTP/1.1\r\nHost: t\r\n\r\n").first, 200);
}

}  // namespace
}  // namespace pier::http
