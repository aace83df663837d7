// Migrations against the real MariaDB: the schema of spec §8, idempotence, two processes at once,
// default roles.
#include <gtest/gtest.h>

#include <future>
#include <memory>

#include "absl/strings/str_cat.h"
#include "storage/identity_store.h"
#include "storage/migrator.h"
#include "tests/lib/test_database.h"
#include "tests/lib/test_env.h"

namespace oauthd::testing {
namespace {

using storage::Migrate;

int64_t TableCount(TestDatabase& db) {
  return db.QueryInt(absl::StrCat(
      "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '", db.name(), "'"));
}

TEST(Migration, CreatesTheTablesAndDefaultRoles) {
  TestDatabase db(/*migrate=*/false);
  auto report = Migrate(db.pool(), [](absl::string_view) {});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->applied.size(), 3u);
  // OAuthApps, OAuthAuthData, OAuthAccessData, Sessions, Users, Roles, Preferences +
  // oauthd_migrations, OAuthdPreviousSecrets, OAuthdClientActivity.
  EXPECT_EQ(TableCount(db), 10);
  storage::IdentityStore identity(&db.pool());
  auto admin = identity.GetRoleByName("system_admin");
  ASSERT_TRUE(admin.ok());
  for (const char* p :
       {"manage_system", "manage_oauth", "manage_system_wide_oauth", "edit_other_users"}) {
    EXPECT_NE((" " + admin->permissions + " ").find(absl::StrCat(" ", p, " ")), std::string::npos)
        << p;
  }
  auto user = identity.GetRoleByName("system_user");
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->permissions.find("oauth"), std::string::npos);
  EXPECT_EQ(user->permissions.find("manage_system"), std::string::npos);
}

TEST(Migration, SecondRunIsANoOp) {
  TestDatabase db;  // migrated once already
  db.Exec("INSERT INTO OAuthApps (Id, Name) VALUES ('keepme', 'x')");
  auto report = Migrate(db.pool(), [](absl::string_view) {});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->applied.empty());
  EXPECT_EQ(report->already_applied, 3);
  EXPECT_TRUE(report->roles_created.empty());
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM OAuthApps"), 1);
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM oauthd_migrations"), 3);
}

TEST(Migration, RestoresAMissingDefaultRoleOnRerun) {
  TestDatabase db;
  db.Exec("DELETE FROM Roles WHERE Name = 'system_user'");
  auto report = Migrate(db.pool(), [](absl::string_view) {});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->roles_created, std::vector<std::string>{"system_user"});
}

TEST(Migration, TwoProcessesAtOnceBothSucceed) {
  TestDatabase db(/*migrate=*/false);
  const std::string cmd = absl::StrCat(BinDir(), "/oauthd migrate --db=", db.url(), " 2>&1");
  auto a = std::async(std::launch::async, [&] {
    std::string out;
    int rc = RunCommand(cmd, &out);
    return std::make_pair(rc, out);
  });
  auto b = std::async(std::launch::async, [&] {
    std::string out;
    int rc = RunCommand(cmd, &out);
    return std::make_pair(rc, out);
  });
  auto ra = a.get();
  auto rb = b.get();
  EXPECT_EQ(ra.first, 0) << ra.second;
  EXPECT_EQ(rb.first, 0) << rb.second;
  // Exactly one of them applied the migration; the other found it done.
  const int applied = (ra.second.find("3 applied") != std::string::npos) +
                      (rb.second.find("3 applied") != std::string::npos);
  EXPECT_EQ(applied, 1) << ra.second << "\n---\n" << rb.second;
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM oauthd_migrations"), 3);
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM Roles"), 2);
}

