// AppStore against the real MariaDB.
#include "storage/app_store.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/mattermost_id.h"
#include "storage/grant_store.h"
#include "storage/identity_store.h"
#include "storage/preference_store.h"
#include "tests/lib/seed.h"
#include "tests/lib/test_database.h"

namespace oauthd::testing {
namespace {

using storage::OAuthAppRow;
using storage::Page;

OAuthAppRow MakeApp(const std::string& creator, int64_t create_at) {
  OAuthAppRow a;
  a.id = NewId();
  a.creator_id = creator;
  a.create_at = a.update_at = create_at;
  a.client_secret = NewId();
  a.name = "App " + a.id.substr(0, 4);
  a.description = "déscription ✓";
  a.icon_url = "https://example.com/icon.png";
  a.callback_urls = {"https://example.com/cb", "https://example.com/cb2?x=\"q\""};
  a.homepage = "https://example.com";
  return a;
}

class AppStoreTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    store_ = std::make_unique<storage::AppStore>(&db().pool());
  }
  storage::AppStore& store() { return *store_; }
  std::unique_ptr<storage::AppStore> store_;
};

TEST_F(AppStoreTest, SaveThenGetReturnsEveryField) {
  OAuthAppRow a = MakeApp(NewId(), 1700000000000);
  a.is_trusted = true;
  a.mattermost_app_id = "com.example.app";
  a.is_dynamically_registered = true;
  ASSERT_TRUE(store().Save(a).ok());
  auto got = store().Get(a.id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->id, a.id);
  EXPECT_EQ(got->creator_id, a.creator_id);
  EXPECT_EQ(got->create_at, a.create_at);
  EXPECT_EQ(got->update_at, a.update_at);
  EXPECT_EQ(got->client_secret, a.client_secret);
  EXPECT_EQ(got->name, a.name);
  EXPECT_EQ(got->description, a.description);
  EXPECT_EQ(got->icon_url, a.icon_url);
  EXPECT_EQ(got->callback_urls, a.callback_urls);
  EXPECT_EQ(got->homepage, a.homepage);
  EXPECT_TRUE(got->is_trusted);
  EXPECT_EQ(got->mattermost_app_id, "com.example.app");
  EXPECT_TRUE(got->is_dynamically_registered);
  // Stored as Mattermost does: a JSON array string.
  EXPECT_EQ(db().QueryInt(absl::StrCat(
                "SELECT COUNT(*) FROM OAuthApps WHERE CallbackUrls = "
                "'[\"https://example.com/cb\",\"https://example.com/cb2?x=\\\\\"q\\\\\"\"]'")),
            1);
}

TEST_F(AppStoreTest, DuplicateIdIsAlreadyExists) {
  OAuthAppRow a = MakeApp(NewId(), 1);
  ASSERT_TRUE(store().Save(a).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(store().Save(a)));
}

TEST_F(AppStoreTest, MissingAppIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(store().Get(NewId()).status()));
  OAuthAppRow a = MakeApp(NewId(), 1);
  EXPECT_TRUE(absl::IsNotFound(store().Update(a)));
  EXPECT_TRUE(absl::IsNotFound(store().Delete(a.id)));
}

TEST_F(AppStoreTest, NullMattermostAppIdReadsAsEmpty) {
  // Old Mattermost rows may hold NULL here (mattermost#20022); relax the column the way such a
  // database has it.
  db().Exec("ALTER TABLE OAuthApps MODIFY MattermostAppID varchar(32) NULL");
  db().Exec(
      "INSERT INTO OAuthApps (Id, Name, CallbackUrls, MattermostAppID) VALUES "
      "('aaaaaaaaaaaaaaaaaaaaaaaaaa', 'n', NULL, NULL)");
  auto got = store().Get("aaaaaaaaaaaaaaaaaaaaaaaaaa");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->mattermost_app_id, "");
  EXPECT_TRUE(got->callback_urls.empty());
  auto all = store().List(Page{0, 200});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(
      std::count_if(all->begin(), all->end(),
                    [](const OAuthAppRow& a) { return a.id == "aaaaaaaaaaaaaaaaaaaaaaaaaa"; }),
      1);
}

TEST_F(AppStoreTest, UpdateWritesMutableColumnsOnly) {
  OAuthAppRow a = MakeApp(NewId(), 100);
  ASSERT_TRUE(store().Save(a).ok());
  OAuthAppRow b = a;
  b.creator_id = "someoneelse";  // not a mutable column
  b.create_at = 5;               // nor this
  b.update_at = 200;
  b.name = "Renamed";
  b.callback_urls = {"https://new/cb"};
  b.is_trusted = true;
  b.client_secret = "newsecret";  // nor this: the secret changes only through UpdateSecret
  ASSERT_TRUE(store().Update(b).ok());
  auto got = store().Get(a.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->creator_id, a.creator_id);
  EXPECT_EQ(got->create_at, 100);
  EXPECT_EQ(got->update_at, 200);
  EXPECT_EQ(got->name, "Renamed");
  EXPECT_EQ(got->callback_urls, std::vector<std::string>{"https://new/cb"});
  EXPECT_TRUE(got->is_trusted);
  EXPECT_EQ(got->client_secret, a.client_secret);
  // Writing the same values again is not "not found".
  EXPECT_TRUE(store().Update(b).ok());
}

