#include "notify/smtp_sender.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <mutex>

#include "client/curl_support.h"

namespace pier::notify {

namespace {

constexpr long kConnectTimeoutSeconds = 15;


struct Reader {
  std::string_view rest;
};

std::size_t read_message(char* buffer, std::size_t size, std::size_t count, void* data) {
  auto* reader = static_cast<Reader*>(data);
  const std::size_t n = std::min(size * count, reader->rest.size());
  std::memcpy(buffer, reader->rest.data(), n);
  reader->rest.remove_prefix(n);
  return n;
}

// The envelope takes the bare address: "Pier <pier@example.com>" gives "<pier@example.com>".
std::string envelope_address(std::string_view address) {
  const auto open = address.rfind('<');
  const auto close = address.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    return std::string(address.substr(open, close - open + 1));
  }
  return "<" + std::string(address) + ">";
}


bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return a == std::tolower(static_cast<unsigned char>(b));
         });
}

}  // namespace

Attempt send_email(const SmtpSettings& settings, std::chrono::seconds timeout, const std::vector<std::string>& to,
                   std::string_view message) {
  if (settings.url.empty()) return Attempt{false, 0, "no SMTP server is configured (notifications.smtp.url)"};
  if (to.empty()) return Attempt{false, 0, "the rule names no recipient"};
  client::initialise_curl();
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Attempt{false, 0, "cannot start libcurl"};
  const std::unique_ptr<CURL, void (*)(CURL*)> handle(curl, curl_easy_cleanup);

  client::CurlStringList recipients;
  for (const auto& address : to) {
    if (!recipients.add(envelope_address(address))) return Attempt{false, 0, "out of memory"};
  }
  const std::string from = envelope_address(settings.from);
  Reader reader{message};
  char error_text[CURL_ERROR_SIZE] = {};
  const long seconds = static_cast<long>(timeout.count());

  curl_easy_setopt(curl, CURLOPT_URL, settings.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, std::min(kConnectTimeoutSeconds, seconds));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, seconds);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_message);
  curl_easy_setopt(curl, CURLOPT_READDATA, &reader);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  // smtps:// is TLS from the first byte; on smtp:// only STARTTLS protects the password and
  // the message, so with starttls on, a server that does not offer it gets nothing.
  if (settings.starttls && starts_with_ignoring_case(settings.url, "smtp://")) {
    curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  }
  if (!settings.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, settings.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, settings.password.c_str());
  }
  if (!settings.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, settings.ca_file.c_str());
  if (settings.insecure_skip_verify) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }

  const CURLcode performed = curl_easy_perform(curl);
  Attempt attempt;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &attempt.status_code);
  if (performed != CURLE_OK) {
    attempt.error = error_text[0] != '\0' ? error_text : curl_easy_strerror(performed);
    return attempt;
  }
  attempt.delivered = true;
  return attempt;
}

}  // namespace pier::notify
