// How oauthd identifies callers (spec §7) and what every response carries, over gRPC with the real
// binary.
#include <arpa/inet.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/mattermost_id.h"
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
  EXPECT_EQ(CreateWith(Metadata().Add("cookie", cookie).Add("x-csrf-token", "wrong")).http_status(),
            401);
  EXPECT_TRUE(CreateWith(Metadata().Add("cookie", cookie).Add("x-csrf-token", admin_.csrf)).ok());
  EXPECT_TRUE(
      CreateWith(Metadata().Add("cookie", cookie).Add("x-requested-with", "XMLHttpRequest")).ok());
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
  EXPECT_EQ(ListWith(Metadata().Bearer(NewId())).app_error.id(),
            "api.context.session_expired.app_error");
  SeededUser gone = SeedUser(db().pool(), "system_user system_admin");
  db().Exec("UPDATE Users SET DeleteAt = 1 WHERE Id = '" + gone.id + "'");
  EXPECT_EQ(ListWith(Metadata().Bearer(gone.token)).http_status(), 401);
  // A session whose user row no longer exists at all (the session and user are read together).
  const std::string orphan = SeedSession(db().pool(), NewId(), "system_user system_admin", 0);
  auto o = ListWith(Metadata().Bearer(orphan));
  EXPECT_EQ(o.http_status(), 401) << o.Describe();
  EXPECT_EQ(o.app_error.id(), "api.context.session_expired.app_error");
}

