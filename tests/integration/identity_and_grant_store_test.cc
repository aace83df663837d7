// IdentityStore, PreferenceStore and GrantStore against the real MariaDB.
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/mattermost_id.h"
#include "storage/db_url.h"
#include "storage/grant_store.h"
#include "storage/identity_store.h"
#include "storage/preference_store.h"
#include "tests/lib/seed.h"
#include "tests/lib/test_database.h"

namespace oauthd::testing {
namespace {

using storage::AccessDataRow;
using storage::SessionRow;

class StoresTest : public DbTest {
 protected:
  // Rows of `table` (Sessions, OAuthAccessData, OAuthAuthData, Preferences) that belong to these
  // users: what a test wrote, whatever the database held before (on Mattermost's, its own rows).
  int64_t UserRows(const std::string& table, const std::vector<std::string>& users) {
    return db().QueryInt(absl::StrCat("SELECT COUNT(*) FROM ", table, " WHERE UserId IN ('",
                                      absl::StrJoin(users, "', '"), "')"));
  }
};

TEST_F(StoresTest, UsersRoundTripAndUniqueness) {
  storage::IdentityStore s(&db().pool());
  storage::UserRow u;
  u.id = NewId();
  u.username = "alicia";
  u.email = "alicia@example.com";
  u.roles = "system_user system_admin";
  u.delete_at = 42;
  ASSERT_TRUE(s.CreateUser(u).ok());
  auto got = s.GetUser(u.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->username, "alicia");
  EXPECT_EQ(got->roles, "system_user system_admin");
  EXPECT_EQ(got->delete_at, 42);
  storage::UserRow dup = u;
  dup.id = NewId();
  EXPECT_TRUE(absl::IsAlreadyExists(s.CreateUser(dup)));
  EXPECT_TRUE(absl::IsNotFound(s.GetUser(NewId()).status()));
}

TEST_F(StoresTest, SessionsAreFoundByExactTokenOnly) {
  storage::IdentityStore s(&db().pool());
  SessionRow row;
  row.id = NewId();
  row.token = NewId();
  row.user_id = NewId();
  row.roles = "system_user";
  row.expires_at = 123;
  row.is_oauth = true;
  row.props_json = R"({"csrf":"abc"})";
  ASSERT_TRUE(s.CreateSession(row).ok());
  auto got = s.GetSessionByToken(row.token);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->id, row.id);
  EXPECT_EQ(got->expires_at, 123);
  EXPECT_TRUE(got->is_oauth);
  EXPECT_NE(got->props_json.find("abc"), std::string::npos);
  // Looking up by the session id, or by the token in another case, finds nothing.
  EXPECT_TRUE(absl::IsNotFound(s.GetSessionByToken(row.id).status()));
  std::string upper = row.token;
  for (auto& c : upper) c = static_cast<char>(toupper(c));
  EXPECT_TRUE(absl::IsNotFound(s.GetSessionByToken(upper).status()));
  ASSERT_TRUE(s.DeleteSessionByToken(row.token).ok());
  EXPECT_TRUE(absl::IsNotFound(s.GetSessionByToken(row.token).status()));
}

TEST_F(StoresTest, SessionAndItsUserComeInOneLookup) {
  storage::IdentityStore s(&db().pool());
  storage::UserRow u;
  u.id = NewId();
  u.username = "joined";
  u.email = "joined@example.com";
  u.roles = "system_user";
  u.locale = "de";
  ASSERT_TRUE(s.CreateUser(u).ok());
  SessionRow with_user;
  with_user.id = NewId();
  with_user.token = NewId();
  with_user.user_id = u.id;
  with_user.roles = "system_user";
  ASSERT_TRUE(s.CreateSession(with_user).ok());
  SessionRow orphan = with_user;
  orphan.id = NewId();
  orphan.token = NewId();
  orphan.user_id = NewId();  // no such user
  ASSERT_TRUE(s.CreateSession(orphan).ok());

  auto both = s.GetSessionAndUserByToken(with_user.token);
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ(both->session.id, with_user.id);
  EXPECT_EQ(both->session.roles, "system_user");
  ASSERT_TRUE(both->user.has_value());
  EXPECT_EQ(both->user->id, u.id);
  EXPECT_EQ(both->user->username, "joined");
  EXPECT_EQ(both->user->locale, "de");

  auto alone = s.GetSessionAndUserByToken(orphan.token);
  ASSERT_TRUE(alone.ok()) << alone.status();
  EXPECT_EQ(alone->session.id, orphan.id);
  EXPECT_FALSE(alone->user.has_value());
  EXPECT_TRUE(absl::IsNotFound(s.GetSessionAndUserByToken(NewId()).status()));
}

TEST_F(StoresTest, RolePermissionsEditAndList) {
  storage::IdentityStore s(&db().pool());
  auto out = s.EditRolePermissions("system_user",
                                   [](const std::string& p) { return p + " manage_oauth"; });
  ASSERT_TRUE(out.ok());
  EXPECT_NE(s.GetRoleByName("system_user")->permissions.find("manage_oauth"), std::string::npos);
  EXPECT_TRUE(absl::IsNotFound(
      s.EditRolePermissions("nope", [](const std::string& p) { return p; }).status()));
  auto roles = s.ListRoles();
  ASSERT_TRUE(roles.ok());
  EXPECT_EQ(roles->size(), 2u);
}

TEST_F(StoresTest, PreferencesUpsertGetDelete) {
  storage::PreferenceStore s(&db().pool());
  const std::string u = NewId();
  ASSERT_TRUE(s.Save({u, "oauth_app", "app1", "user"}).ok());
  ASSERT_TRUE(s.Save({u, "oauth_app", "app1", "user2"}).ok());
  EXPECT_EQ(s.Get(u, "oauth_app", "app1")->value, "user2");
  EXPECT_EQ(UserRows("Preferences", {u}), 1);
  ASSERT_TRUE(s.Delete(u, "oauth_app", "app1").ok());
  EXPECT_TRUE(absl::IsNotFound(s.Get(u, "oauth_app", "app1").status()));
}

TEST_F(StoresTest, AuthCodesAreSingleUse) {
  storage::GrantStore s(&db().pool());
  storage::AuthDataRow code;
  code.code = NewId() + NewId();
  code.client_id = NewId();
  code.user_id = NewId();
  code.expires_in = 600;
  code.create_at = 99;
  code.redirect_uri = "https://x/cb";
  code.state = "st";
  code.scope = "user";
  code.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  code.code_challenge_method = "S256";
  code.resource = "https://api.example.com";
  ASSERT_TRUE(s.SaveAuthData(code).ok());
  auto got = s.ReadCodeExchange(code.client_id, code.code);
  ASSERT_TRUE(got.ok() && got->code.has_value());
  EXPECT_EQ(got->code->code_challenge, code.code_challenge);
  EXPECT_EQ(got->code->resource, code.resource);
  EXPECT_EQ(got->code->expires_in, 600);
  EXPECT_TRUE(*s.DeleteAuthData(code.code));
  EXPECT_FALSE(*s.DeleteAuthData(code.code));
  EXPECT_FALSE(s.ReadCodeExchange(code.client_id, code.code)->code.has_value());
}

// What the code exchange reads in one query: the code, its user, and the (client, user)'s grant
// with whether its session lives. Each part can be absent on its own.
TEST_F(StoresTest, CodeExchangeReadsTheCodeItsUserAndTheCurrentGrant) {
  storage::GrantStore s(&db().pool());
  storage::IdentityStore identity(&db().pool());
  storage::UserRow u;
  u.id = NewId();
  u.username = "redeemer";
  u.email = "redeemer@example.com";
  u.roles = "system_user";
  u.create_at = 5;
  ASSERT_TRUE(identity.CreateUser(u).ok());
  const std::string client = NewId();
  auto save_code = [&](const std::string& user_id) {
    storage::AuthDataRow code;
    code.code = NewId() + NewId();
    code.client_id = client;
    code.user_id = user_id;
    code.expires_in = 600;
    code.redirect_uri = "https://x/cb";
    code.scope = "user";
    code.resource = "https://api.example.com";
    EXPECT_TRUE(s.SaveAuthData(code).ok());
    return code.code;
  };

  const std::string first = save_code(u.id);
  auto got = s.ReadCodeExchange(client, first);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->code.has_value());
  EXPECT_FALSE(got->app.has_value());  // no app of that id: the code is read all the same
  EXPECT_EQ(got->code->client_id, client);
  EXPECT_EQ(got->code->redirect_uri, "https://x/cb");
  EXPECT_EQ(got->code->resource, "https://api.example.com");
  ASSERT_TRUE(got->user.has_value());
  EXPECT_EQ(got->user->username, "redeemer");
  EXPECT_EQ(got->user->roles, "system_user");
  EXPECT_FALSE(got->grant.has_value());
  EXPECT_FALSE(got->session_exists);

