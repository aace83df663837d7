// The app-management API over gRPC against the real oauthd and MariaDB: every endpoint's success
// case and the error cases of spec §2, in Mattermost's order of checks.
#include <gtest/gtest.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/mattermost_id.h"
#include "tests/lib/server_fixture.h"

namespace oauthd::testing {
namespace {

using oauthd::v1::CreateOAuthAppRequest;
using oauthd::v1::GetAuthorizedOAuthAppsRequest;
using oauthd::v1::GetOAuthAppsRequest;
using oauthd::v1::OAuthApp;
using oauthd::v1::OAuthAppIdRequest;
using oauthd::v1::OAuthAppList;
using oauthd::v1::OAuthApps;
using oauthd::v1::StatusOK;
using oauthd::v1::UpdateOAuthAppRequest;

OAuthAppIdRequest Id(const std::string& id) {
  OAuthAppIdRequest r;
  r.set_app_id(id);
  return r;
}

class AppsTest : public ServerTest {
 protected:
  // Apps in the database: none on an empty one, Mattermost's on a Mattermost one.
  int64_t AppCount() { return db().QueryInt("SELECT COUNT(*) FROM OAuthApps"); }
  CallResult Create(const CreateOAuthAppRequest& req, const Metadata& md, OAuthApp* out = nullptr) {
    OAuthApp tmp;
    return Call(apps_.get(), &OAuthApps::Stub::CreateOAuthApp, req, out ? out : &tmp, md);
  }
  CallResult Get(const std::string& id, const SeededUser& who, OAuthApp* out = nullptr) {
    OAuthApp tmp;
    return Call(apps_.get(), &OAuthApps::Stub::GetOAuthApp, Id(id), out ? out : &tmp,
                Metadata().Bearer(who.token));
  }
  CallResult List(const SeededUser& who, OAuthAppList* out, const std::string& page = "",
                  const std::string& per_page = "") {
    GetOAuthAppsRequest req;
    req.set_page(page);
    req.set_per_page(per_page);
    return Call(apps_.get(), &OAuthApps::Stub::GetOAuthApps, req, out,
                Metadata().Bearer(who.token));
  }
  CallResult Update(const std::string& id, const std::string& json, const SeededUser& who,
                    OAuthApp* out = nullptr) {
    UpdateOAuthAppRequest req;
    req.set_app_id(id);
    *req.mutable_body() = JsonBody(json);
    OAuthApp tmp;
    return Call(apps_.get(), &OAuthApps::Stub::UpdateOAuthApp, req, out ? out : &tmp,
                Metadata().Bearer(who.token));
  }
  CallResult Delete(const std::string& id, const SeededUser& who) {
    StatusOK ok;
    auto r = Call(apps_.get(), &OAuthApps::Stub::DeleteOAuthApp, Id(id), &ok,
                  Metadata().Bearer(who.token));
    if (r.ok()) {
      EXPECT_EQ(ok.status(), "OK");
    }
    return r;
  }
  CallResult Regen(const std::string& id, const SeededUser& who, OAuthApp* out = nullptr) {
    OAuthApp tmp;
    return Call(apps_.get(), &OAuthApps::Stub::RegenerateOAuthAppSecret, Id(id), out ? out : &tmp,
                Metadata().Bearer(who.token));
  }
  CallResult Info(const std::string& id, const Metadata& md, OAuthApp* out = nullptr) {
    OAuthApp tmp;
    return Call(apps_.get(), &OAuthApps::Stub::GetOAuthAppInfo, Id(id), out ? out : &tmp, md);
  }
  CallResult Authorized(const std::string& user_id, const SeededUser& who, OAuthAppList* out) {
    GetAuthorizedOAuthAppsRequest req;
    req.set_user_id(user_id);
    return Call(apps_.get(), &OAuthApps::Stub::GetAuthorizedOAuthAppsForUser, req, out,
                Metadata().Bearer(who.token));
  }
  static std::string AppJson(const OAuthApp& a, const std::string& extra = "") {
    return absl::StrCat(
        R"({"id":")", a.id(), R"(","name":")", a.name(),
        R"(","callback_urls":["https://app.example.com/cb2"],"homepage":"https://new.example.com")",
        extra, "}");
  }
};

