#include "auth/authorizer.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace pier::auth {
namespace {

using meta::Grants;
using meta::RepositoryRole;
using meta::TeamGrant;
using meta::TeamRole;

constexpr std::array<Action, 5> kActions{Action::kPull, Action::kPush, Action::kDelete, Action::kList,
                                         Action::kManage};

// One grant given to the principal (directly, or to a team it is in).
enum class G {
  kNone, kPermRead, kPermWrite, kPermAdmin, kTeamMember, kTeamCreator, kTeamAdmin,
  kImagePuller, kImagePusher, kImageBuilder, kRegistryViewer, kRegistryEditor, kRegistryAdmin,
  kOwner, kSuperuser,
};

// Who asks: a user holding the grant, a user in a team holding it, a robot holding it, the
// user's API token with the given scopes, or anonymous (the user's grants are passed and must be
// ignored). For team roles, owner and superuser "user" and "team" are the same user; a robot is
// given the same Grants (teams, owner, superuser included) and must ignore what robots may not have.
enum class P { kUser, kTeam, kRobot, kTokRead, kTokWrite, kTokAdmin, kTokOrgAdmin, kTokSuper, kTokNone, kAnon };
constexpr std::array<P, 10> kPrincipals{P::kUser,     P::kTeam,        P::kRobot,    P::kTokRead,  P::kTokWrite,
                                        P::kTokAdmin, P::kTokOrgAdmin, P::kTokSuper, P::kTokNone,  P::kAnon};
constexpr std::array<std::string_view, 10> kPrincipalNames{
    "user", "team member", "robot", "token repo:read", "token repo:write", "token repo:admin",
    "token org:admin", "token super:user", "token without scopes", "anonymous"};

TeamGrant team(TeamRole role, std::optional<RepositoryRole> permission = std::nullopt,
               std::vector<std::string> bindings = {}, std::string organization = "acme") {
  return TeamGrant{7, std::move(organization), "devs", role, permission, std::move(bindings)};
}

std::string binding_of(G g) {
  switch (g) {
    case G::kImagePuller: return "system:image-puller";
    case G::kImagePusher: return "system:image-pusher";
    case G::kImageBuilder: return "system:image-builder";
    case G::kRegistryViewer: return "registry-viewer";
    case G::kRegistryEditor: return "registry-editor";
    case G::kRegistryAdmin: return "registry-admin";
    default: return "";
  }
}

Grants grants_of(G g, bool via_team) {
  Grants grants;
  grants.exists = true;
  std::optional<RepositoryRole> perm;
  switch (g) {
    case G::kNone: break;
    case G::kPermRead: perm = RepositoryRole::kRead; break;
    case G::kPermWrite: perm = RepositoryRole::kWrite; break;
    case G::kPermAdmin: perm = RepositoryRole::kAdmin; break;
    case G::kTeamMember: grants.teams.push_back(team(TeamRole::kMember)); break;
    case G::kTeamCreator: grants.teams.push_back(team(TeamRole::kCreator)); break;
    case G::kTeamAdmin: grants.teams.push_back(team(TeamRole::kAdmin)); break;
    case G::kOwner: grants.owns_namespace = true; break;
    case G::kSuperuser: grants.superuser = true; break;
    default:
      if (via_team) {
        grants.teams.push_back(team(TeamRole::kMember, std::nullopt, {binding_of(g)}));
      } else {
        grants.role_bindings.push_back(binding_of(g));
      }
  }
  if (perm) {
    if (via_team) {
      grants.teams.push_back(team(TeamRole::kMember, perm));
    } else {
      grants.direct_role = perm;
    }
  }
  return grants;
}

Principal principal_of(P p) {
  switch (p) {
    case P::kUser:
    case P::kTeam: return {PrincipalKind::kUser, "alice", {}};
    case P::kRobot: return {PrincipalKind::kRobot, "acme+ci", {}};
    case P::kTokRead: return {PrincipalKind::kToken, "alice", {"repo:read"}};
    case P::kTokWrite: return {PrincipalKind::kToken, "alice", {"repo:write"}};
    case P::kTokAdmin: return {PrincipalKind::kToken, "alice", {"repo:admin"}};
    case P::kTokOrgAdmin: return {PrincipalKind::kToken, "alice", {"org:admin"}};
    case P::kTokSuper: return {PrincipalKind::kToken, "alice", {"super:user"}};
    case P::kTokNone: return {PrincipalKind::kToken, "alice", {}};
    case P::kAnon: return {PrincipalKind::kAnonymous, "", {}};
  }
  return {};
}

// Allowed actions as a mask over (pull, push, delete, list, manage): r w d l m, '-' = denied.
constexpr std::string_view N = "-----";
constexpr std::string_view R = "r--l-";
constexpr std::string_view W = "rw-l-";
constexpr std::string_view A = "rwdlm";

struct Row {
  G grant;
  std::string_view name;
  std::array<std::string_view, 10> expected;  // one mask per principal, in kPrincipals order
};

// An existing private repository, acme/app in organization acme (alice/app in alice's own
// namespace for the owner row).
// clang-format off
const std::vector<Row> kMatrix = {
  //                                    user team robot tok:r tok:w tok:a tok:org tok:su tok:- anon
  {G::kNone,           "none",                 {N, N, N, N, N, N, N, N, N, N}},
  {G::kPermRead,       "permission read",      {R, R, R, R, R, R, N, N, N, N}},
  {G::kPermWrite,      "permission write",     {W, W, W, R, W, W, N, N, N, N}},
  {G::kPermAdmin,      "permission admin",     {A, A, A, R, W, A, N, N, N, N}},
  {G::kTeamMember,     "team role member",     {N, N, N, N, N, N, N, N, N, N}},
  {G::kTeamCreator,    "team role creator",    {N, N, N, N, N, N, N, N, N, N}},
  {G::kTeamAdmin,      "team role admin",      {A, A, N, R, W, A, N, N, N, N}},
  {G::kImagePuller,    "system:image-puller",  {R, R, R, R, R, R, N, N, N, N}},
  {G::kImagePusher,    "system:image-pusher",  {W, W, W, R, W, W, N, N, N, N}},
  {G::kImageBuilder,   "system:image-builder", {W, W, W, R, W, W, N, N, N, N}},
  {G::kRegistryViewer, "registry-viewer",      {R, R, R, R, R, R, N, N, N, N}},
  {G::kRegistryEditor, "registry-editor",      {W, W, W, R, W, W, N, N, N, N}},
  {G::kRegistryAdmin,  "registry-admin",       {A, A, A, R, W, A, N, N, N, N}},
  {G::kOwner,          "namespace owner",      {A, A, N, R, W, A, N, N, N, N}},
  {G::kSuperuser,      "superuser",            {A, A, N, R, W, A, N, A, N, N}},
};
// clang-format on

std::string mask_of(const Principal& principal, const Grants& grants, bool is_public, bool exists,
                    std::string_view kind, std::string_view ns) {
  std::string mask;
  constexpr std::string_view letters = "rwdlm";
  for (std::size_t i = 0; i < kActions.size(); ++i) {
    mask += decide(principal, kActions[i], grants, is_public, exists, kind, ns).allowed ? letters[i] : '-';
  }
  return mask;
}

TEST(Authorizer, MatrixOfGrantsPrincipalsAndActionsOnAPrivateRepository) {
  ASSERT_EQ(kMatrix.size(), 15u);
  for (const auto& row : kMatrix) {
    const bool own = row.grant == G::kOwner;
    for (std::size_t i = 0; i < kPrincipals.size(); ++i) {
      const P p = kPrincipals[i];
      const Grants grants = grants_of(row.grant, p == P::kTeam);
      EXPECT_EQ(mask_of(principal_of(p), grants, false, true, own ? "user" : "org", own ? "alice" : "acme"),
                row.expected[i])
          << row.name << " x " << kPrincipalNames[i];
    }
  }
}

Decision decide_on(const Principal& principal, Action action, const Grants& grants, bool is_public = false,
                   bool exists = true, std::string_view kind = "org", std::string_view ns = "acme") {
  return decide(principal, action, grants, is_public, exists, kind, ns);
}

const Principal kAlice{PrincipalKind::kUser, "alice", {}};
const Principal kRobot{PrincipalKind::kRobot, "acme+ci", {}};
const Principal kAnonymous{PrincipalKind::kAnonymous, "", {}};

TEST(Authorizer, PublicRepositoriesArePullableAndListableByEveryoneButNothingMore) {
  const Grants nothing = grants_of(G::kNone, false);
  EXPECT_EQ(mask_of(kAnonymous, Grants{}, true, true, "org", "acme"), "r--l-");
  EXPECT_EQ(mask_of(kAlice, nothing, true, true, "org", "acme"), "r--l-");
  EXPECT_EQ(mask_of(kRobot, nothing, true, true, "org", "acme"), "r--l-");
  EXPECT_EQ(mask_of(principal_of(P::kTokRead), nothing, true, true, "org", "acme"), "r--l-");
  EXPECT_EQ(mask_of(principal_of(P::kTokAdmin), nothing, true, true, "org", "acme"), "r--l-");
  // A token without scopes may do nothing at all; the same repository private denies everyone.
  EXPECT_EQ(mask_of(principal_of(P::kTokNone), nothing, true, true, "org", "acme"), "-----");
  EXPECT_EQ(mask_of(kAnonymous, Grants{}, false, true, "org", "acme"), "-----");
  EXPECT_EQ(mask_of(kAlice, nothing, false, true, "org", "acme"), "-----");
  // Grants still apply on top of public read.
  EXPECT_EQ(mask_of(kAlice, grants_of(G::kPermWrite, false), true, true, "org", "acme"), "rw-l-");
  // Nothing to pull anonymously from a repository that does not exist.
  EXPECT_FALSE(decide_on(kAnonymous, Action::kPull, Grants{}, true, false).allowed);
  EXPECT_FALSE(decide_on(kAnonymous, Action::kPush, Grants{}, true, false).allowed);
}

TEST(Authorizer, DisabledAndUnknownPrincipalsMayDoNothingEvenOnPublicRepositories) {
  Grants disabled = grants_of(G::kSuperuser, false);
  disabled.owns_namespace = true;
  disabled.direct_role = RepositoryRole::kAdmin;
  disabled.disabled = true;
  EXPECT_EQ(mask_of(kAlice, disabled, true, true, "user", "alice"), "-----");
  EXPECT_EQ(mask_of(principal_of(P::kTokAdmin), disabled, true, true, "user", "alice"), "-----");
  EXPECT_FALSE(decide_on(kAlice, Action::kPush, disabled, false, false, "user", "alice").allowed);
  EXPECT_EQ(decide_on(kAlice, Action::kPull, disabled, true).reason, "denied: principal is disabled");
  Grants robot_disabled = grants_of(G::kPermAdmin, false);
  robot_disabled.disabled = true;
  EXPECT_EQ(mask_of(kRobot, robot_disabled, true, true, "org", "acme"), "-----");

  const Grants unknown{};  // exists == false
  EXPECT_EQ(mask_of(kAlice, unknown, true, true, "org", "acme"), "-----");
  EXPECT_EQ(mask_of(kRobot, unknown, true, true, "org", "acme"), "-----");
  EXPECT_EQ(decide_on(kAlice, Action::kPull, unknown, true).reason, "denied: principal does not exist");
}

struct CreateRow {
  std::string_view name;
  Principal principal;
  Grants grants;
  std::string_view namespace_kind;
  std::string_view namespace_name;
  bool allowed;
};

TEST(Authorizer, PushingToARepositoryThatDoesNotExistCreatesItOnlyForThoseAllowedToCreate) {
  Grants owner_in_org = grants_of(G::kOwner, false);  // inconsistent data: owner flag in an org
  Grants other_org_creator = grants_of(G::kNone, false);
  other_org_creator.teams.push_back(team(TeamRole::kCreator, std::nullopt, {}, "other"));
  Grants other_org_admin = grants_of(G::kNone, false);
  other_org_admin.teams.push_back(team(TeamRole::kAdmin, RepositoryRole::kAdmin, {}, "other"));
  Grants robot_with_everything = grants_of(G::kTeamAdmin, false);
  robot_with_everything.owns_namespace = true;
  robot_with_everything.superuser = true;
  robot_with_everything.direct_role = RepositoryRole::kAdmin;
  robot_with_everything.role_bindings = {"registry-editor", "system:image-pusher"};
  Grants robot_with_no_permission = robot_with_everything;
  robot_with_no_permission.direct_role.reset();
  // clang-format off
  const std::vector<CreateRow> rows = {
    {"owner of a user namespace",            kAlice, grants_of(G::kOwner, false),          "user", "alice", true},
    {"owner flag in an org namespace",       kAlice, owner_in_org,                         "org",  "acme",  false},
    {"team creator of the org",              kAlice, grants_of(G::kTeamCreator, false),    "org",  "acme",  true},
    {"team admin of the org",                kAlice, grants_of(G::kTeamAdmin, false),      "org",  "acme",  true},
    {"team creator in a user namespace",     kAlice, grants_of(G::kTeamCreator, false),    "user", "acme",  false},
    {"team creator of another org",          kAlice, other_org_creator,                    "org",  "acme",  false},
    {"other org's admin team, admin here",   kAlice, other_org_admin,                      "org",  "acme",  true},
    {"team member of the org",               kAlice, grants_of(G::kTeamMember, false),     "org",  "acme",  false},
    {"registry-admin bound to the user",     kAlice, grants_of(G::kRegistryAdmin, false),  "org",  "acme",  true},
    {"registry-admin bound to a team",       kAlice, grants_of(G::kRegistryAdmin, true),   "org",  "acme",  true},
    {"registry-admin bound to a robot",      kRobot, grants_of(G::kRegistryAdmin, false),  "org",  "acme",  true},
    {"registry-editor bound to the user",    kAlice, grants_of(G::kRegistryEditor, false), "org",  "acme",  false},
    {"system:image-pusher bound to a robot", kRobot, grants_of(G::kImagePusher, false),    "org",  "acme",  false},
    {"admin permission before first push",   kAlice, grants_of(G::kPermAdmin, false),      "org",  "acme",  true},
    {"robot's admin permission before push", kRobot, grants_of(G::kPermAdmin, false),      "org",  "acme",  true},
    {"read permission before first push",    kAlice, grants_of(G::kPermRead, false),       "org",  "acme",  false},
    {"superuser",                            kAlice, grants_of(G::kSuperuser, false),      "org",  "acme",  true},
    {"robot with owner/superuser/admin team",kRobot, robot_with_no_permission,             "user", "acme",  false},
    {"robot with owner/superuser in org",    kRobot, robot_with_no_permission,             "org",  "acme",  false},
    {"robot with an admin permission too",   kRobot, robot_with_everything,                "org",  "acme",  true},
    {"no grant",                             kAlice, grants_of(G::kNone, false),           "org",  "acme",  false},
    {"token repo:write of the owner",        principal_of(P::kTokWrite), grants_of(G::kOwner, false), "user", "alice", true},
    {"token repo:admin of a creator",        principal_of(P::kTokAdmin), grants_of(G::kTeamCreator, false), "org", "acme", true},
    {"token repo:read of the owner",         principal_of(P::kTokRead), grants_of(G::kOwner, false), "user", "alice", false},
    {"token org:admin of the owner",         principal_of(P::kTokOrgAdmin), grants_of(G::kOwner, false), "user", "alice", false},
    {"token super:user of a superuser",      principal_of(P::kTokSuper), grants_of(G::kSuperuser, false), "org", "acme", true},
    {"token super:user of a plain owner",    principal_of(P::kTokSuper), grants_of(G::kOwner, false), "user", "alice", false},
    {"anonymous with the owner's grants",    kAnonymous, grants_of(G::kOwner, false),      "user", "alice", false},
  };
  // clang-format on
  for (const auto& row : rows) {
    EXPECT_EQ(decide(row.principal, Action::kPush, row.grants, false, false, row.namespace_kind, row.namespace_name)
                  .allowed,
              row.allowed)
        << row.name;
  }
  // Creating in a public namespace needs the same rights: public gives read only.
  EXPECT_FALSE(decide_on(kAlice, Action::kPush, grants_of(G::kNone, false), true, false).allowed);
}

TEST(Authorizer, OtherActionsOnAMissingRepositoryFollowTheRolesAndCreatorsGetNoRole) {
  EXPECT_EQ(mask_of(kAlice, grants_of(G::kOwner, false), false, false, "user", "alice"), "rwdlm");
  EXPECT_EQ(mask_of(kAlice, grants_of(G::kTeamCreator, false), false, false, "org", "acme"), "-w---");
  EXPECT_EQ(mask_of(kAlice, grants_of(G::kPermWrite, false), false, false, "org", "acme"), "rw-l-");
  EXPECT_EQ(mask_of(kAlice, grants_of(G::kPermRead, false), false, false, "org", "acme"), "r--l-");
}

TEST(Authorizer, TokensAreCappedByTheirStrongestRepositoryScope) {
  const Grants admin = grants_of(G::kPermAdmin, false);
  auto token = [](std::vector<std::string> scopes) {
    return Principal{PrincipalKind::kToken, "alice", std::move(scopes)};
  };
  EXPECT_EQ(mask_of(token({"repo:read"}), admin, false, true, "org", "acme"), "r--l-");
  EXPECT_EQ(mask_of(token({"repo:read", "repo:write"}), admin, false, true, "org", "acme"), "rw-l-");
  EXPECT_EQ(mask_of(token({"repo:write", "repo:read"}), admin, false, true, "org", "acme"), "rw-l-");
  EXPECT_EQ(mask_of(token({"repo:admin", "repo:read"}), admin, false, true, "org", "acme"), "rwdlm");
  EXPECT_EQ(mask_of(token({"repo:delete", "REPO:ADMIN", ""}), admin, false, true, "org", "acme"), "-----");
  // A scope never raises the user's own role.
  EXPECT_EQ(mask_of(token({"repo:admin"}), grants_of(G::kPermRead, false), false, true, "org", "acme"), "r--l-");
  EXPECT_EQ(decide_on(token({"repo:read"}), Action::kPull, admin).reason,
            "allowed: pull by repository permission admin (capped by token scope)");
  EXPECT_EQ(decide_on(token({}), Action::kPull, admin).reason, "denied: token has no repository scope");
}

TEST(Authorizer, RobotsAreNeverOwnersSuperusersOrTeamMembers) {
  Grants g = grants_of(G::kOwner, false);
  g.superuser = true;
  g.teams.push_back(team(TeamRole::kAdmin, RepositoryRole::kAdmin, {"registry-admin"}));
  EXPECT_EQ(mask_of(kRobot, g, false, true, "user", "alice"), "-----");
  EXPECT_EQ(mask_of(kRobot, g, false, true, "org", "acme"), "-----");
  EXPECT_EQ(mask_of(kAlice, g, false, true, "user", "alice"), "rwdlm");  // the same grants for a user
  g.direct_role = RepositoryRole::kRead;
  EXPECT_EQ(mask_of(kRobot, g, false, true, "org", "acme"), "r--l-");
}

TEST(Authorizer, TeamsOfOtherOrganizationsGiveOnlyTheirRepositoryPermission) {
  Grants g = grants_of(G::kNone, false);
  g.teams.push_back(team(TeamRole::kAdmin, RepositoryRole::kRead, {}, "other"));
  EXPECT_EQ(mask_of(kAlice, g, false, true, "org", "acme"), "r--l-");
  EXPECT_EQ(mask_of(kAlice, g, false, true, "org", "other"), "rwdlm");
}

TEST(Authorizer, TheStrongestOfSeveralGrantsWinsAndUnknownBindingsGrantNothing) {
  Grants g = grants_of(G::kPermRead, false);
  g.role_bindings = {"cluster-admin", "system:image-pusher"};
  g.teams.push_back(team(TeamRole::kMember, RepositoryRole::kRead, {"registry-admin"}));
  EXPECT_EQ(mask_of(kAlice, g, false, true, "org", "acme"), "rwdlm");
  Grants unknown = grants_of(G::kNone, false);
  unknown.role_bindings = {"cluster-admin", "admin", "edit", "view", "Registry-Admin"};
  EXPECT_EQ(mask_of(kAlice, unknown, false, true, "org", "acme"), "-----");
}

TEST(Authorizer, ReasonsNameTheRuleThatAllowedOrSayThatNoneDid) {
  EXPECT_EQ(decide_on(kAlice, Action::kPush, grants_of(G::kPermWrite, true)).reason,
            "allowed: push by team acme/devs repository permission write");
  EXPECT_EQ(decide_on(kAlice, Action::kDelete, grants_of(G::kPermWrite, true)).reason,
            "denied: no rule allows delete");
  EXPECT_EQ(decide_on(kAlice, Action::kManage, grants_of(G::kSuperuser, false)).reason,
            "allowed: manage by superuser");
  EXPECT_EQ(decide_on(kRobot, Action::kPush, grants_of(G::kRegistryAdmin, false), false, false).reason,
            "allowed: create by role binding registry-admin");
  EXPECT_EQ(decide_on(kAnonymous, Action::kList, Grants{}, true).reason,
            "allowed: anonymous list of a public repository");
  EXPECT_FALSE(decide_on(kAnonymous, Action::kPush, Grants{}, true).allowed);
}

// Namespace management: allowed actions as a mask over (manage, create an organization,
// administer the registry, manage own tokens): m c u t, '-' = denied.
constexpr std::array<NamespaceAction, 4> kNamespaceActions{
    NamespaceAction::kManage, NamespaceAction::kCreateOrganization, NamespaceAction::kAdministerRegistry,
    NamespaceAction::kManageOwnTokens};

std::string namespace_mask_of(const Principal& principal, const meta::NamespaceGrants& grants) {
  std::string mask;
  constexpr std::string_view letters = "mcut";
  for (std::size_t i = 0; i < kNamespaceActions.size(); ++i) {
    mask += decide_namespace(principal, kNamespaceActions[i], grants).allowed ? letters[i] : '-';
  }
  return mask;
}

meta::NamespaceGrants namespace_grants(bool superuser, bool owner, bool admin_team, std::vector<std::string> bindings) {
  return meta::NamespaceGrants{true, false, superuser, owner, admin_team, std::move(bindings)};
}

TEST(Authorizer, MatrixOfNamespaceGrantsPrincipalsAndManagementActions) {
  const Principal user{PrincipalKind::kUser, "alice", {}};
  const Principal robot{PrincipalKind::kRobot, "acme+ci", {}};
  const Principal org_admin{PrincipalKind::kToken, "alice", {"org:admin"}};
  const Principal repo_admin{PrincipalKind::kToken, "alice", {"repo:admin", "repo:write", "repo:read"}};
  const Principal super_user{PrincipalKind::kToken, "alice", {"super:user"}};
  const Principal both{PrincipalKind::kToken, "alice", {"org:admin", "super:user"}};
  const Principal no_scope{PrincipalKind::kToken, "alice", {}};
  const std::vector<std::pair<std::string_view, Principal>> principals = {
      {"user", user},         {"robot", robot},         {"token org:admin", org_admin},
      {"token repo:*", repo_admin}, {"token super:user", super_user}, {"token org:admin super:user", both},
      {"token without scopes", no_scope}, {"anonymous", kAnonymous}};

  meta::NamespaceGrants disabled = namespace_grants(true, true, true, {"registry-admin"});
  disabled.disabled = true;
  struct NamespaceRow {
    std::string_view name;
    meta::NamespaceGrants grants;
    std::array<std::string_view, 8> expected;  // one mask per principal, in the order above
  };
  // clang-format off
  const std::vector<NamespaceRow> rows = {
    //                                                                     user    robot   org:a   repo:*  super   both    none    anon
    {"none",            namespace_grants(false, false, false, {}),          {"-c-t", "----", "-c--", "----", "----", "-c--", "----", "----"}},
    {"owner",           namespace_grants(false, true, false, {}),           {"mc-t", "----", "mc--", "----", "----", "mc--", "----", "----"}},
    {"admin team",      namespace_grants(false, false, true, {}),           {"mc-t", "----", "mc--", "----", "----", "mc--", "----", "----"}},
    {"registry-admin",  namespace_grants(false, false, false, {"registry-admin"}),
                                                                            {"mc-t", "----", "mc--", "----", "----", "mc--", "----", "----"}},
    {"other bindings",  namespace_grants(false, false, false, {"registry-editor", "system:image-pusher", "admin"}),
                                                                            {"-c-t", "----", "-c--", "----", "----", "-c--", "----", "----"}},
    {"superuser",       namespace_grants(true, false, false, {}),           {"mcut", "----", "mc--", "----", "mcu-", "mcu-", "----", "----"}},
    {"disabled",        disabled,                                           {"----", "----", "----", "----", "----", "----", "----", "----"}},
    {"does not exist",  meta::NamespaceGrants{},                            {"----", "----", "----", "----", "----", "----", "----", "----"}},
  };
  // clang-format on
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < principals.size(); ++i) {
      EXPECT_EQ(namespace_mask_of(principals[i].second, row.grants), row.expected[i])
          << row.name << " x " << principals[i].first;
    }
  }
}

