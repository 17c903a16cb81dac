// notify/outgoing.h: one delivery of an event to one rule, and how one attempt at it went.
#pragma once

#include <string>

namespace pier::notify {

struct Outgoing {
  std::string event;         // "push", "delete", ... (the payload's "event")
  std::string payload_json;  // the event's JSON object; webhooks send these exact bytes
  std::string delivery_id;   // decimal; the same on every attempt, so receivers can drop repeats
};

struct Attempt {
  bool delivered = false;
  long status_code = 0;  // the HTTP status, or the SMTP reply code; 0 when nothing answered
  std::string error;     // empty when delivered
};

}  // namespace pier::notify