// ---- create
// -------------------------------------------------------------------------------------------------

TEST_F(AppsTest, Create_AdminGets201WithEverything) {
  auto req = ValidCreate();
  req.set_is_trusted(true);
  OAuthApp app;
  auto r = Create(req, Metadata().Bearer(admin_.token), &app);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(r.http_status(), 201);
  EXPECT_TRUE(IsValidId(app.id()));
  EXPECT_EQ(app.creator_id(), admin_.id);
  EXPECT_EQ(app.client_secret().size(), 26u);
  EXPECT_GT(app.create_at(), 1600000000000);  // milliseconds
  EXPECT_EQ(app.create_at(), app.update_at());
  EXPECT_TRUE(app.is_trusted());
  EXPECT_FALSE(app.has_is_dynamically_registered());
  EXPECT_EQ(app.callback_urls_size(), 1);
  EXPECT_EQ(app.mattermost_app_id(), "");
  EXPECT_FALSE(r.Header("x-request-id").empty());
}

TEST_F(AppsTest, Create_PublicClientHasNoSecret) {
  auto req = ValidCreate();
  req.set_is_public(true);
  OAuthApp app;
  ASSERT_TRUE(Create(req, Metadata().Bearer(admin_.token), &app).ok());
  EXPECT_EQ(app.client_secret(), "");
}

TEST_F(AppsTest, Create_NonAdminCannotSetTrusted) {
  auto req = ValidCreate();
  req.set_is_trusted(true);
  OAuthApp app;
  auto r = Create(req, Metadata().Bearer(manager_.token), &app);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(r.http_status(), 201);
  EXPECT_FALSE(app.is_trusted());
  EXPECT_EQ(app.creator_id(), manager_.id);
}

TEST_F(AppsTest, Create_NoSessionIs401) {
  EXPECT_APP_ERROR(Create(ValidCreate(), Metadata()), 401, "api.context.session_expired.app_error");
  EXPECT_APP_ERROR(Create(ValidCreate(), Metadata().Bearer(NewId())), 401,
                   "api.context.session_expired.app_error");
}

TEST_F(AppsTest, Create_WithoutManageOAuthIs403) {
  auto r = Create(ValidCreate(), Metadata().Bearer(user_.token));
  EXPECT_APP_ERROR(r, 403, "api.context.permissions.app_error");
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(r.app_error.detailed_error(), "");  // not in developer mode
  EXPECT_EQ(r.app_error.request_id(), r.Header("x-request-id"));
  EXPECT_FALSE(r.app_error.message().empty());
}