TEST_F(IdentityTest, AccessTokenInTheQueryOnlyForOAuthSessions) {
  const std::string oauth_token =
      SeedSession(db().pool(), admin_.id, "system_user system_admin", 0, true);
  auto ok =
      ListWith(Metadata().Add("x-original-uri", "/api/v4/oauth/apps?access_token=" + oauth_token));
  EXPECT_TRUE(ok.ok()) << ok.Describe();
  auto bad = ListWith(
      Metadata().Add("x-original-uri", "/api/v4/oauth/apps?page=0&access_token=" + admin_.token));
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
  auto r = Call(apps_.get(), &OAuthApps::Stub::CreateOAuthApp, ValidCreate(), &app,
                Metadata().Bearer(user_.token));
  EXPECT_EQ(r.app_error.detailed_error(),
            absl::StrCat("userId=", user_.id, ", permission=manage_oauth"));
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

namespace oauthd::testing {
namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return "";
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
  send(fd, req.data(), req.size(), 0);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

class ObservabilityTest : public ServerTest {
 protected:
  std::vector<std::string> ExtraFlags() override {
    metrics_port_ = FreePort();
    return {"--metrics-listen=127.0.0.1:" + std::to_string(metrics_port_)};
  }
  int metrics_port_ = 0;
};

TEST_F(ObservabilityTest, MetricsAndOneLogLinePerCall) {
  oauthd::v1::OAuthAppList list;
  auto r = Call(apps_.get(), &oauthd::v1::OAuthApps::Stub::GetOAuthApps,
                oauthd::v1::GetOAuthAppsRequest(), &list,
                Metadata().Bearer(admin_.token).Add("x-request-id", "metrics-req-1"));
  ASSERT_TRUE(r.ok()) << r.Describe();
  Call(apps_.get(), &oauthd::v1::OAuthApps::Stub::GetOAuthApps, oauthd::v1::GetOAuthAppsRequest(),
       &list, Metadata().Bearer(user_.token));
  const std::string metrics = HttpGet(metrics_port_, "/metrics");
  EXPECT_NE(metrics.find("HTTP/1.1 200"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("oauthd_requests_total{method=\"GetOAuthApps\",code=\"200\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("oauthd_requests_total{method=\"GetOAuthApps\",code=\"403\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.find("oauthd_request_duration_seconds_count{method=\"GetOAuthApps\"} 2"),
            std::string::npos);
  EXPECT_NE(metrics.find("oauthd_db_pool_connections{state=\"max\"} 8"), std::string::npos);
  EXPECT_NE(HttpGet(metrics_port_, "/other").find("404"), std::string::npos);
  const std::string log = server_->Log();
  EXPECT_NE(log.find("\"request_id\":\"metrics-req-1\",\"method\":\"GetOAuthApps\",\"user_id\":\"" +
                     admin_.id + "\",\"status\":200"),
            std::string::npos)
      << log;
}

// GetOAuthApp for a caller whose session is cached is answered without a worker, from the
// non-blocking client's loop (bench/README.md, "the hand-off"). Every answer must equal the one the
// blocking path gives; the metric proves which path ran.
class NonBlockingGetTest : public ServerTest {
 protected:
  std::vector<std::string> ExtraFlags() override {
    metrics_port_ = FreePort();
    return {"--cache-ttl=60s", "--async-db-connections=2",
            "--metrics-listen=127.0.0.1:" + std::to_string(metrics_port_)};
  }
  int metrics_port_ = 0;
};

TEST_F(NonBlockingGetTest, AnswersAsTheBlockingPathDoes) {
  const OAuthApp mine = CreateApp(manager_, "mine");
  const OAuthApp theirs = CreateApp(manager2_, "theirs");
  auto blocking = StartServer({"--async-db-connections=0"});
  auto blocking_apps = AppsStub(*blocking);
  // Warm the session cache of every caller with a call that does not use the loop.
  OAuthAppList list;
  for (const SeededUser* u : {&admin_, &manager_, &user_}) {
    Call(apps_.get(), &OAuthApps::Stub::GetOAuthApps, GetOAuthAppsRequest(), &list,
         Metadata().Bearer(u->token));
  }
  struct Case {
    const SeededUser* who;
    std::string app_id;
    int http;
  };
  const Case cases[] = {
      {&manager_, mine.id(), 200}, {&manager_, theirs.id(), 403}, {&admin_, theirs.id(), 200},
      {&user_, mine.id(), 403},    {&manager_, "junk", 400},      {&manager_, NewId(), 404},
  };
  for (const Case& c : cases) {
    OAuthAppIdRequest req;
    req.set_app_id(c.app_id);
    for (int round = 0; round < 2; ++round) {
      OAuthApp fast, slow;
      const CallResult f = Call(apps_.get(), &OAuthApps::Stub::GetOAuthApp, req, &fast,
                                Metadata().Bearer(c.who->token));
      const CallResult s = Call(blocking_apps.get(), &OAuthApps::Stub::GetOAuthApp, req, &slow,
                                Metadata().Bearer(c.who->token));
      EXPECT_EQ(f.http_status(), c.http) << c.app_id << ": " << f.Describe();
      EXPECT_EQ(s.http_status(), c.http) << c.app_id << ": " << s.Describe();
      EXPECT_EQ(fast.SerializeAsString(), slow.SerializeAsString()) << c.app_id;
      EXPECT_EQ(f.app_error.id(), s.app_error.id()) << c.app_id;
      EXPECT_EQ(f.app_error.message(), s.app_error.message()) << c.app_id;
    }
  }
  OAuthApp none;
  EXPECT_APP_ERROR(
      Call(apps_.get(), &OAuthApps::Stub::GetOAuthApp, OAuthAppIdRequest(), &none, Metadata()), 401,
      "api.context.session_expired.app_error");
  // Four cases reach the database (200, 403 after loading, 200, 404), twice each.
  const std::string metrics = HttpGet(metrics_port_, "/metrics");
  EXPECT_NE(metrics.find("oauthd_db_async_queries_total{outcome=\"answered\"} 8"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("oauthd_db_async_queries_total{outcome=\"unavailable\"} 0"),
            std::string::npos);
  // No token was issued: no write batch either.
  EXPECT_NE(metrics.find("oauthd_token_write_batches_total{outcome=\"written\"} 0"),
            std::string::npos);
  EXPECT_NE(metrics.find("oauthd_token_writes_batched_total 0"), std::string::npos);
  EXPECT_NE(metrics.find("oauthd_token_reads_batched_total 0"), std::string::npos);
}

}  // namespace
}  // namespace oauthd::testing
