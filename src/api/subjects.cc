#include "api/subjects.h"

#include "api/account_names.h"
#include "api/json_body.h"
#include "api/vocabulary.h"

namespace pier::api {

Result<SubjectName> parse_subject(std::string_view kind_text, std::string_view name) {
  auto kind = parse_subject_kind("subject kind", kind_text);
  if (!kind) return kind.error();
  auto checked = *kind == meta::SubjectKind::kRobot ? check_robot_full_name(name)
                                                    : check_account_name(to_text(*kind), name);
  if (!checked) return checked.error();
  return SubjectName{*kind, name};
}

Result<meta::Subject> find_subject(meta::AccountStore& accounts, const SubjectName& subject,
                                   std::string_view organization) {
  switch (subject.kind) {
    case meta::SubjectKind::kUser: {
      auto user = accounts.get_user(subject.name);
      if (!user) return user.error();
      return meta::Subject{subject.kind, user->id};
    }
    case meta::SubjectKind::kTeam: {
      if (organization.empty()) return make_error(ErrorCode::kNameUnknown, "team not known");
      auto team = accounts.get_team(organization, subject.name);
      if (!team) return team.error();
      return meta::Subject{subject.kind, team->id};
    }
    case meta::SubjectKind::kRobot: {
      auto robot = accounts.find_robot(subject.name);
      if (!robot) return robot.error();
      return meta::Subject{subject.kind, robot->id};
    }
  }
  return make_error(ErrorCode::kInternal, "unknown subject kind");
}

Result<RequestedGrant> parse_requested_grant(std::string_view kind, std::string_view name, std::string_view body) {
  auto subject = parse_subject(kind, name);
  if (!subject) return subject.error();
  auto fields = JsonBody::parse(body, {"role"});
  if (!fields) return fields.error();
  auto role_text = fields->string("role");
  if (!role_text) return role_text.error();
  auto role = parse_repository_role("role", *role_text);
  if (!role) return role.error();
  return RequestedGrant{*subject, *role, std::string(*role_text)};
}

}  // namespace pier::api
