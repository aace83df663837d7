// Sharing a database with Mattermost: a fresh `oauthd migrate` makes Mattermost's tables exactly as
// Mattermost's last MySQL schema has them; on a database Mattermost made (from that schema, with
// rows Mattermost wrote) it changes neither the tables nor their rows, and oauthd then serves
// Mattermost's app, its pending code and its grant; and every row oauthd writes there, through the
// API and the admin CLI, is one Mattermost can read.
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "oauthd/v1/apps.grpc.pb.h"
#include "oauthd/v1/authorize.grpc.pb.h"
#include "oauthd/v1/server.grpc.pb.h"
#include "server/model/url_encoding.h"
#include "storage/migrator.h"
#include "storage/schema_shape.h"
#include "storage/secret_cipher.h"
#include "tests/lib/grpc_call.h"
#include "tests/lib/mattermost_rows.h"
#include "tests/lib/oauthd_process.h"
#include "tests/lib/test_database.h"
#include "tests/lib/test_env.h"

namespace oauthd::testing {
namespace {

using oauthd::v1::AccessTokenRequest;
using oauthd::v1::AccessTokenResponse;
using oauthd::v1::Authorization;
using oauthd::v1::OAuthApp;
using oauthd::v1::OAuthApps;

// Seeded by tests/data/mattermost-seed.sql.
constexpr char kAdminToken[] = "mmadmintoken00000000000000";
constexpr char kAppId[] = "mmapp000000000000000000000";
constexpr char kAppSecret[] = "mmappsecret000000000000000";
constexpr char kCallback[] = "https://mm-app.example.com/callback";
constexpr char kUserToken[] = "mmusertoken000000000000000";
constexpr char kRefreshToken[] = "mmrefresh00000000000000000";
constexpr char kCode[] = "mmcode0000000000000000000000000000000000000000000000";

std::vector<std::string> Shape(TestDatabase& db, const std::string& table) {
  auto described =
      db.pool().Run([&](storage::DbConn& c) { return storage::DescribeTable(c, table); });
  EXPECT_TRUE(described.ok()) << described.status();
  return described.ok() ? *described : std::vector<std::string>{};
}

void Migrate(TestDatabase& db,
             const storage::SecretCipher& cipher = storage::SecretCipher::ClearText()) {
  auto report = storage::Migrate(db.pool(), cipher, [](absl::string_view) {});
  ASSERT_TRUE(report.ok()) << report.status();
}

TEST(MattermostSchema, FreshMigrateMakesExactlyMattermostsTables) {
  TestDatabase fresh(/*migrate=*/true, Origin::kEmpty);
  TestDatabase mattermost(/*migrate=*/false, Origin::kEmpty);
  LoadSqlFile(mattermost.pool(), "mattermost-mysql-schema.sql");
  for (const std::string& table : MattermostTables()) {
    const auto want = Shape(mattermost, table);
    ASSERT_FALSE(want.empty()) << table;
    EXPECT_EQ(Shape(fresh, table), want) << table;
  }
}

TEST(MattermostSchema, MigrateLeavesAMattermostDatabaseAsItWas) {
  TestDatabase db(/*migrate=*/false, Origin::kMattermost);
  std::map<std::string, std::vector<std::string>> shapes, rows;
  for (const std::string& table : MattermostTables()) {
    shapes[table] = Shape(db, table);
    rows[table] = DumpTable(db.pool(), table);
  }
  Migrate(db);
  Migrate(db);  // and again
  for (const std::string& table : MattermostTables()) {
    EXPECT_EQ(Shape(db, table), shapes[table]) << table;
    EXPECT_EQ(DumpTable(db.pool(), table), rows[table]) << table;
  }
  EXPECT_EQ(UnreadableByMattermost(db.pool()), std::vector<std::string>{});
}

class MattermostDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(/*migrate=*/false, Origin::kMattermost);
    Migrate(*db_);
  }
  void Serve(const std::vector<std::string>& flags = {}) {
    std::vector<std::string> all = {"--cache-ttl=0s", "--site-url=https://chat.example.com"};
    all.insert(all.end(), flags.begin(), flags.end());
    server_ = std::make_unique<OauthdProcess>(db_->url(), all);
    auto channel = grpc::CreateChannel(server_->target(), grpc::InsecureChannelCredentials());
    apps_ = OAuthApps::NewStub(channel);
    flow_ = Authorization::NewStub(channel);
    as_ = oauthd::v1::AuthorizationServer::NewStub(channel);
  }
  void TearDown() override {
    if (HasFailure() && server_) std::cerr << "--- oauthd log ---\n" << server_->Log();
  }
  CallResult Token(const std::vector<std::pair<std::string, std::string>>& form,
                   AccessTokenResponse* out) {
    AccessTokenRequest req;
    req.mutable_body()->set_content_type("application/x-www-form-urlencoded");
    std::string body;
    for (const auto& [k, v] : form)
      absl::StrAppend(&body, body.empty() ? "" : "&", k, "=", model::QueryEscape(v));
    req.mutable_body()->set_data(body);
    return Call(flow_.get(), &Authorization::Stub::AccessToken, req, out);
  }
  int UseToken(const std::string& token, oauthd::v1::OAuthAppList* out) {
    oauthd::v1::GetAuthorizedOAuthAppsRequest req;
    req.set_user_id("me");
    return Call(apps_.get(), &OAuthApps::Stub::GetAuthorizedOAuthAppsForUser, req, out,
                Metadata().Bearer(token))
        .http_status();
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<OauthdProcess> server_;
  std::unique_ptr<OAuthApps::Stub> apps_;
  std::unique_ptr<Authorization::Stub> flow_;
  std::unique_ptr<oauthd::v1::AuthorizationServer::Stub> as_;
};

TEST_F(MattermostDatabaseTest, ServesMattermostsAppPendingCodeAndGrant) {
  Serve();
  oauthd::v1::OAuthAppIdRequest get;
  get.set_app_id(kAppId);
  OAuthApp app;
  auto r =
      Call(apps_.get(), &OAuthApps::Stub::GetOAuthApp, get, &app, Metadata().Bearer(kAdminToken));
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(app.name(), "Mattermost app");
  EXPECT_EQ(app.client_secret(), kAppSecret);
  EXPECT_FALSE(app.is_dynamically_registered());

  // The code Mattermost issued to the admin.
  AccessTokenResponse by_code;
  r = Token({{"grant_type", "authorization_code"},
             {"client_id", kAppId},
             {"client_secret", kAppSecret},
             {"code", kCode},
             {"redirect_uri", kCallback}},
            &by_code);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_FALSE(by_code.refresh_token().empty());

  // The grant Mattermost issued to the user: its access token works, its refresh token rotates.
  oauthd::v1::OAuthAppList authorized;
  ASSERT_EQ(UseToken(kUserToken, &authorized), 200);
  ASSERT_EQ(authorized.apps_size(), 1);
  EXPECT_EQ(authorized.apps(0).id(), kAppId);
  AccessTokenResponse refreshed;
  r = Token({{"grant_type", "refresh_token"},
             {"client_id", kAppId},
             {"client_secret", kAppSecret},
             {"refresh_token", kRefreshToken}},
            &refreshed);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(UseToken(kUserToken, &authorized), 401);
  EXPECT_EQ(UseToken(refreshed.access_token(), &authorized), 200);
  EXPECT_EQ(authorized.apps_size(), 1);

  EXPECT_EQ(UnreadableByMattermost(db_->pool()), std::vector<std::string>{});
}

// Everything oauthd writes into Mattermost's tables, through the API (apps, registration,
// consent, codes, tokens, refresh, a new secret, deauthorization) and the admin CLI (a user, a
// session, a role), with and without a key: Mattermost can read every row.
TEST_F(MattermostDatabaseTest, EveryRowOauthdWritesIsReadableByMattermost) {
  const std::string key = storage::NewSecretKey();
  for (const std::string& flags : {std::string(), "--secret-encryption-key=" + key}) {
    SCOPED_TRACE(flags.empty() ? "clear text" : "with a key");
    Serve({"--enable-dynamic-client-registration", flags.empty() ? "--developer-mode" : flags});
    oauthd::v1::CreateOAuthAppRequest create;
    create.set_name("oauthd app");
    create.set_homepage("https://o.example.com");
    create.add_callback_urls("https://o.example.com/cb");
    OAuthApp app;
    auto r = Call(apps_.get(), &OAuthApps::Stub::CreateOAuthApp, create, &app,
                  Metadata().Bearer(kAdminToken));
    ASSERT_TRUE(r.ok()) << r.Describe();
    // A dynamically registered client, and its app read back with its flag.
    oauthd::v1::RegisterOAuthClientRequest reg;
    reg.mutable_body()->set_content_type("application/json");
    reg.mutable_body()->set_data(R"({"redirect_uris":["https://d.example.com/cb"]})");
    oauthd::v1::ClientRegistrationResponse registered;
    r = Call(as_.get(), &oauthd::v1::AuthorizationServer::Stub::RegisterOAuthClient, reg,
             &registered);
    ASSERT_TRUE(r.ok()) << r.Describe();
    oauthd::v1::OAuthAppIdRequest get_dynamic;
    get_dynamic.set_app_id(registered.client_id());
    OAuthApp dynamic;
    ASSERT_TRUE(Call(apps_.get(), &OAuthApps::Stub::GetOAuthApp, get_dynamic, &dynamic,
                     Metadata().Bearer(kAdminToken))
                    .ok());
    EXPECT_TRUE(dynamic.is_dynamically_registered());
    EXPECT_EQ(dynamic.client_secret(), registered.client_secret());

    oauthd::v1::AuthorizePostRequest post;
    post.mutable_request()->set_response_type("code");
    post.mutable_request()->set_client_id(app.id());
    post.mutable_request()->set_redirect_uri("https://o.example.com/cb");
    post.mutable_request()->set_code_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    post.mutable_request()->set_code_challenge_method("S256");
    post.mutable_request()->set_resource("https://api.example.com");
    oauthd::v1::AuthorizeResponse redirect;
    r = Call(flow_.get(), &Authorization::Stub::Authorize, post, &redirect,
             Metadata().Bearer(kAdminToken));
    ASSERT_TRUE(r.ok()) << r.Describe();
    std::map<std::string, std::string> query;
    model::ParseForm(redirect.redirect().substr(redirect.redirect().find('?') + 1), &query);
    AccessTokenResponse tok;
    r = Token({{"grant_type", "authorization_code"},
               {"client_id", app.id()},
               {"client_secret", app.client_secret()},
               {"code", query["code"]},
               {"redirect_uri", "https://o.example.com/cb"},
               {"code_verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"},
               {"resource", "https://api.example.com"}},
              &tok);
    ASSERT_TRUE(r.ok()) << r.Describe();
    EXPECT_EQ(tok.audience(), "https://api.example.com");
    AccessTokenResponse refreshed;
    r = Token({{"grant_type", "refresh_token"},
               {"client_id", app.id()},
               {"client_secret", app.client_secret()},
               {"refresh_token", tok.refresh_token()}},
              &refreshed);
    ASSERT_TRUE(r.ok()) << r.Describe();
    EXPECT_EQ(refreshed.audience(), "https://api.example.com");
    oauthd::v1::OAuthAppIdRequest regen;
    regen.set_app_id(app.id());
    r = Call(apps_.get(), &OAuthApps::Stub::RegenerateOAuthAppSecret, regen, &app,
             Metadata().Bearer(kAdminToken));
    ASSERT_TRUE(r.ok()) << r.Describe();
    oauthd::v1::OAuthAppIdRequest get;
    get.set_app_id(app.id());
    OAuthApp again;
    ASSERT_TRUE(Call(apps_.get(), &OAuthApps::Stub::GetOAuthApp, get, &again,
                     Metadata().Bearer(kAdminToken))
                    .ok());
    EXPECT_EQ(again.client_secret(), app.client_secret());
    EXPECT_EQ(UnreadableByMattermost(db_->pool()), std::vector<std::string>{});
    server_.reset();
  }
  // The admin CLI's rows.
  std::string out;
  const std::string cli = absl::StrCat(BinDir(), "/oauthd ");
  ASSERT_EQ(RunCommand(absl::StrCat(cli, "user create --db=", db_->url(),
                                    " --username=cliuser --email=cli@example.com"),
                       &out),
            0);
  ASSERT_EQ(RunCommand(absl::StrCat(cli, "session create --db=", db_->url(), " --user=", out)), 0);
  ASSERT_EQ(RunCommand(absl::StrCat(cli, "role grant system_user manage_oauth --db=", db_->url())),
            0);
  EXPECT_EQ(UnreadableByMattermost(db_->pool()), std::vector<std::string>{});
}

}  // namespace
}  // namespace oauthd::testing
