// Migrations against the real MariaDB: the tables they make, idempotence, two processes at once,
// default roles. (Mattermost's exact shape: mattermost_schema_test.cc; the upgrade from an earlier
// release's layout: layout_upgrade_test.cc.)
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "storage/identity_store.h"
#include "storage/migrator.h"
#include "storage/schema_check.h"
#include "tests/lib/test_database.h"
#include "tests/lib/test_env.h"

namespace oauthd::testing {
namespace {

using storage::Migrate;

int64_t TableCount(TestDatabase& db) {
  return db.QueryInt(absl::StrCat(
      "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '", db.name(), "'"));
}

constexpr int kMigrations = 7;
// Mattermost's Systems, Roles, Sessions, Users, Preferences, OAuthApps, OAuthAuthData and
// OAuthAccessData; oauthd's oauthd_migrations, OAuthdPreviousSecrets, OAuthdClientActivity,
// OAuthdApps, OAuthdAuthData, OAuthdAccessData, oauthd_locks and oauthd_replica_heartbeats.
constexpr int kTables = 16;

TEST(Migration, CreatesTheTablesAndDefaultRoles) {
  TestDatabase db(/*migrate=*/false, Origin::kEmpty);
  auto report = Migrate(db.pool(), [](absl::string_view) {});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->applied.size(), static_cast<size_t>(kMigrations));
  EXPECT_EQ(TableCount(db), kTables);
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
  TestDatabase db(/*migrate=*/true, Origin::kEmpty);  // migrated once already
  db.Exec("INSERT INTO OAuthApps (Id, Name) VALUES ('keepme', 'x')");
  auto report = Migrate(db.pool(), [](absl::string_view) {});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->applied.empty());
  EXPECT_EQ(report->already_applied, kMigrations);
  EXPECT_TRUE(report->roles_created.empty());
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM OAuthApps"), 1);
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM oauthd_migrations"), kMigrations);
}

TEST(Migration, RestoresAMissingDefaultRoleOnRerun) {
  TestDatabase db(/*migrate=*/true, Origin::kEmpty);
  db.Exec("DELETE FROM Roles WHERE Name = 'system_user'");
  auto report = Migrate(db.pool(), [](absl::string_view) {});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->roles_created, std::vector<std::string>{"system_user"});
}

TEST(Migration, TwoProcessesAtOnceBothSucceed) {
  TestDatabase db(/*migrate=*/false, Origin::kEmpty);
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
  const std::string all_applied = absl::StrCat(kMigrations, " applied");
  const int applied = (ra.second.find(all_applied) != std::string::npos) +
                      (rb.second.find(all_applied) != std::string::npos);
  EXPECT_EQ(applied, 1) << ra.second << "\n---\n" << rb.second;
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM oauthd_migrations"), kMigrations);
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM Roles"), 2);
}

// The migration lock is a lease in oauthd_locks (it holds across a cluster's nodes, where GET_LOCK
// does not). A run that died leaves its lease behind: the next run waits for it to lapse, then
// proceeds; a live holder's lease is respected until then.
TEST(Migration, ALeaseLeftByADeadRunLapsesAndTheNextRunProceeds) {
  TestDatabase db(/*migrate=*/true, Origin::kEmpty);
  db.Exec(
      "UPDATE oauthd_locks SET Holder = 'crashed-pod', ExpiresAt = "
      "ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) + 3000 WHERE Name = 'migrate'");
  const absl::Time start = absl::Now();
  std::vector<std::string> lines;
  auto report = Migrate(db.pool(), [&](absl::string_view l) { lines.emplace_back(l); });
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_GE(absl::Now() - start, absl::Seconds(2)) << "waited for the lease to lapse";
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  // Released at the end: the next run does not wait.
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM oauthd_locks WHERE Name = 'migrate' AND Holder = ''"),
            1);
  const absl::Time again = absl::Now();
  ASSERT_TRUE(Migrate(db.pool(), [](absl::string_view) {}).ok());
  EXPECT_LT(absl::Now() - again, absl::Seconds(2));
}

// OAuth sessions that no access data names could outlive a deauthorization (written by an earlier
// release's racing refreshes, or by Mattermost's implicit grant): migration 0003 removes them and
// nothing else.
TEST(Migration, RemovesOAuthSessionsThatNoGrantNames) {
  TestDatabase db(/*migrate=*/true, Origin::kEmpty);
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

// A dump taken without --routines restores the tables and oauthd_migrations but not the token
// exchange's procedure: serving refuses to start and says so, and migrating again defines it anew.
TEST(Migration, DefinesTheTokenProcedureAgainWhenADumpLeftItOut) {
  TestDatabase db(/*migrate=*/true, Origin::kEmpty);
  db.Exec("DROP PROCEDURE oauthd_issue_token");
  absl::Status st = storage::CheckSchema(db.pool());
  EXPECT_TRUE(absl::IsFailedPrecondition(st)) << st;
  EXPECT_NE(st.message().find("procedure oauthd_issue_token is missing"), std::string::npos) << st;
  std::vector<std::string> lines;
  auto report = Migrate(db.pool(), [&](absl::string_view l) { lines.emplace_back(l); });
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->applied.empty());
  EXPECT_EQ(report->restored, std::vector<std::string>{"oauthd_issue_token"});
  EXPECT_NE(std::find(lines.begin(), lines.end(),
                      "restoring procedure oauthd_issue_token (0006_token_procedure.sql)"),
            lines.end());
  EXPECT_TRUE(storage::CheckSchema(db.pool()).ok());
  EXPECT_TRUE(Migrate(db.pool(), [](absl::string_view) {})->restored.empty());
}

TEST(Migration, CliCreatesTheSchemaInAnEmptyDatabase) {
  TestDatabase db(/*migrate=*/false, Origin::kEmpty);
  std::string out;
  ASSERT_EQ(RunCommand(absl::StrCat(BinDir(), "/oauthd migrate --db=", db.url(), " 2>&1"), &out), 0)
      << out;
  for (const char* name :
       {"0001_mattermost_tables.sql", "0002_oauthd_security.sql",
        "0003_remove_orphaned_oauth_sessions.sql", "0004_oauthd_extension_tables.sql",
        "0005_move_extension_columns", "0006_token_procedure.sql", "0007_replica_heartbeats.sql"}) {
    EXPECT_NE(out.find(absl::StrCat("applying ", name)), std::string::npos) << out;
  }
  EXPECT_EQ(TableCount(db), kTables);
}

}  // namespace
}  // namespace oauthd::testing