  auto [session, ad] = NewGrant(client, u.id);
  session.is_oauth = true;
  ad.refresh_token = NewId();
  ad.expires_at = 12345;
  ASSERT_TRUE(s.IssueToken(session, ad, std::nullopt).ok());
  got = s.ReadCodeExchange(client, first);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->grant.has_value());
  EXPECT_EQ(got->grant->token, ad.token);
  EXPECT_EQ(got->grant->refresh_token, ad.refresh_token);
  EXPECT_EQ(got->grant->expires_at, 12345);
  EXPECT_TRUE(got->session_exists);

  db().Exec("DELETE FROM Sessions WHERE Token = '" + session.token + "'");
  got = s.ReadCodeExchange(client, first);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->grant.has_value());
  EXPECT_FALSE(got->session_exists);

  auto orphan = s.ReadCodeExchange(client, save_code(NewId()));  // a user that does not exist
  ASSERT_TRUE(orphan.ok());
  EXPECT_FALSE(orphan->user.has_value());
  EXPECT_FALSE(orphan->grant.has_value());
  EXPECT_FALSE(s.ReadCodeExchange(client, NewId() + NewId())->code.has_value());
  // A code differing only in case collates equal but is not the code.
  EXPECT_FALSE(s.ReadCodeExchange(client, absl::AsciiStrToUpper(first))->code.has_value());
}

