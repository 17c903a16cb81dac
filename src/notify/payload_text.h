// notify/payload_text.h: an event's payload as lines of text, for the methods that show it to
// people (Slack, email) rather than hand it to a program.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pier::notify {

struct PayloadField {
  std::string name;
  std::string text;                // the value on one line; empty for an array of objects
  std::vector<std::string> items;  // an array of objects (vulnerabilities), one line each
};

// The payload's fields in their order. Strings as they are, numbers and booleans as JSON,
// arrays of scalars joined by ", ", objects as "key: value, ...". Never a control character.
std::vector<PayloadField> payload_fields(std::string_view payload_json);

// `text` with every control character (CR and LF above all) turned into a space, so it can go
// into a header or a one-line summary.
std::string one_line(std::string_view text);

}  // namespace pier::notify
