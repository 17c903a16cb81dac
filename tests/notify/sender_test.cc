// Real sends to servers on 127.0.0.1 that the tests run on threads of their own.
#include "notify/sender.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "notify/formats.h"

namespace pier::notify {
namespace {

// Accepts connections on 127.0.0.1 one at a time and hands each to `serve`.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::function<void(int)> serve) : serve_(std::move(serve)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(listener_, 16), 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] {
      while (!stopping_) {
        const int fd = ::accept(listener_, nullptr, nullptr);
        if (fd < 0) return;
        serve_(fd);
        ::close(fd);
      }
    });
  }
  ~LoopbackServer() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  std::function<void(int)> serve_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// An HTTP server answering each request with the next of `answers` (status line and body),
// and keeping every request it got.
class RecordingHttp {
 public:
  struct Answer {
    std::string status;  // "500 Internal Server Error"
    std::string body;
  };
  struct Seen {
    std::string method, target, body;
    std::vector<std::pair<std::string, std::string>> headers;  // names in lowercase
    std::string header(std::string_view name) const {
      for (const auto& [key, value] : headers) {
        if (key == name) return value;
      }
      return {};
    }
  };

  explicit RecordingHttp(std::vector<Answer> answers)
      : answers_(answers.begin(), answers.end()), server_([this](int fd) { handle(fd); }) {}

  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + std::string(path);
  }
  std::vector<Seen> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  void handle(int fd) {
    std::string data;
    char buffer[65536];
    std::size_t head_end;
    while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n <= 0) return;
      data.append(buffer, static_cast<std::size_t>(n));
    }
    Seen request;
    std::string_view head(data.data(), head_end);
    const auto line_end = head.find("\r\n");
    const std::string_view line = head.substr(0, line_end);
    request.method = std::string(line.substr(0, line.find(' ')));
    request.target = std::string(line.substr(line.find(' ') + 1, line.rfind(' ') - line.find(' ') - 1));
    head.remove_prefix(std::min(head.size(), line_end + 2));
    while (!head.empty()) {
      const auto end = head.find("\r\n");
      const auto field = head.substr(0, end);
      const auto colon = field.find(':');
      std::string value(field.substr(colon + 1));
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      request.headers.emplace_back(lower(std::string(field.substr(0, colon))), value);
      if (end == std::string_view::npos) break;
      head.remove_prefix(end + 2);
    }
    const std::string length_text = request.header("content-length");
    const std::size_t length = length_text.empty() ? 0 : std::stoul(length_text);
    request.body = data.substr(head_end + 4);
    while (request.body.size() < length) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n <= 0) return;
      request.body.append(buffer, static_cast<std::size_t>(n));
    }
    Answer answer{"200 OK", ""};
    {
      std::lock_guard lock(mutex_);
      seen_.push_back(std::move(request));
      if (!answers_.empty()) {
        answer = answers_.front();
        answers_.pop_front();
      }
    }
    write_all(fd, "HTTP/1.1 " + answer.status + "\r\nContent-Length: " + std::to_string(answer.body.size()) +
                      "\r\nConnection: close\r\n\r\n" + answer.body);
  }

  std::mutex mutex_;
  std::deque<Answer> answers_;
  std::vector<Seen> seen_;
  LoopbackServer server_;  // last: its thread stops before the rest goes
};

std::string push_payload() {
  return R"({"id":"41","event":"push","occurred_at":"2026-12-07T22:30:01Z","registry":"localhost:5000","namespace":"acme",)"
         R"("repository":"acme/app","actor":"alice","digest":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",)"
         R"("tags":["1.0"],"media_type":"application/vnd.oci.image.manifest.v1+json","size":1234})";
}