TEST_F(StoresTest, IssueTokenKeepsOneRowPerClientAndUserAndReplacesTheOldSession) {
  storage::GrantStore s(&db().pool());
  storage::IdentityStore identity(&db().pool());
  const std::string client = NewId(), user = NewId();
  auto issue = [&](const std::optional<std::string>& replaced) {
    auto [session, ad] = NewGrant(client, user);
    session.is_oauth = true;
    ad.refresh_token = NewId();
    ad.expires_at = 1000;
    EXPECT_TRUE(s.IssueToken(session, ad, replaced).ok());
    return ad;
  };
  AccessDataRow first = issue(std::nullopt);
  AccessDataRow second = issue(first.token);
  EXPECT_EQ(UserRows("OAuthAccessData", {user}), 1);
  EXPECT_EQ(UserRows("Sessions", {user}), 1);
  EXPECT_TRUE(absl::IsNotFound(identity.GetSessionByToken(first.token).status()));
  EXPECT_TRUE(identity.GetSessionByToken(second.token).ok());
  EXPECT_EQ(s.GetAccessDataByClientUser(client, user)->token, second.token);
  EXPECT_EQ(s.ReadRefreshExchange(client, second.refresh_token)->grant->token, second.token);
  EXPECT_FALSE(s.ReadRefreshExchange(client, first.refresh_token)->grant.has_value());
}