TEST_F(AppsTest, Create_ValidationInMattermostOrder) {
  const Metadata md = Metadata().Bearer(admin_.token);
  auto with = [&](auto mutate) {
    auto req = ValidCreate();
    mutate(req);
    return Create(req, md);
  };
  EXPECT_APP_ERROR(with([](auto& r) { r.clear_name(); }), 400,
                   "model.oauth.is_valid.name.app_error");
  EXPECT_APP_ERROR(with([](auto& r) { r.set_name(std::string(65, 'n')); }), 400,
                   "model.oauth.is_valid.name.app_error");
  EXPECT_TRUE(with([](auto& r) { r.set_name(std::string(64, 'n')); }).ok());
  // 22 two-byte characters = 44 bytes: fine; 33 of them = 66 bytes: too long (bytes, not
  // characters).
  std::string e22, e33;
  for (int i = 0; i < 22; ++i) e22 += "é";
  for (int i = 0; i < 33; ++i) e33 += "é";
  EXPECT_TRUE(with([&](auto& r) { r.set_name(e22); }).ok());
  EXPECT_APP_ERROR(with([&](auto& r) { r.set_name(e33); }), 400,
                   "model.oauth.is_valid.name.app_error");
  EXPECT_APP_ERROR(with([](auto& r) { r.clear_callback_urls(); }), 400,
                   "model.oauth.is_valid.callback.app_error");
  EXPECT_APP_ERROR(with([](auto& r) { r.set_callback_urls(0, "ftp://x/cb"); }), 400,
                   "model.oauth.is_valid.callback.app_error");
  EXPECT_APP_ERROR(with([](auto& r) { r.set_callback_urls(0, "HTTPS://x/cb"); }), 400,
                   "model.oauth.is_valid.callback.app_error");
  // The callback list is measured as Go prints it: "[" + URLs joined by spaces + "]" ≤ 1024.
  const std::string base = "https://app.example.com/";
  auto sized = [&](size_t len) { return base + std::string(len - base.size(), 'a'); };
  EXPECT_TRUE(with([&](auto& r) {
                r.clear_callback_urls();
                r.add_callback_urls(sized(511));
                r.add_callback_urls(sized(510));  // 2 + 511 + 1 + 510 = 1024
              }).ok());
  EXPECT_APP_ERROR(with([&](auto& r) {
                     r.clear_callback_urls();
                     r.add_callback_urls(sized(511));
                     r.add_callback_urls(sized(511));  // 1025
                   }),
                   400, "model.oauth.is_valid.callback.app_error");
  EXPECT_APP_ERROR(with([](auto& r) { r.clear_homepage(); }), 400,
                   "model.oauth.is_valid.homepage.app_error");
  EXPECT_APP_ERROR(with([](auto& r) { r.set_homepage("example.com"); }), 400,
                   "model.oauth.is_valid.homepage.app_error");
  EXPECT_APP_ERROR(with([](auto& r) { r.set_homepage("https://x.com/" + std::string(250, 'a')); }),
                   400, "model.oauth.is_valid.homepage.app_error");
  EXPECT_TRUE(with([](auto& r) {
                r.set_homepage("https://nowhere_update.com");
              }).ok());  // underscores are fine
  std::string d512, d513;
  for (int i = 0; i < 512; ++i) d512 += "ü";  // runes, not bytes
  d513 = d512 + "x";
  EXPECT_TRUE(with([&](auto& r) { r.set_description(d512); }).ok());
  EXPECT_APP_ERROR(with([&](auto& r) { r.set_description(d513); }), 400,
                   "model.oauth.is_valid.description.app_error");
  EXPECT_APP_ERROR(with([](auto& r) { r.set_icon_url("not a url"); }), 400,
                   "model.oauth.is_valid.icon_url.app_error");
  EXPECT_TRUE(with([](auto& r) { r.clear_icon_url(); }).ok());
  // Order: name is checked before callbacks, callbacks before homepage.
  EXPECT_APP_ERROR(with([](auto& r) {
                     r.clear_name();
                     r.clear_callback_urls();
                   }),
                   400, "model.oauth.is_valid.name.app_error");
  EXPECT_APP_ERROR(with([](auto& r) {
                     r.clear_homepage();
                     r.clear_callback_urls();
                   }),
                   400, "model.oauth.is_valid.callback.app_error");
}

// A database failure is a 500 whose cause is in oauthd's request log: the MySQL error code and the
// statement's name, never a value (here not the app id the statement looked up).
TEST_F(AppsTest, Get_DatabaseErrorIsLoggedWithCodeAndStatementNeverValues) {
  OAuthApp app = CreateApp(admin_);
  db().Exec("ALTER TABLE OAuthApps DROP COLUMN IconURL");
  EXPECT_APP_ERROR(Get(app.id(), admin_), 500, "app.oauth.get_app.finding.app_error");
  const std::string log = server_->Log();
  const size_t at = log.find("\"error\":\"app.oauth.get_app.finding.app_error\",\"cause\":");
  ASSERT_NE(at, std::string::npos) << log;
  const std::string line =
      log.substr(log.rfind('\n', at) + 1, log.find('\n', at) - log.rfind('\n', at));
  EXPECT_NE(line.find("\"cause\":\"MySQL error 1054 (42S22) in SELECT OAuthApps: Unknown column"),
            std::string::npos)
      << line;
  EXPECT_EQ(line.find(app.id()), std::string::npos) << line;
  EXPECT_EQ(log.find(app.client_secret()), std::string::npos);
}

// ---- list
// -------------------------------------------------------------------------------------------------

