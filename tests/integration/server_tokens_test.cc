// RFC 7662 introspection and RFC 7009 revocation over gRPC against the real oauthd and MariaDB: who
// may learn what, every way a token stops being active, client authentication (Basic, in the body,
// refused), the failure limit, revocation across two oauthd processes, and the audit lines.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/mattermost_id.h"
#include "oauthd/v1/tokens.grpc.pb.h"
#include "tests/lib/flow_fixture.h"

namespace oauthd::testing {
namespace {

using oauthd::v1::AccessTokenResponse;
using oauthd::v1::IntrospectionResponse;
using oauthd::v1::OAuthApp;
using oauthd::v1::OAuthApps;
using oauthd::v1::RevocationResponse;
using oauthd::v1::TokenRequest;
using oauthd::v1::Tokens;

std::string Basic(const std::string& id, const std::string& secret) {
  return "Basic " + absl::Base64Escape(id + ":" + secret);
}

class TokensTest : public FlowTest {
 protected:
  std::vector<std::string> ExtraFlags() override {
    return {absl::StrCat("--audit-log=", audit_path_), "--client-auth-failure-rate=0.01",
            "--client-auth-failure-burst=3"};
  }
  void SetUp() override {
    audit_path_ = absl::StrCat(::testing::TempDir(), "/oauthd-audit-", NewId());
    FlowTest::SetUp();
    tokens_ = Tokens::NewStub(channel_);
  }