TEST(NotifySender, WebhookFailsOn500ThenDeliversTheSameSignedBytes) {
  RecordingHttp server({{"500 Internal Server Error", "database is down\r\n"}, {"200 OK", "ok"}});
  const auto sender = make_sender({});
  const std::string config = R"({"url":")" + server.url("/hook") +
                             R"(","secret":"s3cr3t","headers":{"Authorization":"Bearer t"},"verify_tls":true})";
  const Outgoing outgoing{"push", push_payload(), "7"};

  const Attempt failed = sender->send(Method::kWebhook, config, outgoing);
  EXPECT_FALSE(failed.delivered);
  EXPECT_EQ(failed.status_code, 500);
  EXPECT_EQ(failed.error, "HTTP 500: database is down  ");

  const Attempt delivered = sender->send(Method::kWebhook, config, outgoing);
  EXPECT_TRUE(delivered.delivered);
  EXPECT_EQ(delivered.status_code, 200);
  EXPECT_EQ(delivered.error, "");

  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 2u);
  for (const auto& request : seen) {
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.target, "/hook");
    EXPECT_EQ(request.body, push_payload());
    EXPECT_EQ(request.header("content-type"), "application/json");
    EXPECT_EQ(request.header("user-agent"), "pier");
    EXPECT_EQ(request.header("x-pier-event"), "push");
    EXPECT_EQ(request.header("x-pier-delivery"), "7");
    EXPECT_EQ(request.header("authorization"), "Bearer t");
    EXPECT_EQ(request.header("x-pier-signature-256"), "sha256=" + hmac_sha256_hex("s3cr3t", request.body));
  }
}

TEST(NotifySender, ErrorKeepsAtMost200BytesOfTheBody) {
  RecordingHttp server({{"502 Bad Gateway", std::string(1000, 'x')}});
  const Attempt attempt =
      make_sender({})->send(Method::kWebhook, R"({"url":")" + server.url("/") + R"("})", {"push", push_payload(), "1"});
  EXPECT_FALSE(attempt.delivered);
  EXPECT_EQ(attempt.status_code, 502);
  EXPECT_EQ(attempt.error, "HTTP 502: " + std::string(200, 'x'));
}

TEST(NotifySender, RedirectIsNotFollowed) {
  RecordingHttp server({RecordingHttp::Answer{"302 Found\r\nLocation: http://127.0.0.1:1/elsewhere", ""}});
  const Attempt attempt =
      make_sender({})->send(Method::kWebhook, R"({"url":")" + server.url("/") + R"("})", {"push", push_payload(), "1"});
  EXPECT_FALSE(attempt.delivered);
  EXPECT_EQ(attempt.status_code, 302);
  EXPECT_EQ(attempt.error, "HTTP 302");
  EXPECT_EQ(server.seen().size(), 1u);
}

TEST(NotifySender, NoResponseGivesLibcurlsReasonWithoutTheUrl) {
  // A port that was just free: nothing listens there.
  std::uint16_t port = 0;
  {
    LoopbackServer closed([](int) {});
    port = closed.port();
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/services/T0/B0/token";
  const Attempt attempt =
      make_sender({})->send(Method::kSlack, R"({"url":")" + url + R"("})", {"push", push_payload(), "1"});
  EXPECT_FALSE(attempt.delivered);
  EXPECT_EQ(attempt.status_code, 0);
  EXPECT_FALSE(attempt.error.empty());
  EXPECT_EQ(attempt.error.find("token"), std::string::npos) << attempt.error;
}

TEST(NotifySender, SlackAndCloudEventsArePosted) {
  RecordingHttp server(std::vector<RecordingHttp::Answer>{});
  const auto sender = make_sender({});
  const Outgoing outgoing{"push", push_payload(), "8"};
  EXPECT_TRUE(sender->send(Method::kSlack, R"({"url":")" + server.url("/slack") + R"("})", outgoing).delivered);
  EXPECT_TRUE(sender->send(Method::kCloudEvents, R"({"url":")" + server.url("/ce") + R"(","mode":"binary"})", outgoing)
                  .delivered);
  EXPECT_TRUE(sender->send(Method::kCloudEvents, R"({"url":")" + server.url("/ce") + R"("})", outgoing).delivered);
  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].target, "/slack");
  EXPECT_EQ(seen[0].body, slack_message(outgoing).body);
  EXPECT_EQ(seen[1].header("ce-type"), "dev.pier.image.pushed");
  EXPECT_EQ(seen[1].body, push_payload());
  EXPECT_EQ(seen[2].header("content-type"), "application/cloudevents+json");
  EXPECT_EQ(seen[2].body, cloud_event_message(R"({"url":"x"})", outgoing).body);
}