TEST_F(AppsTest, List_SystemWideSeesAllOthersSeeTheirOwn) {
  const int64_t before = AppCount();
  OAuthApp a = CreateApp(admin_, "admin app");
  OAuthApp m = CreateApp(manager_, "manager app");
  OAuthApp m2 = CreateApp(manager2_, "manager2 app");
  OAuthAppList all, own;
  ASSERT_TRUE(List(admin_, &all).ok());
  // Ordered by id (the primary key), so paging is stable; on a Mattermost database, its app too.
  std::vector<std::string> ids, want = {a.id(), m.id(), m2.id()};
  for (const auto& app : all.apps()) ids.push_back(app.id());
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  for (const std::string& id : want) EXPECT_EQ(std::count(ids.begin(), ids.end(), id), 1) << id;
  EXPECT_EQ(static_cast<int64_t>(ids.size()), 3 + before);
  for (const auto& app : all.apps()) {
    if (app.id() == m.id()) {
      EXPECT_EQ(app.client_secret(), m.client_secret());  // lists carry secrets
    }
  }
  ASSERT_TRUE(List(manager_, &own).ok());
  ASSERT_EQ(own.apps_size(), 1);
  EXPECT_EQ(own.apps(0).id(), m.id());
}

TEST_F(AppsTest, List_WithoutManageOAuthIsAdminOnly403) {
  OAuthAppList out;
  EXPECT_APP_ERROR(List(user_, &out), 403, "api.command.admin_only.app_error");
}

TEST_F(AppsTest, List_PaginationRules) {
  for (int i = 0; i < 5; ++i) CreateApp(admin_, absl::StrCat("app ", i));
  const int n = static_cast<int>(AppCount());  // 5, and Mattermost's app on its database
  auto count = [&](const std::string& page, const std::string& per_page) {
    OAuthAppList out;
    auto r = List(admin_, &out, page, per_page);
    EXPECT_TRUE(r.ok()) << r.Describe();
    return out.apps_size();
  };
  EXPECT_EQ(count("", ""), n);  // defaults: page 0, 60 per page
  EXPECT_EQ(count("0", "2"), 2);
  EXPECT_EQ(count("2", "2"), n - 4);
  EXPECT_EQ(count("3", "2"), n - 6 > 0 ? n - 6 : 0);
  EXPECT_EQ(count("0", "0"), 0);                      // per_page=0 is allowed and empty
  EXPECT_EQ(count("-1", "2"), 2);                     // negative page → 0
  EXPECT_EQ(count("x", "2"), 2);                      // junk page → 0
  EXPECT_EQ(count("0", "-5"), n);                     // negative per_page → 60
  EXPECT_EQ(count("0", "junk"), n);                   // junk per_page → 60
  EXPECT_EQ(count("0", "1000"), n);                   // capped at 200
  EXPECT_EQ(count("99999999999999999999", "2"), 2);   // out of range → 0
  EXPECT_EQ(count("9223372036854775807", "200"), 0);  // offset overflow → nothing, not an error
  // Stable paging: pages of size 1 list every app once.
  std::set<std::string> seen;
  for (int p = 0; p < n; ++p) {
    OAuthAppList out;
    ASSERT_TRUE(List(admin_, &out, absl::StrCat(p), "1").ok());
    ASSERT_EQ(out.apps_size(), 1);
    seen.insert(out.apps(0).id());
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(n));
}

// ---- get
// -------------------------------------------------------------------------------------------------

TEST_F(AppsTest, Get_OwnerAndSystemWideSeeTheSecret) {
  OAuthApp m = CreateApp(manager_);
  OAuthApp got;
  ASSERT_TRUE(Get(m.id(), manager_, &got).ok());
  EXPECT_EQ(got.client_secret(), m.client_secret());
  EXPECT_EQ(got.name(), m.name());
  ASSERT_TRUE(Get(m.id(), admin_, &got).ok());
  EXPECT_EQ(got.client_secret(), m.client_secret());
}

