#include "tests/lib/flow_fixture.h"

#include "absl/strings/str_cat.h"
#include "server/model/url_encoding.h"

namespace oauthd::testing {

using oauthd::v1::AccessTokenRequest;
using oauthd::v1::AccessTokenResponse;
using oauthd::v1::Authorization;
using oauthd::v1::AuthorizePostRequest;
using oauthd::v1::AuthorizeRequest;
using oauthd::v1::AuthorizeResponse;
using oauthd::v1::OAuthApp;
using oauthd::v1::OAuthApps;

std::map<std::string, std::string> QueryOf(const std::string& url) {
  std::map<std::string, std::string> out;
  size_t q = url.find('?');
  if (q == std::string::npos) return out;
  std::string query = url.substr(
      q + 1, url.find('#') == std::string::npos ? std::string::npos : url.find('#') - q - 1);
  model::ParseForm(query, &out);
  return out;
}

OAuthApp FlowTest::NewApp(bool is_public, bool trusted) {
  auto req = ValidCreate("Flow app");
  req.clear_callback_urls();
  req.add_callback_urls(kCallback);
  req.set_is_public(is_public);
  req.set_is_trusted(trusted);
  OAuthApp app;
  auto r = Call(apps_.get(), &OAuthApps::Stub::CreateOAuthApp, req, &app,
                Metadata().Bearer(admin_.token));
  EXPECT_TRUE(r.ok()) << r.Describe();
  return app;
}

AuthorizeRequest FlowTest::Request(const OAuthApp& app, const std::string& state) {
  AuthorizeRequest r;
  r.set_response_type("code");
  r.set_client_id(app.id());
  r.set_redirect_uri(kCallback);
  r.set_state(state);
  return r;
}

CallResult FlowTest::Authorize(const AuthorizeRequest& req, const Metadata& md,
                               std::string* redirect) {
  AuthorizePostRequest post;
  *post.mutable_request() = req;
  AuthorizeResponse resp;
  auto r = Call(flow_.get(), &Authorization::Stub::Authorize, post, &resp, md);
  if (redirect) *redirect = resp.redirect();
  return r;
}

std::string FlowTest::Code(const AuthorizeRequest& req, const SeededUser& who) {
  std::string redirect;
  auto r = Authorize(req, Metadata().Bearer(who.token), &redirect);
  EXPECT_TRUE(r.ok()) << r.Describe();
  return QueryOf(redirect)["code"];
}

CallResult FlowTest::Token(const Form& form, AccessTokenResponse* out, Authorization::Stub* flow) {
  AccessTokenRequest req;
  req.mutable_body()->set_content_type("application/x-www-form-urlencoded");
  std::string body;
  for (const auto& [k, v] : form)
    absl::StrAppend(&body, body.empty() ? "" : "&", k, "=", model::QueryEscape(v));
  req.mutable_body()->set_data(body);
  AccessTokenResponse tmp;
  return Call(flow ? flow : flow_.get(), &Authorization::Stub::AccessToken, req, out ? out : &tmp);
}

CallResult FlowTest::CodeToken(const OAuthApp& app, const std::string& code,
                               AccessTokenResponse* out, const std::string& verifier) {
  Form form = {{"grant_type", "authorization_code"},
               {"client_id", app.id()},
               {"code", code},
               {"redirect_uri", kCallback}};
  if (!app.client_secret().empty()) form.emplace_back("client_secret", app.client_secret());
  if (!verifier.empty()) form.emplace_back("code_verifier", verifier);
  return Token(form, out);
}

CallResult FlowTest::Refresh(const OAuthApp& app, const std::string& refresh_token,
                             AccessTokenResponse* out, Authorization::Stub* flow) {
  return Token({{"grant_type", "refresh_token"},
                {"client_id", app.id()},
                {"client_secret", app.client_secret()},
                {"refresh_token", refresh_token}},
               out, flow);
}

CallResult FlowTest::Deauthorize(const SeededUser& who, const std::string& client_id) {
  oauthd::v1::DeauthorizeRequest req;
  req.set_client_id(client_id);
  oauthd::v1::StatusOK ok;
  return Call(flow_.get(), &Authorization::Stub::Deauthorize, req, &ok,
              Metadata().Bearer(who.token));
}

int FlowTest::UseToken(const std::string& token, oauthd::v1::OAuthAppList* out) {
  oauthd::v1::GetAuthorizedOAuthAppsRequest req;
  req.set_user_id("me");
  oauthd::v1::OAuthAppList tmp;
  return Call(apps_.get(), &OAuthApps::Stub::GetAuthorizedOAuthAppsForUser, req, out ? out : &tmp,
              Metadata().Bearer(token))
      .http_status();
}

}  // namespace oauthd::testing
