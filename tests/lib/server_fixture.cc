#include "tests/lib/server_fixture.h"

namespace oauthd::testing {

google::api::HttpBody JsonBody(const std::string& json) {
  google::api::HttpBody b;
  b.set_content_type("application/json");
  b.set_data(json);
  return b;
}

void ServerTest::SetUp() {
  db_ = std::make_unique<TestDatabase>();
  db_->Exec(
      "INSERT INTO Roles (Id, Name, DisplayName, Description, CreateAt, UpdateAt, DeleteAt, "
      "Permissions, "
      "SchemeManaged, BuiltIn) VALUES ('oauthmanagerroleid00000000', 'oauth_manager', 'OAuth "
      "manager', '', 1, 1, "
      "0, 'manage_oauth', 0, 0)");
  admin_ = SeedUser(db_->pool(), "system_user system_admin");
  manager_ = SeedUser(db_->pool(), "system_user oauth_manager");
  manager2_ = SeedUser(db_->pool(), "system_user oauth_manager");
  user_ = SeedUser(db_->pool(), "system_user");
  server_ = StartServer(ExtraFlags());
  channel_ = grpc::CreateChannel(server_->target(), grpc::InsecureChannelCredentials());
  apps_ = oauthd::v1::OAuthApps::NewStub(channel_);
  as_ = oauthd::v1::AuthorizationServer::NewStub(channel_);
  flow_ = oauthd::v1::Authorization::NewStub(channel_);
}

void ServerTest::TearDown() {
  if (HasFailure() && server_) std::cerr << "--- oauthd log ---\n" << server_->Log();
  apps_.reset();
  as_.reset();
  flow_.reset();
  channel_.reset();
  server_.reset();
  db_.reset();
}

std::unique_ptr<OauthdProcess> ServerTest::StartServer(const std::vector<std::string>& flags) {
  std::vector<std::string> all = {"--cache-ttl=0s", "--site-url=https://chat.example.com"};
  all.insert(all.end(), flags.begin(), flags.end());
  return std::make_unique<OauthdProcess>(db_->url(), all);
}

std::unique_ptr<oauthd::v1::OAuthApps::Stub> ServerTest::AppsStub(const OauthdProcess& p) {
  return oauthd::v1::OAuthApps::NewStub(
      grpc::CreateChannel(p.target(), grpc::InsecureChannelCredentials()));
}

oauthd::v1::CreateOAuthAppRequest ServerTest::ValidCreate(const std::string& name) {
  oauthd::v1::CreateOAuthAppRequest req;
  req.set_name(name);
  req.set_description("An app");
  req.set_homepage("https://app.example.com");
  req.set_icon_url("https://app.example.com/icon.png");
  req.add_callback_urls("https://app.example.com/callback");
  return req;
}

oauthd::v1::OAuthApp ServerTest::CreateApp(const SeededUser& who, const std::string& name,
                                           bool is_public) {
  auto req = ValidCreate(name);
  req.set_is_public(is_public);
  oauthd::v1::OAuthApp app;
  auto r = Call(apps_.get(), &oauthd::v1::OAuthApps::Stub::CreateOAuthApp, req, &app,
                Metadata().Bearer(who.token));
  EXPECT_TRUE(r.ok()) << r.Describe();
  return app;
}

}  // namespace oauthd::testing
