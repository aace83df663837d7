// The upgrade from the previous release's layout (oauthd's columns in Mattermost's tables, secrets
// sealed in place, tables of its own shape): nothing is lost, the result has exactly Mattermost's
// shape, a missing key stops it with a clear message and a second run resumes, writes of old pods
// during the upgrade are kept or refused (never lost); and `oauthd serve` refuses a database it
// cannot use, naming what is missing.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/mattermost_id.h"
#include "storage/app_store.h"
#include "storage/grant_store.h"
#include "storage/migrator.h"
#include "storage/schema_check.h"
#include "storage/schema_shape.h"
#include "storage/secret_cipher.h"
#include "tests/lib/mattermost_rows.h"
#include "tests/lib/test_database.h"
#include "tests/lib/test_env.h"

namespace oauthd::testing {
namespace {

using storage::kAuthCodeColumn;
using storage::kClientSecretColumn;
using storage::kRefreshTokenColumn;
using storage::SecretCipher;

// A database as the previous release left it: its migrations 0001 and 0002, recorded as applied.
std::unique_ptr<TestDatabase> PreviousRelease() {
  auto db = std::make_unique<TestDatabase>(/*migrate=*/false, Origin::kEmpty);
  LoadSqlFile(db->pool(), "previous-release-schema.sql");
  db->Exec(
      "CREATE TABLE oauthd_migrations (Version int NOT NULL PRIMARY KEY, Name varchar(255) NOT "
      "NULL, AppliedAt bigint(20) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  db->Exec(
      "INSERT INTO oauthd_migrations VALUES (1, '0001_mattermost_tables.sql', 1), "
      "(2, '0002_oauthd_security.sql', 1)");
  return db;
}

// A code as the previous release wrote it: the challenge and resource in Mattermost's table.
std::string OldCode(const std::string& stored, const std::string& client, const std::string& user,
                    int64_t create_at, const std::string& challenge,
                    const std::string& resource = "") {
  return absl::StrCat(
      "INSERT INTO OAuthAuthData (ClientId, UserId, Code, ExpiresIn, CreateAt, RedirectUri, State, "
      "Scope, CodeChallenge, CodeChallengeMethod, Resource) VALUES ('",
      client, "', '", user, "', '", stored, "', 600, ", create_at,
      ", 'https://c.example.com/cb', 's', 'user', '", challenge, "', '",
      challenge.empty() ? "" : "S256", "', '", resource, "')");
}

std::unique_ptr<storage::ConnectionPool> Pool(const std::string& url) {
  storage::PoolOptions options;
  options.url = *storage::ParseDbUrl(url);
  options.max_connections = 2;
  return std::make_unique<storage::ConnectionPool>(options);
}

absl::Status Migrate(TestDatabase& db, const SecretCipher& cipher) {
  return storage::Migrate(db.pool(), cipher, [](absl::string_view) {}).status();
}

constexpr char kChallenge[] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

TEST(LayoutUpgrade, MovesEveryValueAndGivesMattermostsShape) {
  auto db = PreviousRelease();
  auto cipher = *SecretCipher::Create(storage::NewSecretKey(), {});
  const int64_t now = absl::ToUnixMillis(absl::Now());
  const std::string user = NewId(), dynamic_app = NewId(), clear_app = NewId();
  const std::string dynamic_secret = NewId(), clear_secret = NewId(), previous_secret = NewId();
  const std::string sealed_code = NewId() + NewId(), clear_code = NewId() + NewId(),
                    expired_code = NewId() + NewId();
  const std::string sealed_refresh = NewId(), clear_refresh = NewId(), other_user = NewId();
  // The previous release's admin CLI wrote users with 9 columns.
  db->Exec(absl::StrCat(
      "INSERT INTO Users (Id, CreateAt, UpdateAt, DeleteAt, Username, Email, Roles, MfaActive, "
      "Locale) VALUES ('",
      user, "', 5, 5, 0, 'old', 'old@example.com', 'system_user', 0, 'en')"));
  db->Exec(absl::StrCat(
      "INSERT INTO OAuthApps (Id, CreatorId, CreateAt, UpdateAt, ClientSecret, Name, Description, "
      "IconURL, CallbackUrls, Homepage, IsTrusted, MattermostAppID, IsDynamicallyRegistered) "
      "VALUES "
      "('",
      dynamic_app, "', '', 1, 1, '", cipher->Seal(kClientSecretColumn, dynamic_secret),
      "', 'Registered', '', '', '[\"https://c.example.com/cb\"]', '', 0, '', 1), ('", clear_app,
      "', '", user, "', 2, 2, '", clear_secret,
      "', 'Plain', '', '', '[\"https://c.example.com/cb\"]', 'https://c.example.com', 0, '', 0)"));
  db->Exec(OldCode(cipher->Seal(kAuthCodeColumn, sealed_code), dynamic_app, user, now, kChallenge,
                   "https://api.example.com"));
  db->Exec(OldCode(clear_code, clear_app, user, now, kChallenge));
  db->Exec(
      OldCode(cipher->Seal(kAuthCodeColumn, expired_code), clear_app, user, now - 3600000, ""));
  db->Exec(absl::StrCat(
      "INSERT INTO OAuthAccessData (Token, RefreshToken, RedirectUri, ClientId, UserId, ExpiresAt, "
      "Scope, Audience) VALUES ('",
      NewId(), "', '", cipher->Seal(kRefreshTokenColumn, sealed_refresh),
      "', 'https://c.example.com/cb', '", dynamic_app, "', '", user,
      "', 0, 'user', 'https://api.example.com'), ('", NewId(), "', '", clear_refresh,
      "', 'https://c.example.com/cb', '", clear_app, "', '", other_user, "', 0, 'user', '')"));
  db->Exec(absl::StrCat("INSERT INTO OAuthdPreviousSecrets VALUES ('", clear_app, "', '",
                        cipher->Seal(kClientSecretColumn, previous_secret), "', ", now + 60000,
                        ")"));

  // Without the key that sealed the codes and refresh tokens: a clear stop, naming the key.
  absl::Status st = Migrate(*db, SecretCipher::ClearText());
  ASSERT_TRUE(absl::IsFailedPrecondition(st)) << st;
  EXPECT_NE(st.message().find(cipher->key_id()), std::string::npos) << st;
  EXPECT_NE(st.message().find("--secret-encryption-key"), std::string::npos) << st;
  // With it, the same command resumes and finishes; a third run has nothing left to do.
  ASSERT_TRUE(Migrate(*db, *cipher).ok());
  ASSERT_TRUE(Migrate(*db, *cipher).ok());
  EXPECT_TRUE(storage::CheckSchema(db->pool()).ok()) << storage::CheckSchema(db->pool());

  // Mattermost's tables now have exactly Mattermost's shape, as a fresh database does.
  TestDatabase fresh(/*migrate=*/true, Origin::kEmpty);
  for (const std::string& table : MattermostTables()) {
    auto shape = [&](TestDatabase& d) {
      return *d.pool().Run([&](storage::DbConn& c) { return storage::DescribeTable(c, table); });
    };
    EXPECT_EQ(shape(*db), shape(fresh)) << table;
  }
  EXPECT_EQ(UnreadableByMattermost(db->pool()), std::vector<std::string>{});

  // Every value is where this release reads it.
  storage::AppStore apps(&db->pool(), cipher.get());
  auto dynamic = apps.Get(dynamic_app);
  ASSERT_TRUE(dynamic.ok()) << dynamic.status();
  EXPECT_TRUE(dynamic->is_dynamically_registered);
  EXPECT_EQ(dynamic->client_secret, dynamic_secret);
  auto plain = apps.Get(clear_app);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FALSE(plain->is_dynamically_registered);
  EXPECT_EQ(plain->client_secret, clear_secret);  // clear text stays as Mattermost reads it
  EXPECT_EQ(apps.GetPreviousSecret(clear_app)->client_secret, previous_secret);

  storage::GrantStore grants(&db->pool(), cipher.get());
  auto code = grants.ReadCodeExchange(dynamic_app, sealed_code);
  ASSERT_TRUE(code.ok()) << code.status();
  ASSERT_TRUE(code->code.has_value());
  EXPECT_EQ(code->code->code_challenge, kChallenge);
  EXPECT_EQ(code->code->code_challenge_method, "S256");
  EXPECT_EQ(code->code->resource, "https://api.example.com");
  EXPECT_EQ(grants.ReadCodeExchange(dynamic_app, clear_code)->code->code_challenge, kChallenge);
  EXPECT_FALSE(grants.ReadCodeExchange(dynamic_app, expired_code)->code.has_value());
  auto grant = grants.ReadRefreshExchange(dynamic_app, sealed_refresh);
  ASSERT_TRUE(grant.ok()) << grant.status();
  ASSERT_TRUE(grant->grant.has_value());
  EXPECT_EQ(grant->grant->audience, "https://api.example.com");
  EXPECT_EQ(grants.GetAccessDataByClientUser(dynamic_app, user)->refresh_token, sealed_refresh);
  EXPECT_TRUE(grants.ReadRefreshExchange(clear_app, clear_refresh)->grant.has_value());
  EXPECT_EQ(db->QueryInt("SELECT COUNT(*) FROM OAuthAccessData WHERE RefreshToken LIKE '0%'"), 1);
  // The user the old CLI wrote got Mattermost's defaults where it had nothing.
  EXPECT_EQ(db->QueryInt(absl::StrCat("SELECT COUNT(*) FROM Users WHERE Id = '", user,
                                      "' AND Props = '{}' AND LastPasswordUpdate = 5")),
            1);
}

// Pods of the previous release keep writing while the upgrade runs. Every code they wrote
// successfully keeps its PKCE challenge; the ones written after the old columns were set aside
// fail (and their client retries), they are never stored without it.
TEST(LayoutUpgrade, WritesOfOldPodsDuringTheUpgradeAreKeptOrRefused) {
  auto db = PreviousRelease();
  auto old_pod = Pool(db->url());
  std::atomic<bool> stop{false};
  std::vector<std::string> written;
  int refused = 0;
  std::thread writer([&] {
    const std::string client = NewId(), user = NewId();
    while (!stop) {
      const std::string code = NewId() + NewId();
      absl::Status st = old_pod->Run([&](storage::DbConn& c) -> absl::Status {
        c.Execute(OldCode(code, client, user, absl::ToUnixMillis(absl::Now()), kChallenge));
        return absl::OkStatus();
      });
      if (st.ok()) {
        written.push_back(code);
      } else {
        ++refused;
      }
    }
  });
  absl::SleepFor(absl::Milliseconds(100));
  absl::Status st = Migrate(*db, SecretCipher::ClearText());
  absl::SleepFor(absl::Milliseconds(100));
  stop = true;
  writer.join();
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_GT(written.size(), 0u);
  EXPECT_GT(refused, 0);
  storage::GrantStore grants(&db->pool());
  for (const std::string& code : written) {
    auto found = grants.ReadCodeExchange(NewId(), code);
    ASSERT_TRUE(found.ok()) << found.status();
    ASSERT_TRUE(found->code.has_value()) << code;
    EXPECT_EQ(found->code->code_challenge, kChallenge) << code;
  }
  EXPECT_EQ(db->QueryInt("SELECT COUNT(*) FROM OAuthAuthData"),
            static_cast<int64_t>(written.size()));
}

// `oauthd serve` on a database it cannot use exits at once (so a pod never becomes ready) and says
// what is missing and which command fixes it.
TEST(LayoutUpgrade, ServeRefusesADatabaseItCannotUseAndSaysWhy) {
  auto serve = [](const TestDatabase& db) {
    std::string out;
    const int rc = RunCommand(absl::StrCat("timeout 20 ", BinDir(), "/oauthd serve --db=", db.url(),
                                           " --grpc-listen=127.0.0.1:0 2>&1"),
                              &out);
    return std::make_pair(rc, out);
  };
  TestDatabase mattermost(/*migrate=*/false, Origin::kMattermost);
  auto [rc, out] = serve(mattermost);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("no oauthd schema"), std::string::npos) << out;
  EXPECT_NE(out.find("Run `oauthd migrate`"), std::string::npos) << out;

  auto previous = PreviousRelease();
  std::tie(rc, out) = serve(*previous);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find(absl::StrCat("at migration 2; this oauthd needs ",
                                  storage::LatestMigrationVersion())),
            std::string::npos)
      << out;

  TestDatabase damaged(/*migrate=*/true, Origin::kEmpty);
  damaged.Exec("ALTER TABLE OAuthdAuthData DROP COLUMN Resource");
  damaged.Exec("ALTER TABLE OAuthApps MODIFY Name int");
  std::tie(rc, out) = serve(damaged);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("column OAuthdAuthData.Resource is missing"), std::string::npos) << out;
  EXPECT_NE(out.find("column OAuthApps.Name is int(11), not text"), std::string::npos) << out;
}

}  // namespace
}  // namespace oauthd::testing