  // A request as a client sends it over HTTP: the form in the body, credentials in the form
  // (client_secret_post) unless `basic` names them.
  TokenRequest FormFor(const std::string& token, const OAuthApp& as, const std::string& hint = "",
                       bool in_body = true) {
    TokenRequest req;
    req.mutable_body()->set_content_type("application/x-www-form-urlencoded");
    std::string body = absl::StrCat("token=", token);
    if (!hint.empty()) absl::StrAppend(&body, "&token_type_hint=", hint);
    if (in_body) {
      absl::StrAppend(&body, "&client_id=", as.id());
      if (!as.client_secret().empty())
        absl::StrAppend(&body, "&client_secret=", as.client_secret());
    }
    req.mutable_body()->set_data(body);
    return req;
  }
  CallResult Introspect(const TokenRequest& req, IntrospectionResponse* out,
                        const Metadata& md = {}, Tokens::Stub* stub = nullptr) {
    return Call(stub ? stub : tokens_.get(), &Tokens::Stub::IntrospectToken, req, out, md);
  }
  IntrospectionResponse Check(const std::string& token, const OAuthApp& as,
                              const std::string& hint = "") {
    IntrospectionResponse out;
    auto r = Introspect(FormFor(token, as, hint), &out);
    EXPECT_TRUE(r.ok()) << r.Describe();
    return out;
  }
  CallResult Revoke(const TokenRequest& req, const Metadata& md = {},
                    Tokens::Stub* stub = nullptr) {
    RevocationResponse out;
    return Call(stub ? stub : tokens_.get(), &Tokens::Stub::RevokeToken, req, &out, md);
  }
  AccessTokenResponse Grant(const OAuthApp& app, const SeededUser& who,
                            const std::string& resource = "") {
    auto req = Request(app);
    if (!resource.empty()) req.set_resource(resource);
    AccessTokenResponse tok;
    Form form = {{"grant_type", "authorization_code"},
                 {"client_id", app.id()},
                 {"code", Code(req, who)},
                 {"redirect_uri", kCallback}};
    if (!app.client_secret().empty()) form.emplace_back("client_secret", app.client_secret());
    if (!resource.empty()) form.emplace_back("resource", resource);
    auto r = Token(form, &tok);
    EXPECT_TRUE(r.ok()) << r.Describe();
    return tok;
  }
  CallResult SetResourceServer(const SeededUser& who, const std::string& app_id, bool on) {
    oauthd::v1::SetOAuthAppResourceServerRequest req;
    req.set_app_id(app_id);
    req.set_is_resource_server(on);
    OAuthApp out;
    return Call(apps_.get(), &OAuthApps::Stub::SetOAuthAppResourceServer, req, &out,
                Metadata().Bearer(who.token));
  }
  void TearDown() override {
    tokens_.reset();  // its channel too, before the server stops
    FlowTest::TearDown();
    std::remove(audit_path_.c_str());  // the server has stopped writing it
  }
  std::string AuditLog() {
    std::ifstream in(audit_path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string audit_path_;
  std::unique_ptr<Tokens::Stub> tokens_;
};

// The same answers on the worker path (the non-blocking database client off) as on the loop.
class TokensOnWorkersTest : public TokensTest {
 protected:
  std::vector<std::string> ExtraFlags() override {
    auto flags = TokensTest::ExtraFlags();
    flags.push_back("--async-db-connections=0");
    return flags;
  }
};

TEST_F(TokensOnWorkersTest, IntrospectionAndRevocationWithoutTheNonBlockingClient) {
  OAuthApp app = NewApp(), other = NewApp();
  AccessTokenResponse tok = Grant(app, user_);
  EXPECT_TRUE(Check(tok.access_token(), app).active());
  EXPECT_TRUE(Check(tok.refresh_token(), app).active());
  EXPECT_FALSE(Check(tok.access_token(), other).active());
  OAuthApp wrong = app;
  wrong.set_client_secret("nope");
  IntrospectionResponse out;
  EXPECT_EQ(Introspect(FormFor(tok.access_token(), wrong), &out).http_status(), 401);
  ASSERT_TRUE(Revoke(FormFor(tok.refresh_token(), app)).ok());
  EXPECT_FALSE(Check(tok.access_token(), app).active());
}

TEST_F(TokensTest, IntrospectionDescribesTheClientsOwnTokens) {
  OAuthApp app = NewApp();
  const int64_t before = absl::ToUnixSeconds(absl::Now());
  AccessTokenResponse tok = Grant(app, user_, "https://api.example.com");
  IntrospectionResponse a = Check(tok.access_token(), app);
  EXPECT_TRUE(a.active());
  EXPECT_EQ(a.client_id(), app.id());
  EXPECT_EQ(a.sub(), user_.id);
  EXPECT_FALSE(a.username().empty());
  EXPECT_EQ(a.scope(), "user");
  EXPECT_EQ(a.token_type(), "bearer");
  EXPECT_EQ(a.aud(), "https://api.example.com");
  EXPECT_EQ(a.iss(), "https://chat.example.com");
  EXPECT_GE(a.iat(), before);
  EXPECT_NEAR(a.exp(), a.iat() + tok.expires_in(), 2);
  // The refresh token describes the same grant, and never expires.
  IntrospectionResponse r = Check(tok.refresh_token(), app, "refresh_token");
  EXPECT_TRUE(r.active());
  EXPECT_EQ(r.token_type(), "refresh_token");
  EXPECT_FALSE(r.has_exp());
  EXPECT_EQ(r.client_id(), app.id());
  // A wrong hint only costs a second lookup.
  EXPECT_TRUE(Check(tok.refresh_token(), app, "access_token").active());
  EXPECT_TRUE(Check(tok.access_token(), app, "refresh_token").active());
  // HTTP Basic works as well as the body.
  IntrospectionResponse basic;
  auto res = Introspect(FormFor(tok.access_token(), app, "", /*in_body=*/false), &basic,
                        Metadata().Add("authorization", Basic(app.id(), app.client_secret())));
  ASSERT_TRUE(res.ok()) << res.Describe();
  EXPECT_TRUE(basic.active());
  // A gRPC caller may set the fields instead of a form.
  TokenRequest fields;
  fields.set_token(tok.access_token());
  fields.set_client_id(app.id());
  fields.set_client_secret(app.client_secret());
  IntrospectionResponse by_fields;
  ASSERT_TRUE(Introspect(fields, &by_fields).ok());
  EXPECT_TRUE(by_fields.active());
}

// Only {"active": false} for anything that is not a live token the caller may learn about: unknown,
// another letter case, expired, revoked by deauthorize, its user deactivated, its app deleted,
// another client's; a resource server learns about every client's tokens.
TEST_F(TokensTest, InactiveTokensAndWhoMayLearnWhat) {
  OAuthApp app = NewApp(), other = NewApp(), api = NewApp();
  AccessTokenResponse tok = Grant(app, user_);
  const auto inactive = [](const IntrospectionResponse& r) {
    IntrospectionResponse empty;
    empty.set_active(false);
    return r.SerializeAsString() == empty.SerializeAsString();
  };
  EXPECT_TRUE(inactive(Check(NewId(), app)));
  EXPECT_TRUE(inactive(Check(absl::AsciiStrToUpper(tok.access_token()), app)));
  EXPECT_TRUE(inactive(Check(tok.access_token(), other)));  // not other's token
  EXPECT_TRUE(inactive(Check(tok.refresh_token(), other)));
  EXPECT_TRUE(inactive(Check(tok.access_token(), api)));
  ASSERT_TRUE(SetResourceServer(admin_, api.id(), true).ok());
  EXPECT_TRUE(Check(tok.access_token(), api).active());  // a resource server sees everyone's
  EXPECT_TRUE(Check(tok.refresh_token(), api).active());
  // The refusal is audited, with no token in the line.
  const std::string audit = AuditLog();
  EXPECT_NE(audit.find(absl::StrCat("\"audit\":\"oauth.introspect\",\"actor_type\":\"client\","
                                    "\"actor\":\"",
                                    other.id(), "\"")),
            std::string::npos)
      << audit;
  EXPECT_NE(audit.find("\"outcome\":\"refused\",\"status\":200,\"error\":\"not_permitted\""),
            std::string::npos)
      << audit;
  EXPECT_EQ(audit.find(tok.access_token()), std::string::npos);

  db().Exec(
      absl::StrCat("UPDATE Sessions SET ExpiresAt = 1 WHERE Token = '", tok.access_token(), "'"));
  EXPECT_TRUE(inactive(Check(tok.access_token(), app)));
  EXPECT_TRUE(Check(tok.refresh_token(), app).active());  // refresh tokens do not expire
  db().Exec(absl::StrCat("UPDATE Users SET DeleteAt = 5 WHERE Id = '", user_.id, "'"));
  EXPECT_TRUE(inactive(Check(tok.refresh_token(), app)));
  db().Exec(absl::StrCat("UPDATE Users SET DeleteAt = 0 WHERE Id = '", user_.id, "'"));

  AccessTokenResponse second = Grant(app, manager_);
  ASSERT_TRUE(Deauthorize(manager_, app.id()).ok());
  EXPECT_TRUE(inactive(Check(second.access_token(), app)));
  EXPECT_TRUE(inactive(Check(second.refresh_token(), app)));

  AccessTokenResponse third = Grant(other, manager_);
  oauthd::v1::OAuthAppIdRequest del;
  del.set_app_id(other.id());
  oauthd::v1::StatusOK ok;
  ASSERT_TRUE(
      Call(apps_.get(), &OAuthApps::Stub::DeleteOAuthApp, del, &ok, Metadata().Bearer(admin_.token))
          .ok());
  EXPECT_TRUE(inactive(Check(third.access_token(), api)));
}

// Client authentication: 401 invalid_client with a challenge for a wrong or missing secret, an
// unknown client, a public client (introspection needs a secret) or no credentials at all (never
// anonymous, over gRPC too); 400 for two methods at once; and past the failure limit, 429 for
// anything from that address.
TEST_F(TokensTest, ClientAuthenticationAndItsFailureLimit) {
  OAuthApp app = NewApp(), pub = NewApp(/*is_public=*/true);
  AccessTokenResponse tok = Grant(app, user_);
  IntrospectionResponse out;
  auto expect_401 = [&](const CallResult& r) {
    EXPECT_EQ(r.http_status(), 401) << r.Describe();
    EXPECT_TRUE(r.has_oauth_error) << r.Describe();
    EXPECT_EQ(r.oauth_error.error(), "invalid_client") << r.Describe();
    EXPECT_EQ(r.Header("www-authenticate"), "Basic realm=\"oauthd\"");
  };
  // Both methods at once: invalid_request (not a failed authentication: it is not counted).
  auto both = Introspect(FormFor(tok.access_token(), app), &out,
                         Metadata().Add("authorization", Basic(app.id(), app.client_secret())));
  EXPECT_EQ(both.http_status(), 400) << both.Describe();
  EXPECT_EQ(both.oauth_error.error(), "invalid_request");
  OAuthApp wrong = app;
  wrong.set_client_secret("not-the-secret");
  expect_401(Introspect(FormFor(tok.access_token(), wrong), &out));
  expect_401(Introspect(FormFor(tok.access_token(), pub), &out));
  TokenRequest anonymous;
  anonymous.set_token(tok.access_token());
  expect_401(Introspect(anonymous, &out));
  // Three failures spent the allowance (burst 3): now even the right secret waits.
  auto limited = Introspect(FormFor(tok.access_token(), app), &out);
  EXPECT_EQ(limited.http_status(), 429) << limited.Describe();
  EXPECT_FALSE(limited.Header("retry-after").empty());
  auto revoke_limited = Revoke(FormFor(tok.access_token(), app));
  EXPECT_EQ(revoke_limited.http_status(), 429);
}

TEST_F(TokensTest, RevokingEndsTheWholeGrantOnEveryServer) {
  auto second = StartServer(ExtraFlags());
  auto other_server =
      Tokens::NewStub(grpc::CreateChannel(second->target(), grpc::InsecureChannelCredentials()));
  auto other_flow = oauthd::v1::Authorization::NewStub(
      grpc::CreateChannel(second->target(), grpc::InsecureChannelCredentials()));
  OAuthApp app = NewApp(), other = NewApp();

  // A refresh token revoked through the second server: its access token fails on the first at once.
  AccessTokenResponse tok = Grant(app, user_);
  ASSERT_TRUE(Revoke(FormFor(tok.refresh_token(), app), {}, other_server.get()).ok());
  EXPECT_EQ(UseToken(tok.access_token()), 401);
  EXPECT_FALSE(Check(tok.access_token(), app).active());
  EXPECT_FALSE(Check(tok.refresh_token(), app).active());
  EXPECT_TOKEN_ERROR(Refresh(app, tok.refresh_token()), 404,
                     "api.oauth.get_access_token.refresh_token.app_error", "invalid_grant");

  // An access token: its refresh token goes with it.
  tok = Grant(app, user_);
  ASSERT_TRUE(Revoke(FormFor(tok.access_token(), app, "access_token")).ok());
  EXPECT_TOKEN_ERROR(Refresh(app, tok.refresh_token(), nullptr, other_flow.get()), 404,
                     "api.oauth.get_access_token.refresh_token.app_error", "invalid_grant");

  // Unknown and already revoked tokens answer 200; another client's token answers 200 and stays.
  EXPECT_TRUE(Revoke(FormFor(NewId(), app)).ok());
  EXPECT_TRUE(Revoke(FormFor(tok.access_token(), app)).ok());
  AccessTokenResponse others = Grant(other, user_);
  EXPECT_TRUE(Revoke(FormFor(others.refresh_token(), app)).ok());
  EXPECT_TRUE(Check(others.access_token(), other).active());
  EXPECT_EQ(UseToken(others.access_token()), 200);
  // A wrong secret is refused.
  OAuthApp wrong = other;
  wrong.set_client_secret("nope");
  EXPECT_EQ(Revoke(FormFor(others.access_token(), wrong)).http_status(), 401);
  EXPECT_EQ(UseToken(others.access_token()), 200);

  // A public client revokes its own token with its client_id alone.
  OAuthApp pub = NewApp(/*is_public=*/true);
  auto req = Request(pub);
  req.set_code_challenge(kChallenge);
  req.set_code_challenge_method("S256");
  AccessTokenResponse pub_tok;
  ASSERT_TRUE(CodeToken(pub, Code(req, user_), &pub_tok, kVerifier).ok());
  ASSERT_EQ(UseToken(pub_tok.access_token()), 200);
  ASSERT_TRUE(Revoke(FormFor(pub_tok.access_token(), pub)).ok());
  EXPECT_EQ(UseToken(pub_tok.access_token()), 401);

  // One audit line per revocation: revoked, unknown, refused; never a token.
  const std::string audit = AuditLog();
  EXPECT_NE(audit.find("\"audit\":\"oauth.revoke\",\"actor_type\":\"client\""), std::string::npos);
  EXPECT_NE(audit.find("\"outcome\":\"refused\",\"status\":200,\"error\":\"unknown_token\""),
            std::string::npos)
      << audit;
  EXPECT_NE(audit.find("\"outcome\":\"refused\",\"status\":200,\"error\":\"not_permitted\""),
            std::string::npos)
      << audit;
  EXPECT_NE(audit.find("\"outcome\":\"failure\",\"status\":401,\"error\":\"invalid_client\""),
            std::string::npos)
      << audit;
  EXPECT_EQ(audit.find(tok.refresh_token()), std::string::npos);
  EXPECT_EQ(audit.find(others.access_token()), std::string::npos);
}

TEST_F(TokensTest, OnlyASystemAdminMarksAResourceServer) {
  OAuthApp app = NewApp();
  EXPECT_APP_ERROR(SetResourceServer(manager_, app.id(), true), 403,
                   "api.context.permissions.app_error");
  EXPECT_APP_ERROR(SetResourceServer(admin_, "junk", true), 400,
                   "api.context.invalid_url_param.app_error");
  EXPECT_APP_ERROR(SetResourceServer(admin_, NewId(), true), 404,
                   "app.oauth.get_app.find.app_error");
  oauthd::v1::SetOAuthAppResourceServerRequest req;
  req.set_app_id(app.id());
  req.set_is_resource_server(true);
  OAuthApp out;
  ASSERT_TRUE(Call(apps_.get(), &OAuthApps::Stub::SetOAuthAppResourceServer, req, &out,
                   Metadata().Bearer(admin_.token))
                  .ok());
  EXPECT_TRUE(out.is_resource_server());
  req.set_is_resource_server(false);
  ASSERT_TRUE(Call(apps_.get(), &OAuthApps::Stub::SetOAuthAppResourceServer, req, &out,
                   Metadata().Bearer(admin_.token))
                  .ok());
  EXPECT_FALSE(out.has_is_resource_server());  // printed only when true
}

}  // namespace
}  // namespace oauthd::testing