// Mattermost (and people sharing its database) insert naming only the spec's columns; that must
// work.
TEST(Migration, InsertsNamingOnlyTheSpecColumnsSucceed) {
  TestDatabase db;
  db.Exec("SET SESSION sql_mode = 'STRICT_TRANS_TABLES'");
  db.Exec(
      "INSERT INTO OAuthApps (Id, CreatorId, CreateAt, UpdateAt, ClientSecret, Name, Description, "
      "CallbackUrls, "
      "Homepage, IsTrusted, IconURL, MattermostAppID, IsDynamicallyRegistered) VALUES ('a', 'u', "
      "1, 1, 's', 'n', "
      "'d', '[\"https://x/cb\"]', 'https://x', 0, '', '', 0)");
  db.Exec(
      "INSERT INTO OAuthAuthData (ClientId, UserId, Code, ExpiresIn, CreateAt, RedirectUri, State, "
      "Scope, "
      "CodeChallenge, CodeChallengeMethod, Resource) VALUES ('a', 'u', 'c', 600, 1, 'r', 's', "
      "'user', '', '', '')");
  db.Exec(
      "INSERT INTO OAuthAccessData (Token, RefreshToken, RedirectUri, ClientId, UserId, ExpiresAt, "
      "Scope, Audience) "
      "VALUES ('t', 'r', 'u', 'a', 'u', 1, 'user', '')");
  db.Exec(
      "INSERT INTO Sessions (Id, Token, CreateAt, ExpiresAt, LastActivityAt, UserId, DeviceId, "
      "Roles, IsOAuth, "
      "ExpiredNotify, Props) VALUES ('s', 't', 1, 0, 1, 'u', '', 'system_user', 0, 0, '{}')");
  db.Exec(
      "INSERT INTO Users (Id, DeleteAt, Username, Email, AuthService, Roles, MfaActive, Locale) "
      "VALUES ('u', 0, 'user1', 'u@x', '', 'system_user', 0, 'en')");
  db.Exec(
      "INSERT INTO Roles (Id, Name, DisplayName, Description, CreateAt, UpdateAt, DeleteAt, "
      "Permissions, "
      "SchemeManaged, BuiltIn) VALUES ('r', 'custom', 'c', 'd', 1, 1, 0, 'manage_oauth', 0, 0)");
  db.Exec(
      "INSERT INTO Preferences (UserId, Category, Name, Value) VALUES ('u', 'oauth_app', 'a', "
      "'user')");
  // And a minimal app row (only the key): every other column has a default.
  db.Exec("INSERT INTO OAuthApps (Id) VALUES ('b')");
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM OAuthApps"), 2);
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM OAuthApps WHERE Id = 'b' AND MattermostAppID = ''"),
            1);
}

// OAuth sessions that no access data names could outlive a deauthorization (written by an earlier
// release's racing refreshes, or by Mattermost's implicit grant): migration 0003 removes them and
// nothing else.
TEST(Migration, RemovesOAuthSessionsThatNoGrantNames) {
  TestDatabase db;
  auto session = [&](const char* id, const char* token, int is_oauth) {
    db.Exec(absl::StrCat("INSERT INTO Sessions (Id, Token, CreateAt, ExpiresAt, LastActivityAt, ",
                         "UserId, DeviceId, Roles, IsOAuth, ExpiredNotify, Props) VALUES ('", id,
                         "', '", token, "', 1, 0, 1, 'u', '', 'system_user', ", is_oauth,
                         ", 0, '{}')"));
  };
  session("orphan", "orphantoken", 1);
  session("granted", "grantedtoken", 1);
  session("login", "logintoken", 0);
  db.Exec(
      "INSERT INTO OAuthAccessData (Token, RefreshToken, RedirectUri, ClientId, UserId, ExpiresAt, "
      "Scope) VALUES ('grantedtoken', 'r', 'https://x/cb', 'c', 'u', 0, 'user')");
  db.Exec("DELETE FROM oauthd_migrations WHERE Version = 3");
  auto report = Migrate(db.pool(), [](absl::string_view) {});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->applied, std::vector<std::string>{"0003_remove_orphaned_oauth_sessions.sql"});
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM Sessions WHERE Id = 'orphan'"), 0);
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM Sessions WHERE Id IN ('granted', 'login')"), 2);
}

TEST(Migration, CliCreatesTheSchemaInAnEmptyDatabase) {
  TestDatabase db(/*migrate=*/false);
  std::string out;
  ASSERT_EQ(RunCommand(absl::StrCat(BinDir(), "/oauthd migrate --db=", db.url(), " 2>&1"), &out), 0)
      << out;
  EXPECT_NE(out.find("applying 0001_mattermost_tables.sql"), std::string::npos) << out;
  EXPECT_NE(out.find("applying 0002_oauthd_security.sql"), std::string::npos) << out;
  EXPECT_EQ(TableCount(db), 10);
}

}  // namespace
}  // namespace oauthd::testing