TEST(Authorizer, NamespaceReasonsAndWhoMayUseTheManagementApi) {
  EXPECT_EQ(decide_namespace(kAlice, NamespaceAction::kManage, namespace_grants(false, false, true, {})).reason,
            "allowed: manage the namespace by team role admin");
  EXPECT_EQ(decide_namespace(kAlice, NamespaceAction::kManage, namespace_grants(false, false, false, {})).reason,
            "denied: no rule lets the principal manage the namespace");
  EXPECT_EQ(decide_namespace(principal_of(P::kTokAdmin), NamespaceAction::kManage,
                             namespace_grants(true, true, true, {}))
                .reason,
            "denied: token scopes do not let it manage the namespace");
  EXPECT_EQ(decide_namespace(kRobot, NamespaceAction::kManage, namespace_grants(false, false, false, {"registry-admin"}))
                .reason,
            "denied: robots may not use the management API");
  EXPECT_TRUE(may_use_management_api(kAlice).allowed);
  EXPECT_TRUE(may_use_management_api(principal_of(P::kTokNone)).allowed);
  EXPECT_FALSE(may_use_management_api(kRobot).allowed);
  EXPECT_FALSE(may_use_management_api(kAnonymous).allowed);
  EXPECT_EQ(action_name(NamespaceAction::kAdministerRegistry), "administer the registry");
}