// Lists come in Id order (the primary key's, which Mattermost's own indexes serve), whatever the
// order of creation, so that paging is stable.
TEST_F(AppStoreTest, ListsAreOrderedByIdAndPaged) {
  const std::string alice = NewId(), bob = NewId();
  std::vector<std::string> want;  // the apps there were already (a Mattermost database's), and ours
  auto existing = store().List(Page{0, 200});
  ASSERT_TRUE(existing.ok());
  for (const OAuthAppRow& a : *existing) want.push_back(a.id);
  for (int i = 0; i < 7; ++i) {
    OAuthAppRow app = MakeApp(i % 2 ? alice : bob, 1000 + (6 - i) / 2);
    ASSERT_TRUE(store().Save(app).ok());
    want.push_back(app.id);
  }
  std::sort(want.begin(), want.end());
  std::vector<std::string> got;
  for (int page = 0;; ++page) {
    auto list = store().List(Page{page * 3, 3});
    ASSERT_TRUE(list.ok());
    if (list->empty()) break;
    EXPECT_EQ(list->size(), std::min<size_t>(3, want.size() - page * 3));
    for (auto& a : *list) got.push_back(a.id);
  }
  EXPECT_EQ(got, want);
  EXPECT_TRUE(store().List(Page{0, 0})->empty());

  auto mine = store().ListByCreator(alice, Page{0, 100});
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->size(), 3u);
  for (auto& a : *mine) EXPECT_EQ(a.creator_id, alice);
  EXPECT_TRUE(
      std::is_sorted(mine->begin(), mine->end(), [](auto& x, auto& y) { return x.id < y.id; }));
}

TEST_F(AppStoreTest, AuthorizedAppsComeFromOAuthAppPreferencesOnly) {
  const std::string user = NewId();
  OAuthAppRow a = MakeApp(NewId(), 1), b = MakeApp(NewId(), 2), c = MakeApp(NewId(), 3);
  for (auto* x : {&a, &b, &c}) ASSERT_TRUE(store().Save(*x).ok());
  storage::PreferenceStore prefs(&db().pool());
  ASSERT_TRUE(prefs.Save({user, "oauth_app", b.id, "user"}).ok());
  ASSERT_TRUE(prefs.Save({user, "oauth_app", a.id, "user"}).ok());
  // A preference of another category that happens to be named like an app id does not count.
  ASSERT_TRUE(prefs.Save({user, "display_settings", c.id, "x"}).ok());
  // Another user's authorization does not count either.
  ASSERT_TRUE(prefs.Save({NewId(), "oauth_app", c.id, "user"}).ok());
  auto list = store().ListAuthorizedByUser(user, Page{0, 60});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  const std::string first = std::min(a.id, b.id), second = std::max(a.id, b.id);
  EXPECT_EQ((*list)[0].id, first);
  EXPECT_EQ((*list)[1].id, second);
  EXPECT_EQ(store().ListAuthorizedByUser(user, Page{1, 1})->at(0).id, second);
}

TEST_F(AppStoreTest, DeleteRemovesSessionsAccessDataCodesAndPreferences) {
  OAuthAppRow app = MakeApp(NewId(), 1), other = MakeApp(NewId(), 2);
  ASSERT_TRUE(store().Save(app).ok());
  ASSERT_TRUE(store().Save(other).ok());
  storage::GrantStore grants(&db().pool());
  storage::PreferenceStore prefs(&db().pool());
  storage::IdentityStore identity(&db().pool());
  // Two users authorized `app`, one of them also `other`.
  const std::string u1 = NewId(), u2 = NewId();
  auto issue = [&](const std::string& user, const std::string& client) {
    auto [s, ad] = NewGrant(client, user);
    s.is_oauth = true;
    ad.refresh_token = NewId();
    ASSERT_TRUE(grants.IssueToken(s, ad, std::nullopt).ok());
    storage::AuthDataRow code;
    code.code = NewId() + NewId();
    code.client_id = client;
    code.user_id = user;
    ASSERT_TRUE(grants.SaveAuthData(code).ok());
    ASSERT_TRUE(prefs.Save({user, "oauth_app", client, "user"}).ok());
  };
  issue(u1, app.id);
  issue(u2, app.id);
  issue(u1, other.id);
  // An ordinary (non-OAuth) session of u1 must survive.
  storage::SessionRow plain;
  plain.id = NewId();
  plain.token = NewId();
  plain.user_id = u1;
  ASSERT_TRUE(identity.CreateSession(plain).ok());

  ASSERT_TRUE(store().Delete(app.id).ok());
  EXPECT_TRUE(absl::IsNotFound(store().Get(app.id).status()));
  EXPECT_EQ(db().QueryInt("SELECT COUNT(*) FROM OAuthAccessData WHERE ClientId = '" + app.id + "'"),
            0);
  EXPECT_EQ(db().QueryInt("SELECT COUNT(*) FROM OAuthAuthData WHERE ClientId = '" + app.id + "'"),
            0);
  EXPECT_EQ(db().QueryInt("SELECT COUNT(*) FROM Preferences WHERE Name = '" + app.id + "'"), 0);
  // Sessions: u1's token for `other` and the plain session remain; the two for `app` are gone.
  EXPECT_EQ(db().QueryInt(absl::StrCat("SELECT COUNT(*) FROM Sessions WHERE UserId IN ('", u1,
                                       "', '", u2, "')")),
            2);
  EXPECT_TRUE(identity.GetSessionByToken(plain.token).ok());
  EXPECT_EQ(
      db().QueryInt("SELECT COUNT(*) FROM OAuthAccessData WHERE ClientId = '" + other.id + "'"), 1);
  EXPECT_EQ(db().QueryInt("SELECT COUNT(*) FROM Preferences WHERE Name = '" + other.id + "'"), 1);
}

}  // namespace
}  // namespace oauthd::testing