TEST_F(AppsTest, Get_ErrorsInOrder) {
  OAuthApp m = CreateApp(manager_);
  EXPECT_APP_ERROR(Get("junk", admin_), 400, "api.context.invalid_url_param.app_error");
  EXPECT_APP_ERROR(Get(m.id(), user_), 403, "api.context.permissions.app_error");
  EXPECT_APP_ERROR(Get(NewId(), admin_), 404, "app.oauth.get_app.find.app_error");
  // A non-owner without system-wide rights: 403 for an existing app, 404 for a missing one (lookup
  // first).
  auto r = Get(m.id(), manager2_);
  EXPECT_APP_ERROR(r, 403, "api.context.permissions.app_error");
  EXPECT_APP_ERROR(Get(NewId(), manager2_), 404, "app.oauth.get_app.find.app_error");
  // 400 for a bad id comes after 401.
  OAuthApp tmp;
  EXPECT_APP_ERROR(Call(apps_.get(), &OAuthApps::Stub::GetOAuthApp, Id("junk"), &tmp, Metadata()),
                   401, "api.context.session_expired.app_error");
}

// ---- update
// ----------------------------------------------------------------------------------------------

TEST_F(AppsTest, Update_IsAFullReplacementThatKeepsIdentity) {
  OAuthApp a = CreateApp(admin_);
  OAuthApp got;
  auto r =
      Update(a.id(),
             AppJson(a, R"(,"is_trusted":true,"creator_id":"x","client_secret":"y","create_at":5)"),
             admin_, &got);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(r.http_status(), 200);
  EXPECT_EQ(got.id(), a.id());
  EXPECT_EQ(got.creator_id(), admin_.id);
  EXPECT_EQ(got.client_secret(), a.client_secret());
  EXPECT_EQ(got.create_at(), a.create_at());
  EXPECT_GE(got.update_at(), a.update_at());
  EXPECT_EQ(got.homepage(), "https://new.example.com");
  EXPECT_EQ(got.description(), "");  // omitted → cleared
  EXPECT_EQ(got.icon_url(), "");
  EXPECT_TRUE(got.is_trusted());
  OAuthApp stored;
  ASSERT_TRUE(Get(a.id(), admin_, &stored).ok());
  EXPECT_EQ(stored.homepage(), "https://new.example.com");
  EXPECT_EQ(stored.callback_urls(0), "https://app.example.com/cb2");
}

TEST_F(AppsTest, Update_PermissionIsCheckedBeforeTheBody) {
  OAuthApp m = CreateApp(manager_);
  EXPECT_APP_ERROR(Update(m.id(), "{not json", user_), 403, "api.context.permissions.app_error");
  EXPECT_APP_ERROR(Update(m.id(), "{not json", manager_), 400,
                   "api.context.invalid_body_param.app_error");
  EXPECT_APP_ERROR(Update(m.id(), "", manager_), 400, "api.context.invalid_body_param.app_error");
  EXPECT_APP_ERROR(Update(m.id(), R"({"callback_urls":"not a list"})", manager_), 400,
                   "api.context.invalid_body_param.app_error");
  EXPECT_APP_ERROR(Update("junk", "{}", manager_), 400, "api.context.invalid_url_param.app_error");
}

TEST_F(AppsTest, Update_ErrorsAfterDecoding) {
  OAuthApp m = CreateApp(manager_);
  OAuthApp other = CreateApp(manager2_);
  EXPECT_APP_ERROR(Update(m.id(), AppJson(other), manager_), 400,
                   "api.context.invalid_body_param.app_error");
  EXPECT_APP_ERROR(Update(m.id(), "null", manager_), 400,
                   "api.context.invalid_body_param.app_error");  // id ""
  const std::string missing = NewId();
  OAuthApp ghost = m;
  ghost.set_id(missing);
  EXPECT_APP_ERROR(Update(missing, AppJson(ghost), manager_), 404,
                   "app.oauth.get_app.find.app_error");
  EXPECT_APP_ERROR(Update(other.id(), AppJson(other), manager_), 403,
                   "api.context.permissions.app_error");
  EXPECT_APP_ERROR(Update(m.id(), absl::StrCat(R"({"id":")", m.id(), R"(","name":""})"), manager_),
                   400, "model.oauth.is_valid.name.app_error");
}