// Issuing is a compare-and-swap on the (client, user) row: a caller that read a grant someone else
// has replaced since, or that expected no grant where one now exists, gets ABORTED and writes
// nothing (no session that no access data names).
TEST_F(StoresTest, IssueTokenRefusesAGrantThatChangedSinceItWasRead) {
  storage::GrantStore s(&db().pool());
  const std::string client = NewId(), user = NewId();
  auto [first_session, first] = NewGrant(client, user);
  ASSERT_TRUE(s.IssueToken(first_session, first, std::nullopt).ok());
  auto [second_session, second] = NewGrant(client, user);
  ASSERT_TRUE(s.IssueToken(second_session, second, first.token).ok());

  auto [stale_session, stale] = NewGrant(client, user);
  EXPECT_TRUE(absl::IsAborted(s.IssueToken(stale_session, stale, first.token)));
  auto [late_session, late] = NewGrant(client, user);
  EXPECT_TRUE(absl::IsAborted(s.IssueToken(late_session, late, std::nullopt)));
  // A token that differs only in case is not the token the row holds.
  auto [cased_session, cased] = NewGrant(client, user);
  EXPECT_TRUE(
      absl::IsAborted(s.IssueToken(cased_session, cased, absl::AsciiStrToUpper(second.token))));

  EXPECT_EQ(UserRows("Sessions", {user}), 1);
  EXPECT_EQ(s.GetAccessDataByClientUser(client, user)->token, second.token);
}

// A pool of one connection, so that every Run below uses the same one.
std::unique_ptr<storage::ConnectionPool> OneConnection(const std::string& url) {
  storage::PoolOptions options;
  options.url = *storage::ParseDbUrl(url);
  options.max_connections = 1;
  return std::make_unique<storage::ConnectionPool>(options);
}

// The exchange's write: the code goes, the token's session and grant come, the replaced session
// goes; a second redemption of the same code writes nothing at all.
TEST_F(StoresTest, RedeemCodeWritesOnceAndASecondRedemptionWritesNothing) {
  auto pool = OneConnection(db().url());
  storage::GrantStore s(pool.get());
  storage::IdentityStore identity(pool.get());
  const std::string client = NewId(), user = NewId();
  const auto [old_session, old_grant] = NewGrant(client, user);
  ASSERT_TRUE(s.IssueToken(old_session, old_grant, std::nullopt).ok());
  storage::AuthDataRow code;
  code.code = NewId() + NewId();
  code.client_id = client;
  code.user_id = user;
  ASSERT_TRUE(s.SaveAuthData(code).ok());

  auto [session, grant] = NewGrant(client, user);
  session.is_oauth = true;
  session.expires_at = 77;
  grant.refresh_token = NewId();
  grant.scope = "user";
  ASSERT_TRUE(s.RedeemCode(code.code, session, grant, old_session.token).ok());
  EXPECT_EQ(UserRows("OAuthAuthData", {user}), 0);
  EXPECT_TRUE(absl::IsNotFound(identity.GetSessionByToken(old_session.token).status()));
  auto stored = identity.GetSessionByToken(session.token);
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->is_oauth);
  EXPECT_EQ(stored->expires_at, 77);
  EXPECT_EQ(s.GetAccessDataByClientUser(client, user)->refresh_token, grant.refresh_token);

  SessionRow again = session;
  again.id = NewId();
  again.token = NewId();
  AccessDataRow again_grant = grant;
  again_grant.token = again.token;
  EXPECT_TRUE(absl::IsNotFound(s.RedeemCode(code.code, again, again_grant, session.token)));
  EXPECT_EQ(UserRows("Sessions", {user}), 1);
  EXPECT_TRUE(identity.GetSessionByToken(session.token).ok());
  EXPECT_EQ(s.GetAccessDataByClientUser(client, user)->token, session.token);
  // Rolled back, not left open on the connection.
  auto open = pool->Run([](storage::DbConn& c) -> absl::StatusOr<int64_t> {
    std::unique_ptr<sql::ResultSet> rs(c.Prepare("SELECT @@in_transaction").executeQuery());
    rs->next();
    return rs->getInt64(1);
  });
  EXPECT_EQ(*open, 0);
}

