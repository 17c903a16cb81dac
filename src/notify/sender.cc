#include "notify/sender.h"

#include <algorithm>
#include <map>
#include <utility>

#include "client/http_client.h"
#include "common/clock.h"
#include "notify/formats.h"
#include "notify/payload_text.h"
#include "notify/smtp_sender.h"
#include "notify/target.h"

namespace pier::notify {

namespace {

constexpr std::size_t kMaxErrorBodyBytes = 200;

// HttpClient names the URL in its errors; a delivery's error keeps only libcurl's reason.
std::string reason_of(const Error& error, const std::string& url) {
  const std::string prefix = "cannot reach " + url + ": ";
  if (error.message.starts_with(prefix)) return error.message.substr(prefix.size());
  return error.message;
}

// Cut at a UTF-8 boundary, so the error stays valid text in the API's JSON.
std::string body_excerpt(std::string_view body) {
  std::size_t cut = std::min(body.size(), kMaxErrorBodyBytes);
  while (cut > 0 && cut < body.size() && (static_cast<unsigned char>(body[cut]) & 0xc0) == 0x80) --cut;
  return one_line(body.substr(0, cut));
}

class CurlSender final : public Sender {
 public:
  explicit CurlSender(SenderSettings settings) : settings_(std::move(settings)) {}

  Attempt send(Method method, std::string_view config_json, const Outgoing& outgoing) override {
    switch (method) {
      case Method::kWebhook:
        return post(http_target_of(config_json), webhook_message(config_json, outgoing));
      case Method::kSlack:
        return post(http_target_of(config_json), slack_message(outgoing));
      case Method::kCloudEvents:
        return post(http_target_of(config_json), cloud_event_message(config_json, outgoing));
      case Method::kEmail: {
        const auto to = email_recipients_of(config_json);
        return send_email(settings_.smtp, settings_.timeout, to,
                          email_message(settings_.smtp.from, to, outgoing, Clock::system().unix_seconds()));
      }
    }
    return Attempt{false, 0, "unknown notification method"};
  }

 private:
  // A client per thread and TLS options (workers send at once; the options are the rule's), so
  // a receiver's connection is kept from one delivery to the next: a job sends one rule's
  // deliveries in a row.
  static client::HttpClient& client_for(const HttpTarget& target) {
    thread_local std::map<std::pair<std::string, bool>, client::HttpClient> clients;
    const auto options = std::make_pair(target.ca_file, !target.verify_tls);
    auto found = clients.find(options);
    if (found == clients.end()) {
      found = clients.emplace(options, client::HttpClient(client::TlsOptions{target.ca_file, !target.verify_tls})).first;
    }
    return found->second;
  }

  Attempt post(const HttpTarget& target, HttpMessage message) const {
    auto& http = client_for(target);
    client::HttpRequest request;
    request.method = "POST";
    request.url = target.url;
    request.headers = std::move(message.headers);
    request.body = std::move(message.body);
    request.timeout = settings_.timeout;
    request.user_agent = "pier";
    auto response = http.send(request);
    if (!response) return Attempt{false, 0, reason_of(response.error(), target.url)};
    Attempt attempt;
    attempt.status_code = response->status;
    attempt.delivered = response->status >= 200 && response->status < 300;
    if (!attempt.delivered) {
      attempt.error = "HTTP " + std::to_string(response->status);
      if (const std::string excerpt = body_excerpt(response->body); !excerpt.empty()) attempt.error += ": " + excerpt;
    }
    return attempt;
  }

  const SenderSettings settings_;
};

}  // namespace

std::unique_ptr<Sender> make_sender(SenderSettings settings) {
  return std::make_unique<CurlSender>(std::move(settings));
}

}  // namespace pier::notify