TEST_F(AppsTest, Update_NonAdminCannotChangeTrust) {
  // An admin trusts the manager's app; the manager's update cannot undo it, nor can it set trust on
  // its own.
  OAuthApp m = CreateApp(manager_);
  ASSERT_TRUE(Update(m.id(), AppJson(m, R"(,"is_trusted":true)"), admin_).ok());
  OAuthApp got;
  ASSERT_TRUE(Update(m.id(), AppJson(m, R"(,"is_trusted":false)"), manager_, &got).ok());
  EXPECT_TRUE(got.is_trusted());
  OAuthApp m2 = CreateApp(manager2_);
  ASSERT_TRUE(Update(m2.id(), AppJson(m2, R"(,"is_trusted":true)"), manager2_, &got).ok());
  EXPECT_FALSE(got.is_trusted());
  // An admin omitting is_trusted clears it (full replacement).
  ASSERT_TRUE(Update(m.id(), AppJson(m), admin_, &got).ok());
  EXPECT_FALSE(got.is_trusted());
}

// ---- delete
// ----------------------------------------------------------------------------------------------

TEST_F(AppsTest, Delete_RemovesTheApp) {
  OAuthApp m = CreateApp(manager_);
  EXPECT_APP_ERROR(Delete(m.id(), user_), 403, "api.context.permissions.app_error");
  EXPECT_APP_ERROR(Delete(m.id(), manager2_), 403, "api.context.permissions.app_error");
  EXPECT_APP_ERROR(Delete("junk", manager_), 400, "api.context.invalid_url_param.app_error");
  EXPECT_APP_ERROR(Delete(NewId(), manager_), 404, "app.oauth.get_app.find.app_error");
  auto r = Delete(m.id(), manager_);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(r.http_status(), 200);
  EXPECT_APP_ERROR(Get(m.id(), manager_), 404, "app.oauth.get_app.find.app_error");
  OAuthApp other = CreateApp(manager2_);
  EXPECT_TRUE(Delete(other.id(), admin_).ok());  // system-wide managers may delete anyone's
}

// ---- regenerate secret
// -----------------------------------------------------------------------------------

TEST_F(AppsTest, Regen_ReplacesTheSecret) {
  OAuthApp m = CreateApp(manager_);
  OAuthApp got;
  auto r = Regen(m.id(), manager_, &got);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(got.client_secret().size(), 26u);
  EXPECT_NE(got.client_secret(), m.client_secret());
  EXPECT_GE(got.update_at(), m.update_at());
  OAuthApp stored;
  ASSERT_TRUE(Get(m.id(), manager_, &stored).ok());
  EXPECT_EQ(stored.client_secret(), got.client_secret());
}

TEST_F(AppsTest, Regen_Errors) {
  OAuthApp pub = CreateApp(manager_, "public", /*is_public=*/true);
  EXPECT_APP_ERROR(Regen(pub.id(), manager_), 400,
                   "api.oauth.regenerate_secret.public_client.app_error");
  OAuthApp m = CreateApp(manager_);
  EXPECT_APP_ERROR(Regen(m.id(), user_), 403, "api.context.permissions.app_error");
  EXPECT_APP_ERROR(Regen(m.id(), manager2_), 403, "api.context.permissions.app_error");
  EXPECT_APP_ERROR(Regen(NewId(), manager_), 404, "app.oauth.get_app.find.app_error");
  EXPECT_APP_ERROR(Regen("junk", manager_), 400, "api.context.invalid_url_param.app_error");
}

// ---- info
// ------------------------------------------------------------------------------------------------

TEST_F(AppsTest, Info_AnySessionSeesTheAppWithoutItsSecret) {
  OAuthApp m = CreateApp(manager_);
  OAuthApp got;
  auto r = Info(m.id(), Metadata().Bearer(user_.token), &got);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(got.client_secret(), "");
  EXPECT_EQ(got.name(), m.name());
  EXPECT_EQ(got.callback_urls(0), m.callback_urls(0));
  EXPECT_EQ(got.homepage(), m.homepage());
  EXPECT_APP_ERROR(Info(m.id(), Metadata()), 401, "api.context.session_expired.app_error");
  EXPECT_APP_ERROR(Info("junk", Metadata().Bearer(user_.token)), 400,
                   "api.context.invalid_url_param.app_error");
  EXPECT_APP_ERROR(Info(NewId(), Metadata().Bearer(user_.token)), 404,
                   "app.oauth.get_app.find.app_error");
}