TEST(NotifySender, OneSenderServesManyThreads) {
  RecordingHttp server(std::vector<RecordingHttp::Answer>{});
  const auto sender = make_sender({});
  const std::string config = R"({"url":")" + server.url("/hook") + R"(","secret":"k"})";
  std::atomic<int> delivered{0};
  std::vector<std::thread> workers;
  for (int worker = 0; worker < 4; ++worker) {
    workers.emplace_back([&, worker] {
      for (int i = 0; i < 5; ++i) {
        const Outgoing outgoing{"push", push_payload(), std::to_string(worker * 10 + i)};
        if (sender->send(Method::kWebhook, config, outgoing).delivered) ++delivered;
      }
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(delivered, 20);
  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 20u);
  for (const auto& request : seen) {
    EXPECT_EQ(request.header("x-pier-signature-256"), "sha256=" + hmac_sha256_hex("k", request.body));
  }
}

TEST(NotifySender, SilentServerTimesOut) {
  // Reads until the client gives up, never answering.
  LoopbackServer silent([](int fd) {
    char buffer[4096];
    while (::read(fd, buffer, sizeof buffer) > 0) {
    }
  });
  SenderSettings settings;
  settings.timeout = std::chrono::seconds(1);
  const std::string url = "http://127.0.0.1:" + std::to_string(silent.port()) + "/";
  const Attempt attempt =
      make_sender(settings)->send(Method::kWebhook, R"({"url":")" + url + R"("})", {"push", push_payload(), "1"});
  EXPECT_FALSE(attempt.delivered);
  EXPECT_EQ(attempt.status_code, 0);
  EXPECT_NE(attempt.error.find("timed out"), std::string::npos) << attempt.error;
}

TEST(NotifySender, EmailWithoutAnSmtpServerFails) {
  const Attempt attempt =
      make_sender({})->send(Method::kEmail, R"({"to":["a@example.com"]})", {"push", push_payload(), "1"});
  EXPECT_FALSE(attempt.delivered);
  EXPECT_EQ(attempt.status_code, 0);
  EXPECT_EQ(attempt.error, "no SMTP server is configured (notifications.smtp.url)");
}

// Speaks just enough SMTP for libcurl, without STARTTLS, refusing RCPT with `rcpt_reply`.
class RecordingSmtp {
 public:
  explicit RecordingSmtp(std::string rcpt_reply = "250 ok")
      : rcpt_reply_(std::move(rcpt_reply)), server_([this](int fd) { handle(fd); }) {}

  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(server_.port()); }
  std::vector<std::string> commands() {
    std::lock_guard lock(mutex_);
    return commands_;
  }
  std::string data() {
    std::lock_guard lock(mutex_);
    return data_;
  }

 private:
  void handle(int fd) {
    std::string pending;
    char buffer[4096];
    const auto next_line = [&](std::string& line) {
      std::size_t end;
      while ((end = pending.find("\r\n")) == std::string::npos) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0) return false;
        pending.append(buffer, static_cast<std::size_t>(n));
      }
      line = pending.substr(0, end);
      pending.erase(0, end + 2);
      return true;
    };
    write_all(fd, "220 test ESMTP\r\n");
    std::string line;
    while (next_line(line)) {
      {
        std::lock_guard lock(mutex_);
        commands_.push_back(line);
      }
      const std::string verb = lower(line.substr(0, 4));
      if (verb == "ehlo" || verb == "helo" || verb == "mail") {
        write_all(fd, "250 ok\r\n");
      } else if (verb == "rcpt") {
        write_all(fd, rcpt_reply_ + "\r\n");
      } else if (verb == "data") {
        write_all(fd, "354 go on\r\n");
        std::string data;
        while (next_line(line) && line != ".") data += line + "\r\n";
        {
          std::lock_guard lock(mutex_);
          data_ = data;
        }
        write_all(fd, "250 queued\r\n");
      } else if (verb == "quit") {
        write_all(fd, "221 bye\r\n");
        return;
      } else {
        write_all(fd, "250 ok\r\n");
      }
    }
  }

  const std::string rcpt_reply_;
  std::mutex mutex_;
  std::vector<std::string> commands_;
  std::string data_;
  LoopbackServer server_;
};

