// api/subjects.h: the principal that a "{kind}/{name}" pair of a path gives a grant to.
//
//   user/<name>              a user;
//   team/<name>              a team of the organization the grant is in, by its short name;
//   robot/<namespace>+<name> a robot, by its full name.
// parse_subject checks the pair (no store call, so it comes before authorization);
// find_subject looks the principal up after it, so callers without rights learn nothing about
// which accounts exist.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"
#include "meta/account_store.h"

namespace pier::api {

struct SubjectName {
  meta::SubjectKind kind;
  std::string_view name;
};

// kBadRequest for another kind or a name outside its grammar.
Result<SubjectName> parse_subject(std::string_view kind, std::string_view name);
// A grant as a PUT asks for it: the subject of the path's "{kind}/{name}" and the body's
// {"role": "read" | "write" | "admin"}. Checked without a store call.
struct RequestedGrant {
  SubjectName subject;
  meta::RepositoryRole role;
  std::string role_text;
};
Result<RequestedGrant> parse_requested_grant(std::string_view kind, std::string_view name, std::string_view body);

// kNameUnknown when there is no such principal; a team outside an organization never exists.
Result<meta::Subject> find_subject(meta::AccountStore& accounts, const SubjectName& subject,
                                   std::string_view organization);

}  // namespace pier::api