TEST(Authorizer, EveryTokenScopeAndBindingRoleMeansSomething) {
  for (auto role : kBindingRoles) EXPECT_TRUE(role_of_binding(role)) << role;
  Grants everything = grants_of(G::kSuperuser, false);
  everything.direct_role = RepositoryRole::kAdmin;
  const auto namespace_admin = namespace_grants(true, true, true, {"registry-admin"});
  for (auto scope : kTokenScopes) {
    const Principal token{PrincipalKind::kToken, "alice", {std::string(scope)}};
    EXPECT_TRUE(decide_on(token, Action::kPull, everything).allowed ||
                decide_namespace(token, NamespaceAction::kManage, namespace_admin).allowed)
        << scope;
  }
}

TEST(Authorizer, RolesMapOntoActions) {
  // role_allows and role_of_binding are the vocabulary the matrix rests on.
  EXPECT_EQ(role_of_binding("system:image-builder"), RepositoryRole::kWrite);
  EXPECT_EQ(role_of_binding("registry-viewer"), RepositoryRole::kRead);
  EXPECT_EQ(role_of_binding("registry-admin"), RepositoryRole::kAdmin);
  EXPECT_EQ(role_of_binding("system:image-puller-x"), std::nullopt);
  EXPECT_TRUE(role_allows(RepositoryRole::kWrite, Action::kPush));
  EXPECT_FALSE(role_allows(RepositoryRole::kWrite, Action::kManage));
  EXPECT_FALSE(role_allows(RepositoryRole::kRead, Action::kPush));
  EXPECT_EQ(action_name(Action::kList), "list");
}

}  // namespace
}  // namespace pier::auth