TEST(NotifySender, EmailGoesThroughSmtp) {
  RecordingSmtp smtp;
  SenderSettings settings;
  settings.smtp.url = smtp.url();
  settings.smtp.starttls = false;
  settings.smtp.from = "Pier <pier@registry.example.com>";
  // A field whose line starts with a dot: SMTP would read a lone "." as the end of the data.
  const Outgoing outgoing{"test", R"({"namespace":"acme","message":"hello",".":"dot"})", "5"};
  const Attempt attempt =
      make_sender(settings)->send(Method::kEmail, R"({"to":["a@example.com","b@example.com"]})", outgoing);
  EXPECT_TRUE(attempt.delivered) << attempt.error;
  EXPECT_EQ(attempt.status_code, 250);
  EXPECT_EQ(attempt.error, "");

  const auto commands = smtp.commands();
  EXPECT_NE(std::find(commands.begin(), commands.end(), "MAIL FROM:<pier@registry.example.com>"), commands.end());
  EXPECT_NE(std::find(commands.begin(), commands.end(), "RCPT TO:<a@example.com>"), commands.end());
  EXPECT_NE(std::find(commands.begin(), commands.end(), "RCPT TO:<b@example.com>"), commands.end());
  const std::string data = smtp.data();
  EXPECT_TRUE(data.starts_with("From: Pier <pier@registry.example.com>\r\nTo: a@example.com,\r\n b@example.com\r\n"))
      << data;
  EXPECT_NE(data.find("\r\nSubject: [Pier] Test notification for acme: hello\r\n"), std::string::npos) << data;
  // libcurl stuffs the dot; the message itself holds one.
  EXPECT_NE(data.find("\r\n..: dot\r\n"), std::string::npos) << data;
}

TEST(NotifySender, RefusedRecipientFailsWithTheSmtpCode) {
  RecordingSmtp smtp("550 no such user");
  SenderSettings settings;
  settings.smtp.url = smtp.url();
  settings.smtp.starttls = false;
  const Attempt attempt =
      make_sender(settings)->send(Method::kEmail, R"({"to":"nobody@example.com"})", {"push", push_payload(), "1"});
  EXPECT_FALSE(attempt.delivered);
  EXPECT_EQ(attempt.status_code, 550);
  EXPECT_FALSE(attempt.error.empty());
}

TEST(NotifySender, StarttlsIsRequiredWhenTheServerLacksIt) {
  RecordingSmtp smtp;
  SenderSettings settings;
  settings.smtp.url = smtp.url();
  const Attempt attempt =
      make_sender(settings)->send(Method::kEmail, R"({"to":"a@example.com"})", {"push", push_payload(), "1"});
  EXPECT_FALSE(attempt.delivered);
  EXPECT_FALSE(attempt.error.empty());
  EXPECT_TRUE(smtp.data().empty());
}

}  // namespace
}  // namespace pier::notify
