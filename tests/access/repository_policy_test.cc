#include "access/repository_policy.h"

#include "access_fixture.h"

namespace pier::access {
namespace {

using auth::Action;
using meta::RepositoryRole;
using meta::Subject;
using meta::SubjectKind;

class RepositoryPolicyTest : public AccessFixture {
 protected:
  bool allowed(const auth::Principal& principal, Action action, const std::string& repository) {
    return policy_.decide(principal, action, repository).value().allowed;
  }
};

TEST(NamespaceOf, IsTheFirstComponent) {
  EXPECT_EQ(namespace_of("acme/app"), "acme");
  EXPECT_EQ(namespace_of("acme/group/app"), "acme");
  EXPECT_EQ(namespace_of("app"), "");
}

TEST_F(RepositoryPolicyTest, OwnerOfAUserNamespacePushesAndOthersDoNot) {
  add_user("alice");
  add_user("bob");
  EXPECT_TRUE(allowed(user("alice"), Action::kPush, "alice/app"));
  EXPECT_FALSE(allowed(user("bob"), Action::kPush, "alice/app"));
  EXPECT_FALSE(allowed(user("bob"), Action::kPull, "alice/app"));
  EXPECT_FALSE(allowed({}, Action::kPull, "alice/app"));
}

TEST_F(RepositoryPolicyTest, PublicRepositoriesArePulledByAnyone) {
  add_user("alice");
  create_repository("alice/app");
  ASSERT_TRUE(accounts_->set_repository_public("alice/app", true));
  EXPECT_TRUE(allowed({}, Action::kPull, "alice/app"));
  EXPECT_FALSE(allowed({}, Action::kPush, "alice/app"));
}

TEST_F(RepositoryPolicyTest, DeletedAccountsLoseAccessAtOnce) {
  add_user("alice");
  const auto bob = add_user("bob");
  create_repository("alice/app");
  ASSERT_TRUE(accounts_->grant_permission("alice/app", Subject{SubjectKind::kUser, bob.id}, RepositoryRole::kRead));
  EXPECT_TRUE(allowed(user("bob"), Action::kPull, "alice/app"));
  ASSERT_TRUE(accounts_->delete_user("bob"));
  EXPECT_FALSE(allowed(user("bob"), Action::kPull, "alice/app"));
  // A new account of the same name does not inherit the old one's grants.
  add_user("bob");
  EXPECT_FALSE(allowed(user("bob"), Action::kPull, "alice/app"));
}

TEST_F(RepositoryPolicyTest, CreatingInAnOrganizationAppliesDefaultsAndMakesTheCreatorAdmin) {
  const auto carol = add_user("carol");
  const auto dave = add_user("dave");
  ASSERT_TRUE(accounts_->create_organization("acme", 1));
  const auto builders = accounts_->create_team("acme", "builders", meta::TeamRole::kCreator).value();
  ASSERT_TRUE(accounts_->add_team_member("acme", "builders", "carol"));
  const auto ci_token = add_robot("acme", "ci");
  const auto ci = accounts_->find_robot("acme+ci").value();
  ASSERT_TRUE(accounts_->set_default_permission("acme", Subject{SubjectKind::kRobot, ci.id}, RepositoryRole::kWrite));
  ASSERT_TRUE(accounts_->set_default_permission("acme", Subject{SubjectKind::kUser, dave.id}, RepositoryRole::kRead));

  EXPECT_FALSE(allowed(user("dave"), Action::kPush, "acme/new"));  // dave may not create
  EXPECT_TRUE(allowed(user("carol"), Action::kPush, "acme/new"));  // a creator may
  create_repository("acme/new");
  EXPECT_TRUE(allowed(user("carol"), Action::kDelete, "acme/new"));  // and is its admin
  EXPECT_TRUE(allowed(robot("acme+ci"), Action::kPush, "acme/new"));
  EXPECT_TRUE(allowed(user("dave"), Action::kPull, "acme/new"));
  EXPECT_FALSE(allowed(user("dave"), Action::kPush, "acme/new"));
  (void)builders;
  (void)ci_token;
  (void)carol;
}

TEST_F(RepositoryPolicyTest, NamesWithoutNamespaceAreForSuperusersOnly) {
  add_user("root", true);
  add_user("alice");
  EXPECT_TRUE(allowed(user("root"), Action::kPush, "library"));
  EXPECT_FALSE(allowed(user("alice"), Action::kPush, "library"));
}

TEST_F(RepositoryPolicyTest, ListingDecisionsAgreeWithOneDecisionPerRepository) {
  add_user("root", true);
  add_user("alice");
  const auto bob = add_user("bob");
  const auto carol = add_user("carol");
  add_user("erin");
  ASSERT_TRUE(accounts_->create_organization("acme", 1));
  ASSERT_TRUE(accounts_->create_team("acme", "admins", meta::TeamRole::kAdmin));
  ASSERT_TRUE(accounts_->add_team_member("acme", "admins", "carol"));
  ASSERT_TRUE(accounts_->create_team("acme", "readers", meta::TeamRole::kMember));
  ASSERT_TRUE(accounts_->add_team_member("acme", "readers", "erin"));
  add_robot("acme", "ci");
  const auto ci = accounts_->find_robot("acme+ci").value();
  const std::vector<std::string> listed = {"acme/a", "acme/b", "acme/c", "alice/app", "alice/tools", "library"};
  for (const auto& name : listed) create_repository(name);
  ASSERT_TRUE(accounts_->grant_permission("acme/b", Subject{SubjectKind::kUser, bob.id}, RepositoryRole::kRead));
  ASSERT_TRUE(accounts_->grant_permission("acme/a", Subject{SubjectKind::kRobot, ci.id}, RepositoryRole::kWrite));
  const auto readers = accounts_->get_team("acme", "readers").value();
  ASSERT_TRUE(accounts_->grant_permission("acme/c", Subject{SubjectKind::kTeam, readers.id}, RepositoryRole::kRead));
  ASSERT_TRUE(accounts_->set_repository_public("alice/tools", true));
  (void)carol;

  const std::vector<auth::Principal> callers = {
      {}, user("root"), user("alice"), user("bob"), user("carol"), user("erin"), robot("acme+ci"),
      {auth::PrincipalKind::kToken, "alice", {"repo:read"}}, {auth::PrincipalKind::kToken, "root", {"repo:read"}}};
  for (const auto& caller : callers) {
    const auto each = policy_.allowed_each(caller, Action::kList, listed).value();
    ASSERT_EQ(each.size(), listed.size());
    for (std::size_t i = 0; i < listed.size(); ++i) {
      EXPECT_EQ(each[i], allowed(caller, Action::kList, listed[i])) << caller.name << " listing " << listed[i];
    }
  }
  // What that means for some of them.
  EXPECT_EQ(policy_.allowed_each(user("bob"), Action::kList, listed).value(),
            (std::vector<bool>{false, true, false, false, true, false}));
  EXPECT_EQ(policy_.allowed_each(user("carol"), Action::kList, listed).value(),
            (std::vector<bool>{true, true, true, false, true, false}));
  EXPECT_EQ(policy_.allowed_each(user("root"), Action::kList, listed).value(), std::vector<bool>(6, true));
}

}  // namespace
}  // namespace pier::access
