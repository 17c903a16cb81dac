#include <array>
#include <cstdio>
#include <ctime>

#include "notify/formats.h"
#include "notify/payload_text.h"

namespace pier::notify {

namespace {

// RFC 5322 allows 998 bytes a line; longer lines are cut, well inside that.
constexpr std::size_t kMaxLineBytes = 900;
constexpr std::size_t kMaxSubjectBytes = 400;
// An encoded-word is at most 75 characters; 45 bytes are 60 in base64, with room for the rest.
constexpr std::size_t kEncodedWordBytes = 45;

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned n = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], kAlphabet[n & 63]};
  }
  if (i + 1 == bytes.size()) {
    const unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const unsigned n = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

// The longest prefix of at most `limit` bytes that does not split a UTF-8 sequence.
std::size_t utf8_cut(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return text.size();
  std::size_t cut = limit;
  while (cut > 0 && is_continuation(text[cut])) --cut;
  return cut;
}

bool is_ascii(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// RFC 2047 encoded-words for a header value that is not ASCII, folded between words.
std::string header_text(std::string_view text) {
  if (is_ascii(text)) return std::string(text);
  std::string out;
  while (!text.empty()) {
    const std::size_t cut = utf8_cut(text, kEncodedWordBytes);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(text.substr(0, cut)) + "?=";
    text.remove_prefix(cut);
  }
  return out;
}

// "Mon, 07 Dec 2026 22:30:01 +0000" without the locale that strftime's names would follow.
std::string rfc5322_date(std::int64_t unix_seconds) {
  static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t time = static_cast<std::time_t>(unix_seconds);
  std::tm parts{};
  if (::gmtime_r(&time, &parts) == nullptr) return "Thu, 01 Jan 1970 00:00:00 +0000";
  char text[64];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[parts.tm_wday], parts.tm_mday,
                kMonths[parts.tm_mon], parts.tm_year + 1900, parts.tm_hour, parts.tm_min, parts.tm_sec);
  return text;
}

std::string domain_of(std::string_view address) {
  const auto at = address.rfind('@');
  if (at == std::string_view::npos) return "localhost";
  std::string domain(address.substr(at + 1));
  if (const auto end = domain.find('>'); end != std::string::npos) domain.erase(end);
  return domain.empty() ? "localhost" : domain;
}

void append_line(std::string& out, std::string_view line) {
  do {
    const std::size_t cut = utf8_cut(line, kMaxLineBytes);
    out.append(line.substr(0, cut));
    out += "\r\n";
    line.remove_prefix(cut);
  } while (!line.empty());
}

}  // namespace

std::string email_message(std::string_view from, const std::vector<std::string>& to, const Outgoing& outgoing,
                          std::int64_t now_unix) {
  const std::string summary = summary_of(outgoing);
  std::string message;
  message += "From: " + one_line(from) + "\r\n";
  message += "To: ";
  for (std::size_t i = 0; i < to.size(); ++i) {
    if (i > 0) message += ",\r\n ";
    message += one_line(to[i]);
  }
  message += "\r\n";
  message += "Subject: " + header_text("[Pier] " + summary.substr(0, utf8_cut(summary, kMaxSubjectBytes))) + "\r\n";
  message += "Date: " + rfc5322_date(now_unix) + "\r\n";
  // The same on every attempt of a delivery, so a mail system that got it twice can tell.
  const std::string unique =
      outgoing.delivery_id.empty() ? "at." + std::to_string(now_unix) : one_line(outgoing.delivery_id);
  message += "Message-ID: <pier.delivery." + unique + "@" + one_line(domain_of(from)) + ">\r\n";
  message += "MIME-Version: 1.0\r\n";
  message += "Content-Type: text/plain; charset=utf-8\r\n";
  message += "Content-Transfer-Encoding: 8bit\r\n";
  message += "X-Pier-Event: " + one_line(outgoing.event) + "\r\n";
  message += "X-Pier-Delivery: " + one_line(outgoing.delivery_id) + "\r\n";
  message += "\r\n";
  append_line(message, summary);
  message += "\r\n";
  for (const auto& field : payload_fields(outgoing.payload_json)) {
    if (field.items.empty()) {
      append_line(message, field.name + ": " + field.text);
      continue;
    }
    append_line(message, field.name + ":");
    for (const auto& item : field.items) append_line(message, "  " + item);
  }
  return message;
}

}  // namespace pier::notify
