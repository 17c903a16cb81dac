// notify/smtp_sender.h: one message handed to an SMTP server through libcurl.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "notify/outgoing.h"
#include "notify/sender.h"

namespace pier::notify {

// Sends `message` (RFC 5322, CRLF line ends) from settings.from to each of `to`. Delivered when
// the server accepted it; status_code is the server's last reply code (250 on success).
// Thread-safe: each call has its own connection.
Attempt send_email(const SmtpSettings& settings, std::chrono::seconds timeout, const std::vector<std::string>& to,
                   std::string_view message);

}  // namespace pier::notify