// A write whose answer was lost with its connection may be sent again (the pool resends once on a
// fresh connection). The same write then answers OK and writes nothing more, whether it redeemed a
// code, replaced a grant or created one; a different write is still refused.
TEST_F(StoresTest, IssuingTheSameTokenAgainAnswersOkAndWritesNothingMore) {
  storage::GrantStore s(&db().pool());
  const std::string client = NewId(), user = NewId();
  const auto [first_session, first] = NewGrant(client, user);
  ASSERT_TRUE(s.IssueToken(first_session, first, std::nullopt).ok());
  EXPECT_TRUE(s.IssueToken(first_session, first, std::nullopt).ok());
  const auto [other_session, other] = NewGrant(client, user);
  EXPECT_TRUE(absl::IsAborted(s.IssueToken(other_session, other, std::nullopt)));

  const auto [second_session, second] = NewGrant(client, user);
  ASSERT_TRUE(s.IssueToken(second_session, second, first.token).ok());
  EXPECT_TRUE(s.IssueToken(second_session, second, first.token).ok());
  EXPECT_TRUE(absl::IsAborted(s.IssueToken(other_session, other, first.token)));

  storage::AuthDataRow code;
  code.code = NewId() + NewId();
  code.client_id = client;
  code.user_id = user;
  ASSERT_TRUE(s.SaveAuthData(code).ok());
  const auto [third_session, third] = NewGrant(client, user);
  ASSERT_TRUE(s.RedeemCode(code.code, third_session, third, second.token).ok());
  EXPECT_TRUE(s.RedeemCode(code.code, third_session, third, second.token).ok());
  EXPECT_TRUE(absl::IsNotFound(s.RedeemCode(code.code, other_session, other, second.token)));

  EXPECT_EQ(UserRows("Sessions", {user}), 1);
  EXPECT_EQ(UserRows("OAuthAccessData", {user}), 1);
  EXPECT_EQ(s.GetAccessDataByClientUser(client, user)->token, third.token);
}

TEST_F(StoresTest, DeauthorizeRevokesOnlyThatUsersGrantForThatClient) {
  storage::GrantStore s(&db().pool());
  storage::PreferenceStore prefs(&db().pool());
  const std::string client = NewId(), other_client = NewId(), user = NewId(), other_user = NewId();
  for (const auto& [c, u] : std::vector<std::pair<std::string, std::string>>{
           {client, user}, {other_client, user}, {client, other_user}}) {
    const auto [session, ad] = NewGrant(c, u);
    ASSERT_TRUE(s.IssueToken(session, ad, std::nullopt).ok());
    storage::AuthDataRow code;
    code.code = NewId();
    code.client_id = c;
    code.user_id = u;
    ASSERT_TRUE(s.SaveAuthData(code).ok());
    ASSERT_TRUE(prefs.Save({u, "oauth_app", c, "user"}).ok());
  }
  ASSERT_TRUE(s.Deauthorize(user, client).ok());
  EXPECT_EQ(UserRows("Sessions", {user, other_user}), 2);
  EXPECT_EQ(UserRows("OAuthAccessData", {user, other_user}), 2);
  EXPECT_EQ(UserRows("OAuthAuthData", {user, other_user}), 2);
  EXPECT_EQ(UserRows("Preferences", {user, other_user}), 2);
  EXPECT_TRUE(absl::IsNotFound(s.GetAccessDataByClientUser(client, user).status()));
  EXPECT_TRUE(s.GetAccessDataByClientUser(client, other_user).ok());
  EXPECT_TRUE(s.GetAccessDataByClientUser(other_client, user).ok());
}

}  // namespace
}  // namespace oauthd::testing

#include <thread>

namespace oauthd::testing {
namespace {

// Many first-time grants at once (distinct users of the same clients) all succeed: no deadlock
// surfaces.
TEST_F(StoresTest, ConcurrentTokenIssuanceDoesNotFail) {
  storage::GrantStore s(&db().pool());
  const std::string clients[2] = {NewId(), NewId()};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const auto [session, ad] = NewGrant(clients[(t + i) % 2], NewId());
        if (!s.IssueToken(session, ad, std::nullopt).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(db().QueryInt(absl::StrCat("SELECT COUNT(*) FROM OAuthAccessData WHERE ClientId IN ('",
                                       clients[0], "', '", clients[1], "')")),
            200);
}

}  // namespace
}  // namespace oauthd::testing
