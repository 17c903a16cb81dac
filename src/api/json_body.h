// api/json_body.h: reading a request's JSON body and writing JSON responses.
//
// A body is one JSON object whose fields the route lists; an empty body is the empty object.
// Unknown fields are refused rather than ignored, so a misspelt field ("superuesr") is an error
// and not a silent default. Every problem is kBadRequest with a message naming the field. A
// null value counts as absent.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "common/error.h"
#include "common/message.h"

namespace pier::api {

class JsonBody {
 public:
  static Result<JsonBody> parse(std::string_view body, std::initializer_list<std::string_view> fields);

  Result<std::string> string(std::string_view field) const;  // required
  Result<std::optional<std::string>> optional_string(std::string_view field) const;
  Result<bool> boolean(std::string_view field) const;  // required
  Result<std::optional<bool>> optional_boolean(std::string_view field) const;
  Result<std::optional<std::int64_t>> optional_integer(std::string_view field) const;
  Result<std::vector<std::string>> strings(std::string_view field) const;  // a required array of strings
  Result<std::vector<std::string>> optional_strings(std::string_view field) const;  // absent: empty
  // An array of objects, each read as a body of its own with the fields listed; absent: empty.
  Result<std::vector<JsonBody>> optional_objects(std::string_view field,
                                                 std::initializer_list<std::string_view> fields) const;
  // An object, as JSON text, for whoever reads its fields (a job's args).
  Result<std::optional<std::string>> optional_object(std::string_view field) const;

 private:
  explicit JsonBody(boost::json::object object) : object_(std::move(object)) {}
  const boost::json::value* find(std::string_view field) const;

  boost::json::object object_;
};

// A JSON response. API responses may hold secrets (tokens), so none is stored by caches.
Response json_response(unsigned status, const boost::json::value& body);
Response no_content();

// kBadRequest "<field>: <problem>".
Error bad_field(std::string_view field, std::string_view problem);

}  // namespace pier::api
