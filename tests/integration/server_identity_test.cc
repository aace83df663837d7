// How oauthd identifies callers (spec §7) and what every response carries, over gRPC with the real binary.
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "storage/mattermost_id.h"
#include "tests/lib/server_fixture.h"

namespace oauthd::testing {
namespace {

using oauthd::v1::GetOAuthAppsRequest;
using oauthd::v1::OAuthApp;
using oauthd::v1::OAuthAppIdRequest;
using oauthd::v1::OAuthAppList;
using oauthd::v1::OAuthApps;

class IdentityTest : public ServerTest {
 protected:
  CallResult CreateWith(const Metadata& md) {
    OAuthApp app;
    return Call(apps_.get(), &OAuthApps::Stub::CreateOAuthApp, ValidCreate(), &app, md);
  }
  CallResult ListWith(const Metadata& md) {
    OAuthAppList list;
    return Call(apps_.get(), &OAuthApps::Stub::GetOAuthApps, GetOAuthAppsRequest(), &list, md);
  }
};

TEST_F(IdentityTest, AuthorizationSchemes) {
  EXPECT_TRUE(ListWith(Metadata().Add("authorization", "Bearer " + admin_.token)).ok());
  EXPECT_TRUE(ListWith(Metadata().Add("authorization", "BEARER " + admin_.token)).ok());
  EXPECT_TRUE(ListWith(Metadata().Add("authorization", "bearer " + admin_.token)).ok());
  EXPECT_TRUE(ListWith(Metadata().Add("authorization", "Token " + admin_.token)).ok());
  EXPECT_TRUE(ListWith(Metadata().Add("authorization", "token " + admin_.token)).ok());
  auto r = ListWith(Metadata().Add("authorization", "Basic " + admin_.token));
  EXPECT_EQ(r.http_status(), 401) << r.Describe();
}

TEST_F(IdentityTest, CookieNeedsCsrfOnWritesButNotOnReads) {
  const std::string cookie = "MMUSERID=" + admin_.id + "; MMAUTHTOKEN=" + admin_.token;
  EXPECT_TRUE(ListWith(Metadata().Add("cookie", cookie)).ok());  // GET: no CSRF check
  auto bad = CreateWith(Metadata().Add("cookie", cookie));
  EXPECT_EQ(bad.http_status(), 401) << bad.Describe();
  EXPECT_EQ(bad.app_error.id(), "api.context.session_expired.app_error");
  EXPECT_EQ(CreateWith(Metadata().Add("cookie", cookie).Add("x-csrf-token", "wrong")).http_status(), 401);
  EXPECT_TRUE(CreateWith(Metadata().Add("cookie", cookie).Add("x-csrf-token", admin_.csrf)).ok());
  EXPECT_TRUE(CreateWith(Metadata().Add("cookie", cookie).Add("x-requested-with", "XMLHttpRequest")).ok());
  // A header token is never CSRF-checked.
  EXPECT_TRUE(CreateWith(Metadata().Bearer(admin_.token)).ok());
}

TEST_F(IdentityTest, CookieBeatsTheAuthorizationHeader) {
  // The cookie names the plain user (no manage_oauth), the header the admin: the cookie wins → 403.
  auto r = ListWith(Metadata().Add("cookie", "MMAUTHTOKEN=" + user_.token).Bearer(admin_.token));
  EXPECT_EQ(r.http_status(), 403) << r.Describe();
}

TEST_F(IdentityTest, ExpiredUnknownAndDeactivatedSessionsAre401) {
  const int64_t past = absl::ToUnixMillis(absl::Now()) - 1000;
  const std::string expired = SeedSession(db().pool(), admin_.id, "system_user system_admin", past);
  auto r = ListWith(Metadata().Bearer(expired));
  EXPECT_EQ(r.http_status(), 401);
  EXPECT_EQ(r.app_error.id(), "api.context.session_expired.app_error");
  EXPECT_EQ(ListWith(Metadata().Bearer(NewId())).app_error.id(), "api.context.session_expired.app_error");
  SeededUser gone = SeedUser(db().pool(), "system_user system_admin");
  db().Exec("UPDATE Users SET DeleteAt = 1 WHERE Id = '" + gone.id + "'");
  EXPECT_EQ(ListWith(Metadata().Bearer(gone.token)).http_status(), 401);
}

TEST_F(IdentityTest, AccessTokenInTheQueryOnlyForOAuthSessions) {
  const std::string oauth_token = SeedSession(db().pool(), admin_.id, "system_user system_admin", 0, true);
  auto ok = ListWith(Metadata().Add("x-original-uri", "/api/v4/oauth/apps?access_token=" + oauth_token));
  EXPECT_TRUE(ok.ok()) << ok.Describe();
  auto bad = ListWith(Metadata().Add("x-original-uri", "/api/v4/oauth/apps?page=0&access_token=" + admin_.token));
  EXPECT_EQ(bad.http_status(), 401) << bad.Describe();
  EXPECT_EQ(bad.app_error.id(), "api.context.token_provided.app_error");
}

TEST_F(IdentityTest, RequestIdIsEchoedOrGenerated) {
  auto r = ListWith(Metadata().Bearer(user_.token).Add("x-request-id", "abc123"));
  EXPECT_EQ(r.Header("x-request-id"), "abc123");
  EXPECT_EQ(r.app_error.request_id(), "abc123");
  auto g = ListWith(Metadata().Bearer(admin_.token).Add("x-request-id", "bad id with spaces"));
  EXPECT_TRUE(IsValidId(g.Header("x-request-id"))) << g.Header("x-request-id");
}

class DeveloperModeTest : public ServerTest {
 protected:
  std::vector<std::string> ExtraFlags() override { return {"--developer-mode=true"}; }
};

TEST_F(DeveloperModeTest, DetailedErrorIsFilled) {
  OAuthApp app;
  auto r = Call(apps_.get(), &OAuthApps::Stub::CreateOAuthApp, ValidCreate(), &app, Metadata().Bearer(user_.token));
  EXPECT_EQ(r.app_error.detailed_error(), absl::StrCat("userId=", user_.id, ", permission=manage_oauth"));
}

TEST_F(IdentityTest, HealthCheckingIsOn) {
  // grpc.health.v1.Health/Check with an empty service name, through the generic stub.
  grpc::ClientContext ctx;
  grpc::GenericStub generic(channel_);
  grpc::ByteBuffer req, resp;  // empty HealthCheckRequest
  grpc::Slice empty("");
  req = grpc::ByteBuffer(&empty, 1);
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  generic.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &req, &resp,
                    [&](grpc::Status s) {
                      std::lock_guard<std::mutex> lock(mu);
                      status = s;
                      done = true;
                      cv.notify_one();
                    });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  resp.Dump(&slices);
  std::string bytes;
  for (auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));  // status: SERVING
}

}  // namespace
}  // namespace oauthd::testing