// ---- authorized apps
// -------------------------------------------------------------------------------------

TEST_F(AppsTest, Authorized_ListsTheUsersAuthorizedAppsWithoutSecrets) {
  OAuthApp a = CreateApp(admin_, "a"), b = CreateApp(admin_, "b");
  CreateApp(admin_, "c");
  db().Exec(absl::StrCat("INSERT INTO Preferences (UserId, Category, Name, Value) VALUES ('",
                         user_.id, "', 'oauth_app', '", b.id(), "', 'user'), ('", user_.id,
                         "', 'oauth_app', '", a.id(), "', 'user')"));
  OAuthAppList out;
  auto r = Authorized("me", user_, &out);
  ASSERT_TRUE(r.ok()) << r.Describe();
  ASSERT_EQ(out.apps_size(), 2);
  EXPECT_EQ(out.apps(0).id(), std::min(a.id(), b.id()));
  EXPECT_EQ(out.apps(1).id(), std::max(a.id(), b.id()));
  EXPECT_EQ(out.apps(0).client_secret(), "");
  OAuthAppList by_id;
  ASSERT_TRUE(Authorized(user_.id, user_, &by_id).ok());
  EXPECT_EQ(by_id.apps_size(), 2);
  // manage_oauth is irrelevant here: the admin sees the user's list; another plain user does not.
  ASSERT_TRUE(Authorized(user_.id, admin_, &by_id).ok());
  EXPECT_EQ(by_id.apps_size(), 2);
  EXPECT_APP_ERROR(Authorized(user_.id, manager_, &out), 403, "api.context.permissions.app_error");
  EXPECT_APP_ERROR(Authorized("junk", user_, &out), 400, "api.context.invalid_url_param.app_error");
}

TEST_F(AppsTest, Authorized_EditOtherUsersReachesOnlyNonAdmins) {
  db().Exec(
      "INSERT INTO Roles (Id, Name, Permissions) VALUES ('usermanagerroleid000000000', "
      "'user_manager', "
      "'edit_other_users')");
  SeededUser um = SeedUser(db().pool(), "system_user user_manager");
  OAuthAppList out;
  EXPECT_TRUE(Authorized(user_.id, um, &out).ok());
  EXPECT_APP_ERROR(Authorized(admin_.id, um, &out), 403, "api.context.permissions.app_error");
}

// ---- the provider switched off
// ---------------------------------------------------------------------------

