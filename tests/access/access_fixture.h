// tests/access/access_fixture.h: an account store and a metadata store on one SQLite file,
// with a settable clock, for the access layer's tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "access/repository_policy.h"
#include "auth/password_hash.h"
#include "auth/secrets.h"
#include "common/clock.h"
#include "common/digest.h"
#include "meta/sqlite/sqlite_account_store.h"
#include "meta/sqlite/sqlite_store.h"
#include "test_dirs.h"

namespace pier::access {

class SettableClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return time; }
  std::chrono::system_clock::time_point time{std::chrono::seconds(1'700'000'000)};
};

class AccessFixture : public ::testing::Test {
 protected:
  AccessFixture()
      : metadata_(meta::open_sqlite_store(dir_.path() / "pier.db")),
        accounts_(meta::open_sqlite_account_store(dir_.path() / "pier.db")),
        policy_(*accounts_, *metadata_) {}

  meta::User add_user(const std::string& name, bool superuser = false) {
    return accounts_->create_user(meta::NewUser{name, "", auth::hash_password("pw-" + name).value(), superuser,
                                                meta::UserSource::kLocal},
                                  1)
        .value();
  }
  // A robot of `namespace_name`; returns its token.
  std::string add_robot(const std::string& namespace_name, const std::string& name) {
    const auto token = auth::random_token().value();
    accounts_->create_robot(namespace_name, name, "", auth::sha256_hex(token), 1).value();
    return token;
  }
  void create_repository(const std::string& name) {
    ASSERT_TRUE(metadata_->link_blob(name, digest_of("layer of " + name), 8, 1));
  }
  static auth::Principal user(const std::string& name) { return {auth::PrincipalKind::kUser, name, {}}; }
  static auth::Principal robot(const std::string& name) { return {auth::PrincipalKind::kRobot, name, {}}; }

  pier::testing::TempDir dir_;
  SettableClock clock_;
  std::unique_ptr<meta::MetadataStore> metadata_;
  std::unique_ptr<meta::AccountStore> accounts_;
  RepositoryPolicy policy_;
};

}  // namespace pier::access
