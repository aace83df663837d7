// The authorization flow over gRPC against the real oauthd and MariaDB (spec §6): codes, PKCE,
// tokens, refresh, deauthorization, the browser page's redirects and every flow error id.
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/mattermost_id.h"
#include "server/model/url_encoding.h"
#include "tests/lib/flow_fixture.h"

namespace oauthd::testing {
namespace {

using oauthd::v1::AccessTokenRequest;
using oauthd::v1::AccessTokenResponse;
using oauthd::v1::Authorization;
using oauthd::v1::AuthorizePostRequest;
using oauthd::v1::AuthorizeRequest;
using oauthd::v1::AuthorizeResponse;
using oauthd::v1::OAuthApp;
using oauthd::v1::OAuthAppList;
using oauthd::v1::OAuthApps;

TEST_F(FlowTest, ConfidentialCodeFlow) {
  OAuthApp app = NewApp();
  std::string redirect;
  auto r = Authorize(Request(app), Metadata().Bearer(user_.token), &redirect);
  ASSERT_TRUE(r.ok()) << r.Describe();
  // The code joins the callback's own query; state comes back exactly.
  ASSERT_EQ(redirect.rfind("https://client.example.com/cb?keep=1&code=", 0), 0u) << redirect;
  auto q = QueryOf(redirect);
  EXPECT_EQ(q["keep"], "1");
  EXPECT_EQ(q["state"], "xyz ä/&=");
  EXPECT_EQ(q["code"].size(), 52u);
  EXPECT_EQ(
      db().QueryInt("SELECT COUNT(*) FROM Preferences WHERE Category = 'oauth_app' AND UserId = '" +
                    user_.id + "' AND Name = '" + app.id() + "' AND Value = 'user'"),
      1);

  AccessTokenResponse tok;
  auto t = CodeToken(app, q["code"], &tok);
  ASSERT_TRUE(t.ok()) << t.Describe();
  EXPECT_EQ(tok.token_type(), "bearer");
  EXPECT_EQ(tok.access_token().size(), 26u);
  EXPECT_EQ(tok.refresh_token().size(), 26u);
  EXPECT_EQ(tok.expires_in(), 720 * 3600);
  // RFC 6749 §5.1: the granted scope; no member without a value (Mattermost sends id_token "").
  EXPECT_EQ(tok.scope(), "user");
  EXPECT_FALSE(tok.has_id_token());
  EXPECT_FALSE(tok.has_audience());
  EXPECT_EQ(t.Header("cache-control"), "no-store");
  EXPECT_EQ(t.Header("pragma"), "no-cache");

  // The token is a session: it authenticates /api/v4 calls, and the authorized list shows the app
  // sans secret.
  OAuthAppList list;
  ASSERT_EQ(UseToken(tok.access_token(), &list), 200);
  ASSERT_EQ(list.apps_size(), 1);
  EXPECT_EQ(list.apps(0).id(), app.id());
  EXPECT_EQ(list.apps(0).client_secret(), "");
  // ?access_token= works for it (and only for OAuth sessions; see IdentityTest).
  OAuthAppList via_query;
  oauthd::v1::GetAuthorizedOAuthAppsRequest me;
  me.set_user_id("me");
  EXPECT_TRUE(
      Call(apps_.get(), &OAuthApps::Stub::GetAuthorizedOAuthAppsForUser, me, &via_query,
           Metadata().Add("x-original-uri", "/api/v4/users/me/oauth/apps/authorized?access_token=" +
                                                tok.access_token()))
          .ok());

  // A code is single use.
  EXPECT_TOKEN_ERROR(CodeToken(app, q["code"]), 400,
                     "api.oauth.get_access_token.expired_code.app_error", "invalid_grant");
  // A new code for the same (user, client) while the token lives yields the same token.
  AccessTokenResponse again;
  ASSERT_TRUE(CodeToken(app, Code(Request(app), user_), &again).ok());
  EXPECT_EQ(again.access_token(), tok.access_token());
  EXPECT_LE(again.expires_in(), tok.expires_in());
}

TEST_F(FlowTest, PublicClientPkceFlow) {
  OAuthApp app = NewApp(/*is_public=*/true);
  ASSERT_EQ(app.client_secret(), "");
  EXPECT_APP_ERROR(Authorize(Request(app), Metadata().Bearer(user_.token)), 400,
                   "api.oauth.allow_oauth.pkce_required_public.app_error");
  AuthorizeRequest req = Request(app);
  req.set_code_challenge(kChallenge);
  req.set_code_challenge_method("S256");
  const std::string code = Code(req, user_);
  ASSERT_FALSE(code.empty());
  EXPECT_TOKEN_ERROR(CodeToken(app, code), 400,
                     "model.oauth.validate_grant.pkce_required.app_error", "invalid_request");
  EXPECT_TOKEN_ERROR(Token({{"grant_type", "authorization_code"},
                            {"client_id", app.id()},
                            {"code", code},
                            {"redirect_uri", kCallback},
                            {"client_secret", "x"},
                            {"code_verifier", kVerifier}}),
                     400, "model.oauth.validate_grant.public_client_secret.app_error",
                     "invalid_client");
  EXPECT_TOKEN_ERROR(CodeToken(app, code, nullptr, std::string(43, 'a')), 400,
                     "model.authorize.validate_pkce.verification_failed.app_error",
                     "invalid_grant");
  AccessTokenResponse tok;
  auto t = CodeToken(app, code, &tok, kVerifier);
  ASSERT_TRUE(t.ok()) << t.Describe();
  EXPECT_FALSE(tok.has_refresh_token());  // public clients cannot refresh: no member at all
  EXPECT_EQ(UseToken(tok.access_token()), 200);
  EXPECT_TOKEN_ERROR(
      Token({{"grant_type", "refresh_token"}, {"client_id", app.id()}, {"refresh_token", "x"}}),
      400, "model.oauth.validate_grant.public_client_refresh_token.app_error",
      "unauthorized_client");
  // plain is refused at authorization.
  req.set_code_challenge_method("plain");
  EXPECT_APP_ERROR(Authorize(req, Metadata().Bearer(user_.token)), 400,
                   "model.authorize.is_valid.code_challenge_method.unsupported.app_error");
}

TEST_F(FlowTest, ConfidentialClientWithPkce) {
  OAuthApp app = NewApp();
  AuthorizeRequest req = Request(app);
  req.set_code_challenge(kChallenge);
  req.set_code_challenge_method("S256");
  const std::string code = Code(req, user_);
  EXPECT_TOKEN_ERROR(CodeToken(app, code), 400,
                     "model.authorize.validate_pkce.verifier_required.app_error",
                     "invalid_request");
  EXPECT_TRUE(CodeToken(app, code, nullptr, kVerifier).ok());
  // A verifier for a code made without PKCE is refused.
  EXPECT_TOKEN_ERROR(CodeToken(app, Code(Request(app), manager_), nullptr, kVerifier), 400,
                     "model.authorize.validate_pkce.not_used_in_auth.app_error", "invalid_grant");
}

TEST_F(FlowTest, RefreshRotationTwice) {
  OAuthApp app = NewApp();
  AccessTokenResponse first;
  ASSERT_TRUE(CodeToken(app, Code(Request(app), user_), &first).ok());
  auto refresh = [&](const std::string& rt, AccessTokenResponse* out) {
    return Token({{"grant_type", "refresh_token"},
                  {"client_id", app.id()},
                  {"client_secret", app.client_secret()},
                  {"refresh_token", rt}},
                 out);
  };
  AccessTokenResponse second, third;
  auto r2 = refresh(first.refresh_token(), &second);
  ASSERT_TRUE(r2.ok()) << r2.Describe();
  EXPECT_NE(second.access_token(), first.access_token());
  EXPECT_NE(second.refresh_token(), first.refresh_token());
  EXPECT_EQ(UseToken(first.access_token()), 401);  // the old session is gone
  EXPECT_EQ(UseToken(second.access_token()), 200);
  EXPECT_TOKEN_ERROR(refresh(first.refresh_token(), nullptr), 404,
                     "api.oauth.get_access_token.refresh_token.app_error", "invalid_grant");
  ASSERT_TRUE(refresh(second.refresh_token(), &third).ok());
  EXPECT_NE(third.refresh_token(), second.refresh_token());
  EXPECT_EQ(UseToken(second.access_token()), 401);
  EXPECT_EQ(UseToken(third.access_token()), 200);
  EXPECT_EQ(
      db().QueryInt("SELECT COUNT(*) FROM OAuthAccessData WHERE ClientId = '" + app.id() + "'"), 1);
}

TEST_F(FlowTest, ExpiredCodeIsRefusedAndDeleted) {
  OAuthApp app = NewApp();
  const std::string code = Code(Request(app), user_);
  db().Exec("UPDATE OAuthAuthData SET CreateAt = CreateAt - 601000");
  EXPECT_TOKEN_ERROR(CodeToken(app, code), 403, "api.oauth.get_access_token.expired_code.app_error",
                     "invalid_grant");
  EXPECT_EQ(db().QueryInt("SELECT COUNT(*) FROM OAuthAuthData WHERE ClientId = '" + app.id() + "'"),
            0);
}

TEST_F(FlowTest, RedirectMismatch) {
  OAuthApp app = NewApp();
  AuthorizeRequest req = Request(app);
  req.set_redirect_uri(
      "https://client.example.com/cb");  // registered with ?keep=1: exact match only
  EXPECT_APP_ERROR(Authorize(req, Metadata().Bearer(user_.token)), 400,
                   "api.oauth.allow_oauth.redirect_callback.app_error");
  const std::string code = Code(Request(app), user_);
  EXPECT_TOKEN_ERROR(Token({{"grant_type", "authorization_code"},
                            {"client_id", app.id()},
                            {"client_secret", app.client_secret()},
                            {"code", code},
                            {"redirect_uri", "https://client.example.com/other"}}),
                     400, "api.oauth.get_access_token.redirect_uri.app_error", "invalid_grant");
  EXPECT_TRUE(CodeToken(app, code).ok());  // a failed attempt does not burn the code
}

TEST_F(FlowTest, DeauthorizeEndsTheGrant) {
  OAuthApp app = NewApp();
  AccessTokenResponse tok;
  ASSERT_TRUE(CodeToken(app, Code(Request(app), user_), &tok).ok());
  Code(Request(app), user_);  // a pending code too
  oauthd::v1::DeauthorizeRequest req;
  req.set_client_id(app.id());
  oauthd::v1::StatusOK ok;
  auto r = Call(flow_.get(), &Authorization::Stub::Deauthorize, req, &ok,
                Metadata().Bearer(user_.token));
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(ok.status(), "OK");
  EXPECT_EQ(UseToken(tok.access_token()), 401);
  OAuthAppList list;
  ASSERT_EQ(UseToken(user_.token, &list), 200);
  EXPECT_EQ(list.apps_size(), 0);
  EXPECT_EQ(db().QueryInt("SELECT COUNT(*) FROM OAuthAuthData WHERE ClientId = '" + app.id() + "'"),
            0);
  // Unknown but valid client: a no-op; a bad id: 400.
  req.set_client_id(NewId());
  EXPECT_TRUE(
      Call(flow_.get(), &Authorization::Stub::Deauthorize, req, &ok, Metadata().Bearer(user_.token))
          .ok());
  req.set_client_id("junk");
  EXPECT_APP_ERROR(Call(flow_.get(), &Authorization::Stub::Deauthorize, req, &ok,
                        Metadata().Bearer(user_.token)),
                   400, "api.context.invalid_body_param.app_error");
}

TEST_F(FlowTest, DeletedAppAndRegeneratedSecret) {
  OAuthApp app = NewApp();
  AccessTokenResponse tok;
  ASSERT_TRUE(CodeToken(app, Code(Request(app), user_), &tok).ok());
  // A regenerated secret stops the old one at once; issued tokens stay valid.
  const std::string code = Code(Request(app), user_);
  OAuthApp regen;
  oauthd::v1::OAuthAppIdRequest id;
  id.set_app_id(app.id());
  ASSERT_TRUE(Call(apps_.get(), &OAuthApps::Stub::RegenerateOAuthAppSecret, id, &regen,
                   Metadata().Bearer(admin_.token))
                  .ok());
  EXPECT_TOKEN_ERROR(CodeToken(app, code), 401, "model.oauth.validate_grant.credentials.app_error",
                     "invalid_client");
  EXPECT_TRUE(CodeToken(regen, code).ok());
  EXPECT_EQ(UseToken(tok.access_token()), 200);
  // Deleting the app ends its tokens.
  oauthd::v1::StatusOK ok;
  ASSERT_TRUE(
      Call(apps_.get(), &OAuthApps::Stub::DeleteOAuthApp, id, &ok, Metadata().Bearer(admin_.token))
          .ok());
  EXPECT_EQ(UseToken(tok.access_token()), 401);
}

TEST_F(FlowTest, TokenEndpointErrors) {
  OAuthApp app = NewApp();
  const std::string code = Code(Request(app), user_);
  auto base = [&](std::vector<std::pair<std::string, std::string>> extra) {
    std::vector<std::pair<std::string, std::string>> f = {{"grant_type", "authorization_code"},
                                                          {"client_id", app.id()},
                                                          {"client_secret", app.client_secret()},
                                                          {"redirect_uri", kCallback},
                                                          {"code", code}};
    for (auto& [k, v] : extra) {
      bool replaced = false;
      for (auto& kv : f) {
        if (kv.first == k) {
          kv.second = v;
          replaced = true;
        }
      }
      if (!replaced) f.emplace_back(k, v);
    }
    return f;
  };
  AccessTokenRequest raw;
  raw.mutable_body()->set_data("grant_type=%zz");
  AccessTokenResponse resp;
  EXPECT_TOKEN_ERROR(Call(flow_.get(), &Authorization::Stub::AccessToken, raw, &resp), 400,
                     "api.oauth.get_access_token.bad_request.app_error", "invalid_request");
  EXPECT_TOKEN_ERROR(Token(base({{"code", ""}})), 400,
                     "api.oauth.get_access_token.missing_code.app_error", "invalid_request");
  EXPECT_TOKEN_ERROR(Token(base({{"grant_type", "refresh_token"}})), 400,
                     "api.oauth.get_access_token.missing_refresh_token.app_error",
                     "invalid_request");
  EXPECT_TOKEN_ERROR(Token(base({{"grant_type", "password"}})), 400,
                     "api.oauth.get_access_token.bad_grant.app_error", "unsupported_grant_type");
  EXPECT_TOKEN_ERROR(Token(base({{"client_id", "junk"}})), 400,
                     "api.oauth.get_access_token.bad_client_id.app_error", "invalid_client");
  EXPECT_TOKEN_ERROR(Token(base({{"client_id", NewId()}})), 404,
                     "api.oauth.get_access_token.credentials.app_error", "invalid_client");
  EXPECT_TOKEN_ERROR(Token(base({{"client_secret", "wrong"}})), 401,
                     "model.oauth.validate_grant.credentials.app_error", "invalid_client");
  EXPECT_TOKEN_ERROR(Token(base({{"code", NewId() + NewId()}})), 400,
                     "api.oauth.get_access_token.expired_code.app_error", "invalid_grant");
  EXPECT_TOKEN_ERROR(Token(base({{"resource", "https://api.example.com"}})), 400,
                     "api.oauth.get_access_token.resource_mismatch.app_error", "invalid_target");
  // The user behind the code was deactivated, or is gone.
  db().Exec("UPDATE Users SET DeleteAt = 1 WHERE Id = '" + user_.id + "'");
  EXPECT_TOKEN_ERROR(Token(base({})), 403, "api.oauth.get_access_token.expired_code.app_error",
                     "invalid_grant");
  db().Exec("DELETE FROM Users WHERE Id = '" + user_.id + "'");
  EXPECT_TOKEN_ERROR(Token(base({})), 404, "api.oauth.get_access_token.internal_user.app_error",
                     "invalid_grant");
  auto off = StartServer({"--enable-oauth-service-provider=false"});
  auto stub = Authorization::NewStub(
      grpc::CreateChannel(off->target(), grpc::InsecureChannelCredentials()));
  AccessTokenRequest req;
  req.mutable_body()->set_data(
      absl::StrCat("grant_type=authorization_code&code=x&client_id=", app.id()));
  EXPECT_TOKEN_ERROR(Call(stub.get(), &Authorization::Stub::AccessToken, req, &resp), 501,
                     "api.oauth.get_access_token.disabled.app_error", "unauthorized_client");
}

TEST_F(FlowTest, TokenEndpointFailuresOfItsOwnAreServerError) {
  OAuthApp app = NewApp();
  const std::string code = Code(Request(app), user_);
  // Reads work, the write fails (a column without a default that the INSERT does not name).
  db().Exec("ALTER TABLE OAuthAccessData ADD COLUMN Unwritable int NOT NULL");
  auto r = CodeToken(app, code);
  db().Exec("ALTER TABLE OAuthAccessData DROP COLUMN Unwritable");
  EXPECT_TOKEN_ERROR(r, 500, "api.oauth.get_access_token.internal_saving.app_error",
                     "server_error");
  // The failed exchange rolled back whole: the code was not used up.
  EXPECT_TRUE(CodeToken(app, code).ok());
  const std::string unread = Code(Request(app), user_);
  db().Exec("RENAME TABLE OAuthAccessData TO OAuthAccessData_gone");
  auto unreadable = CodeToken(app, unread);
  db().Exec("RENAME TABLE OAuthAccessData_gone TO OAuthAccessData");
  EXPECT_TOKEN_ERROR(unreadable, 500, "app.internal_error", "server_error");
  // A code or refresh token the database cannot look up is not declared invalid: a client told
  // invalid_grant would throw it away.
  const std::string code2 = Code(Request(app), user_);
  db().Exec("RENAME TABLE OAuthAuthData TO OAuthAuthData_gone");
  EXPECT_TOKEN_ERROR(CodeToken(app, code2), 500, "app.internal_error", "server_error");
  db().Exec("RENAME TABLE OAuthAuthData_gone TO OAuthAuthData");
  db().Exec("RENAME TABLE OAuthAccessData TO OAuthAccessData_gone");
  EXPECT_TOKEN_ERROR(Token({{"grant_type", "refresh_token"},
                            {"client_id", app.id()},
                            {"client_secret", app.client_secret()},
                            {"refresh_token", NewId()}}),
                     500, "app.internal_error", "server_error");
  db().Exec("RENAME TABLE OAuthAccessData_gone TO OAuthAccessData");
}

TEST_F(FlowTest, ResourceBecomesTheAudience) {
  OAuthApp app = NewApp();
  AuthorizeRequest req = Request(app);
  req.set_resource("https://api.example.com/mcp");
  const std::string code = Code(req, user_);
  AccessTokenResponse tok;
  ASSERT_TRUE(Token({{"grant_type", "authorization_code"},
                     {"client_id", app.id()},
                     {"client_secret", app.client_secret()},
                     {"code", code},
                     {"redirect_uri", kCallback},
                     {"resource", "https://api.example.com/mcp"}},
                    &tok)
                  .ok());
  EXPECT_EQ(tok.audience(), "https://api.example.com/mcp");
}

TEST_F(FlowTest, AuthorizeErrorsAndResponseTypes) {
  OAuthApp app = NewApp();
  EXPECT_APP_ERROR(Authorize(Request(app), Metadata()), 401,
                   "api.context.session_expired.app_error");
  // No request at all (what a JSON `null` body becomes) is a bad body, as in Mattermost; an empty
  // one fails validation.
  AuthorizeResponse none;
  auto missing = Call(flow_.get(), &Authorization::Stub::Authorize, AuthorizePostRequest(), &none,
                      Metadata().Bearer(user_.token));
  EXPECT_APP_ERROR(missing, 400, "api.context.invalid_body_param.app_error");
  EXPECT_APP_ERROR(Authorize(AuthorizeRequest(), Metadata().Bearer(user_.token)), 400,
                   "model.authorize.is_valid.client_id.app_error");
  AuthorizeRequest bad = Request(app);
  bad.set_client_id("junk");
  auto invalid = Authorize(bad, Metadata().Bearer(user_.token));
  EXPECT_APP_ERROR(invalid, 400, "model.authorize.is_valid.client_id.app_error");
  // RFC 6749's members belong to the token endpoint only.
  EXPECT_FALSE(invalid.app_error.has_error());
  AuthorizeRequest unknown = Request(app);
  unknown.set_client_id(NewId());
  EXPECT_APP_ERROR(Authorize(unknown, Metadata().Bearer(user_.token)), 404,
                   "app.oauth.get_app.find.app_error");
  // An OAuth session cannot grant access to apps.
  const std::string oauth_session =
      SeedSession(db().pool(), user_.id, "system_user", 0, /*is_oauth=*/true);
  auto r = Authorize(Request(app), Metadata().Bearer(oauth_session));
  EXPECT_APP_ERROR(r, 403, "api.context.permissions.app_error");
  // Unsupported response types come back in the redirect, not as an error status.
  AuthorizeRequest other = Request(app, "st");
  other.set_response_type("id_token");
  std::string redirect;
  ASSERT_TRUE(Authorize(other, Metadata().Bearer(user_.token), &redirect).ok());
  EXPECT_EQ(redirect,
            "https://client.example.com/cb?keep=1&error=unsupported_response_type&state=st");
  // Implicit grant: the token in the fragment works.
  AuthorizeRequest implicit = Request(app, "st");
  implicit.set_response_type("token");
  ASSERT_TRUE(Authorize(implicit, Metadata().Bearer(user_.token), &redirect).ok());
  const size_t hash = redirect.find("#access_token=");
  ASSERT_NE(hash, std::string::npos) << redirect;
  std::map<std::string, std::string> fragment;
  model::ParseForm(redirect.substr(hash + 1), &fragment);
  EXPECT_EQ(fragment["token_type"], "bearer");
  EXPECT_EQ(fragment["state"], "st");
  EXPECT_EQ(UseToken(fragment["access_token"]), 200);
  // The provider switched off.
  auto off = StartServer({"--enable-oauth-service-provider=false"});
  auto stub = Authorization::NewStub(
      grpc::CreateChannel(off->target(), grpc::InsecureChannelCredentials()));
  AuthorizePostRequest post;
  *post.mutable_request() = Request(app);
  AuthorizeResponse resp;
  EXPECT_APP_ERROR(Call(stub.get(), &Authorization::Stub::Authorize, post, &resp,
                        Metadata().Bearer(user_.token)),
                   501, "api.oauth.allow_oauth.turn_off.app_error");
}

TEST_F(FlowTest, BrowserPageRedirectsAndPages) {
  OAuthApp app = NewApp();
  auto page = [&](const AuthorizeRequest& req, const Metadata& md, google::api::HttpBody* out) {
    return Call(flow_.get(), &Authorization::Stub::AuthorizePage, req, out, md);
  };
  google::api::HttpBody body;
  const std::string uri = "/oauth/authorize?response_type=code&client_id=" + app.id();
  // No session: to the login page, which comes back to the original URI.
  auto login = page(Request(app), Metadata().Add("x-original-uri", uri), &body);
  ASSERT_TRUE(login.ok()) << login.Describe();
  EXPECT_EQ(login.http_status(), 302);
  EXPECT_EQ(login.Header("location"),
            "https://chat.example.com/login?redirect_to=" + model::QueryEscape(uri));
  AuthorizeRequest saml = Request(app);
  saml.set_login_hint("saml");
  EXPECT_EQ(page(saml, Metadata().Add("x-original-uri", uri), &body).Header("location"),
            "https://chat.example.com/login/sso/saml?redirect_to=" + model::QueryEscape(uri));
  // With a session: the consent page, escaped, with its security headers and the session's CSRF
  // token.
  const Metadata browser = Metadata().Add("cookie", "MMAUTHTOKEN=" + user_.token);
  auto consent = page(Request(app, "<script>"), browser, &body);
  ASSERT_TRUE(consent.ok()) << consent.Describe();
  EXPECT_EQ(consent.http_status(), 200);
  EXPECT_EQ(body.content_type(), "text/html; charset=utf-8");
  EXPECT_NE(body.data().find("Flow app"), std::string::npos);
  EXPECT_EQ(body.data().find("<script>\""),
            std::string::npos);  // the state is escaped wherever it appears
  EXPECT_NE(body.data().find(user_.csrf), std::string::npos);
  EXPECT_NE(body.data().find("error=access_denied"), std::string::npos);
  // Who signs in, and the host the browser goes back to.
  EXPECT_NE(body.data().find("<strong id=\"account\">@u" + user_.id.substr(0, 12) + "</strong>"),
            std::string::npos);
  EXPECT_NE(body.data().find("<strong id=\"redirect-host\">client.example.com"
                             "</strong>"),
            std::string::npos);
  EXPECT_NE(consent.Header("content-security-policy").find("frame-ancestors 'none'"),
            std::string::npos);
  // Once authorized, the page goes straight back to the callback with a new code.
  Code(Request(app), user_);
  auto again = page(Request(app), browser, &body);
  EXPECT_EQ(again.http_status(), 302);
  EXPECT_NE(QueryOf(again.Header("location"))["code"], "");
  // A trusted app skips consent too.
  OAuthApp trusted = NewApp(false, /*trusted=*/true);
  auto t = page(Request(trusted), Metadata().Add("cookie", "MMAUTHTOKEN=" + manager_.token), &body);
  EXPECT_EQ(t.http_status(), 302);
  EXPECT_EQ(t.Header("location").rfind("https://client.example.com/cb?keep=1&code=", 0), 0u);
  // Errors are small HTML pages with the right status.
  AuthorizeRequest bad = Request(app);
  bad.set_redirect_uri("https://elsewhere.example.com/cb");
  auto mismatch = page(bad, browser, &body);
  EXPECT_EQ(mismatch.http_status(), 400);
  ASSERT_TRUE(mismatch.has_raw_error) << mismatch.Describe();
  EXPECT_EQ(mismatch.raw_error.content_type(), "text/html; charset=utf-8");
  EXPECT_NE(mismatch.raw_error.data().find("redirect URI"), std::string::npos);
  AuthorizeRequest unknown = Request(app);
  unknown.set_client_id(NewId());
  EXPECT_EQ(page(unknown, browser, &body).http_status(), 404);
  AuthorizeRequest invalid = Request(app);
  invalid.clear_response_type();
  EXPECT_EQ(page(invalid, browser, &body).http_status(), 400);
}

// The token endpoint runs on the non-blocking database client by default; without one
// (--async-db-connections=0) the same steps run on a worker with the blocking pool.
class FlowOnWorkersTest : public FlowTest {
 protected:
  std::vector<std::string> ExtraFlags() override { return {"--async-db-connections=0"}; }
};

TEST_F(FlowOnWorkersTest, CodeRepeatedCodeExpiredCodeAndRefreshWithoutTheNonBlockingClient) {
  OAuthApp app = NewApp();
  AccessTokenResponse first, repeated, refreshed;
  ASSERT_TRUE(CodeToken(app, Code(Request(app), user_), &first).ok());
  const std::string code = Code(Request(app), user_);
  auto again = CodeToken(app, code, &repeated);
  ASSERT_TRUE(again.ok()) << again.Describe();
  EXPECT_EQ(again.Header("cache-control"), "no-store");
  EXPECT_EQ(repeated.access_token(), first.access_token());  // Mattermost's repeated exchange
  EXPECT_TOKEN_ERROR(CodeToken(app, code), 400, "api.oauth.get_access_token.expired_code.app_error",
                     "invalid_grant");
  ASSERT_TRUE(Refresh(app, first.refresh_token(), &refreshed).ok());
  EXPECT_EQ(UseToken(first.access_token()), 401);
  EXPECT_EQ(UseToken(refreshed.access_token()), 200);
  EXPECT_TOKEN_ERROR(Refresh(app, first.refresh_token()), 404,
                     "api.oauth.get_access_token.refresh_token.app_error", "invalid_grant");
  const std::string expired = Code(Request(app), user_);
  db().Exec("UPDATE OAuthAuthData SET CreateAt = CreateAt - 601000");
  EXPECT_TOKEN_ERROR(CodeToken(app, expired), 403,
                     "api.oauth.get_access_token.expired_code.app_error", "invalid_grant");
  EXPECT_EQ(db().QueryInt("SELECT COUNT(*) FROM OAuthAuthData WHERE ClientId = '" + app.id() + "'"),
            0);
}

}  // namespace
}  // namespace oauthd::testing