TEST_F(AppsTest, ProviderDisabled_Is501AfterPermissionChecks) {
  OAuthApp m = CreateApp(manager_);
  auto off = StartServer({"--enable-oauth-service-provider=false"});
  auto stub = AppsStub(*off);
  OAuthApp app;
  OAuthAppList list;
  const Metadata admin = Metadata().Bearer(admin_.token);
  EXPECT_APP_ERROR(Call(stub.get(), &OAuthApps::Stub::CreateOAuthApp, ValidCreate(), &app, admin),
                   501, "api.oauth.register_oauth_app.turn_off.app_error");
  EXPECT_APP_ERROR(
      Call(stub.get(), &OAuthApps::Stub::GetOAuthApps, GetOAuthAppsRequest(), &list, admin), 501,
      "api.oauth.allow_oauth.turn_off.app_error");
  EXPECT_APP_ERROR(Call(stub.get(), &OAuthApps::Stub::GetOAuthApp, Id(m.id()), &app, admin), 501,
                   "api.oauth.allow_oauth.turn_off.app_error");
  EXPECT_APP_ERROR(Call(stub.get(), &OAuthApps::Stub::GetOAuthAppInfo, Id(m.id()), &app, admin),
                   501, "api.oauth.allow_oauth.turn_off.app_error");
  EXPECT_APP_ERROR(
      Call(stub.get(), &OAuthApps::Stub::RegenerateOAuthAppSecret, Id(m.id()), &app, admin), 501,
      "api.oauth.allow_oauth.turn_off.app_error");
  StatusOK ok;
  EXPECT_APP_ERROR(Call(stub.get(), &OAuthApps::Stub::DeleteOAuthApp, Id(m.id()), &ok, admin), 501,
                   "api.oauth.allow_oauth.turn_off.app_error");
  GetAuthorizedOAuthAppsRequest me;
  me.set_user_id("me");
  EXPECT_APP_ERROR(
      Call(stub.get(), &OAuthApps::Stub::GetAuthorizedOAuthAppsForUser, me, &list, admin), 501,
      "api.oauth.allow_oauth.turn_off.app_error");
  // 403 beats 501, and 401 beats both.
  EXPECT_APP_ERROR(Call(stub.get(), &OAuthApps::Stub::CreateOAuthApp, ValidCreate(), &app,
                        Metadata().Bearer(user_.token)),
                   403, "api.context.permissions.app_error");
  EXPECT_APP_ERROR(Call(stub.get(), &OAuthApps::Stub::GetOAuthApps, GetOAuthAppsRequest(), &list,
                        Metadata().Bearer(user_.token)),
                   403, "api.command.admin_only.app_error");
  EXPECT_APP_ERROR(
      Call(stub.get(), &OAuthApps::Stub::CreateOAuthApp, ValidCreate(), &app, Metadata()), 401,
      "api.context.session_expired.app_error");
}

}  // namespace
}  // namespace oauthd::testing

namespace oauthd::testing {
namespace {

// Database failures answer 500 with the spec's ids, and a failed delete changes nothing.
class AppsFailureTest : public AppsTest {};

TEST_F(AppsFailureTest, MissingTablesAnswer500WithTheSpecIds) {
  OAuthApp m = CreateApp(manager_);
  db().Exec("RENAME TABLE Preferences TO Preferences_gone");
  OAuthAppList list;
  EXPECT_APP_ERROR(Authorized("me", user_, &list), 500, "app.oauth.get_apps.find.app_error");
  // Deleting the app touches Preferences last: the whole transaction rolls back.
  EXPECT_APP_ERROR(Delete(m.id(), manager_), 500, "app.oauth.delete_app.app_error");
  db().Exec("RENAME TABLE Preferences_gone TO Preferences");
  EXPECT_TRUE(Get(m.id(), manager_).ok());

  db().Exec("RENAME TABLE OAuthApps TO OAuthApps_gone");
  EXPECT_APP_ERROR(Get(m.id(), manager_), 500, "app.oauth.get_app.finding.app_error");
  EXPECT_APP_ERROR(List(admin_, &list), 500, "app.oauth.get_apps.find.app_error");
  EXPECT_APP_ERROR(List(manager_, &list), 500, "app.oauth.get_app_by_user.find.app_error");
  EXPECT_APP_ERROR(Create(ValidCreate(), Metadata().Bearer(admin_.token)), 500,
                   "app.oauth.save_app.save.app_error");
  db().Exec("RENAME TABLE OAuthApps_gone TO OAuthApps");

  // Roles that cannot be read are a failure, not "no permission": never a 403 (and no cached
  // empty permission set that outlives the failure).
  db().Exec("RENAME TABLE Roles TO Roles_gone");
  auto no_roles = List(admin_, &list);
  EXPECT_EQ(no_roles.http_status(), 500) << no_roles.Describe();
  db().Exec("RENAME TABLE Roles_gone TO Roles");
  EXPECT_TRUE(List(admin_, &list).ok());

  // A write the database refuses (a column narrowed behind our back) is a 500 on update.
  db().Exec("ALTER TABLE OAuthApps MODIFY MattermostAppID varchar(1) NOT NULL DEFAULT ''");
  EXPECT_APP_ERROR(Update(m.id(), AppJson(m, R"(,"mattermost_app_id":"com.example")"), manager_),
                   500, "app.oauth.update_app.updating.app_error");
}

}  // namespace
}  // namespace oauthd::testing
