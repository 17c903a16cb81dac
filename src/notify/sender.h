// notify/sender.h: one attempt at one delivery, over HTTP (webhook, slack, cloudevents) or SMTP
// (email). Retries, backoff and disabling rules are the caller's; a Sender only reports.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "notify/method.h"
#include "notify/outgoing.h"

namespace pier::notify {

// notifications.smtp.*: the server every email rule sends through.
struct SmtpSettings {
  std::string url;  // smtp://host:port or smtps://host:port; empty: email rules cannot send
  std::string username, password;
  std::string from = "pier@localhost";
  bool starttls = true;  // on smtp://, refuse to send unless the server upgrades to TLS
  std::string ca_file;
  bool insecure_skip_verify = false;
};

struct SenderSettings {
  SmtpSettings smtp;
  std::chrono::seconds timeout{10};  // one attempt, connecting included
};

// Thread-safe: job workers send at once. An attempt is delivered on a 2xx response, or when the
// SMTP server accepted the message. Otherwise its error says why, for the rule's deliveries:
// "HTTP <code>: <at most 200 bytes of the body>" for any other status, libcurl's reason when
// nothing answered. Errors never contain the target's URL (a Slack URL is itself a credential).
class Sender {
 public:
  virtual ~Sender() = default;
  // `config_json` is a config check_config accepted for `method`.
  virtual Attempt send(Method method, std::string_view config_json, const Outgoing& outgoing) = 0;
};

std::unique_ptr<Sender> make_sender(SenderSettings settings);

}  // namespace pier::notify
