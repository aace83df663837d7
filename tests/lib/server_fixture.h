// A running oauthd (real binary, real MariaDB) with a few seeded callers:
//   admin    — system_user system_admin (every permission)
//   manager  — system_user oauth_manager (manage_oauth only: sees and manages its own apps)
//   manager2 — the same role, another user
//   user     — system_user (no OAuth permission)
#ifndef OAUTHD_TESTS_LIB_SERVER_FIXTURE_H_
#define OAUTHD_TESTS_LIB_SERVER_FIXTURE_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "oauthd/v1/apps.grpc.pb.h"
#include "oauthd/v1/authorize.grpc.pb.h"
#include "oauthd/v1/server.grpc.pb.h"
#include "tests/lib/grpc_call.h"
#include "tests/lib/oauthd_process.h"
#include "tests/lib/seed.h"
#include "tests/lib/test_database.h"

namespace oauthd::testing {

class ServerTest : public ::testing::Test {
 protected:
  // Flags added to `oauthd serve` (the fixture always passes --cache-ttl=0s and a site URL).
  virtual std::vector<std::string> ExtraFlags() { return {}; }

  void SetUp() override;
  void TearDown() override;

  // Starts another oauthd on the same database with other flags (e.g. the provider turned off).
  std::unique_ptr<OauthdProcess> StartServer(const std::vector<std::string>& flags);
  std::unique_ptr<oauthd::v1::OAuthApps::Stub> AppsStub(const OauthdProcess& p);

  // Creates an app as `who` and returns it (fails the test otherwise).
  oauthd::v1::OAuthApp CreateApp(const SeededUser& who, const std::string& name = "My App",
                                 bool is_public = false);
  oauthd::v1::CreateOAuthAppRequest ValidCreate(const std::string& name = "My App");

  TestDatabase& db() { return *db_; }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<OauthdProcess> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<oauthd::v1::OAuthApps::Stub> apps_;
  std::unique_ptr<oauthd::v1::AuthorizationServer::Stub> as_;
  std::unique_ptr<oauthd::v1::Authorization::Stub> flow_;
  SeededUser admin_, manager_, manager2_, user_;
};

google::api::HttpBody JsonBody(const std::string& json);

}  // namespace oauthd::testing

#endif  // OAUTHD_TESTS_LIB_SERVER_FIXTURE_H_
