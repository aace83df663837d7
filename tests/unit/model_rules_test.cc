// The pure rules of server/model: URL checks, app validation, pagination parsing and the DCR
// allowlist glob.
#include <gtest/gtest.h>

#include "common/mattermost_id.h"
#include "server/app/api_error.h"
#include "server/model/oauth_app.h"
#include "server/model/pagination.h"
#include "server/model/redirect_allowlist.h"
#include "server/model/url_rules.h"

namespace oauthd::model {
namespace {

std::string ErrorId(const absl::Status& st) { return app::ExtractErrorBody(st).app.id(); }

oauthd::v1::OAuthApp ValidApp() {
  oauthd::v1::OAuthApp a;
  a.set_id(NewId());
  a.set_creator_id(NewId());
  a.set_create_at(1);
  a.set_update_at(1);
  a.set_client_secret(NewId());
  a.set_name("n");
  a.add_callback_urls("https://x.example/cb");
  a.set_homepage("https://x.example");
  return a;
}

TEST(UrlRules, IsValidHttpUrlFollowsMattermost) {
  for (const char* ok :
       {"http://a", "https://a.b/c?d=e#f", "https://nowhere_update.com", "http://[::1]:8080/x",
        "https://user:pw@host:443/p", "http://localhost:8065/cb"}) {
    EXPECT_TRUE(IsValidHttpUrl(ok)) << ok;
  }
  for (const char* bad :
       {"", "a.com", "ftp://a", "HTTP://a", "https://", "https:///p", "https://a:b/", "https://a b",
        "https://a/\x01", "https://a/%zz", "javascript:alert(1)", "//a.com/x"}) {
    EXPECT_FALSE(IsValidHttpUrl(bad)) << bad;
  }
}

TEST(UrlRules, ParseAbsoluteUrlSplitsComponents) {
  ParsedUrl u;
  ASSERT_TRUE(ParseAbsoluteUrl("com.example.app://callback:99/a/b?x=1&y#frag", &u));
  EXPECT_EQ(u.scheme, "com.example.app");
  EXPECT_EQ(u.host, "callback");
  EXPECT_EQ(u.port, "99");
  EXPECT_EQ(u.path, "/a/b");
  EXPECT_TRUE(u.has_query);
  EXPECT_EQ(u.query, "x=1&y");
  EXPECT_TRUE(u.has_fragment);
  ASSERT_TRUE(ParseAbsoluteUrl("https://h", &u));
  EXPECT_FALSE(u.has_query);
  EXPECT_EQ(u.path, "");
}

TEST(UrlRules, RuneCountCountsCodePoints) {
  EXPECT_EQ(RuneCount(""), 0u);
  EXPECT_EQ(RuneCount("abc"), 3u);
  EXPECT_EQ(RuneCount("üé✓😀"), 4u);
  EXPECT_EQ(RuneCount("\xff\xfe"), 2u);  // invalid bytes count one each, as in Go
}

TEST(OAuthAppValidation, RulesInOrder) {
  EXPECT_TRUE(ValidateOAuthApp(ValidApp()).ok());
  auto bad = [](auto mutate) {
    auto a = ValidApp();
    mutate(a);
    return ErrorId(ValidateOAuthApp(a));
  };
  EXPECT_EQ(bad([](auto& a) { a.set_id("x"); }), "model.oauth.is_valid.app_id.app_error");
  EXPECT_EQ(bad([](auto& a) { a.set_create_at(0); }), "model.oauth.is_valid.create_at.app_error");
  EXPECT_EQ(bad([](auto& a) { a.set_update_at(0); }), "model.oauth.is_valid.update_at.app_error");
  EXPECT_EQ(bad([](auto& a) { a.set_creator_id(""); }),
            "model.oauth.is_valid.creator_id.app_error");
  EXPECT_EQ(bad([](auto& a) { a.set_client_secret(std::string(129, 's')); }),
            "model.oauth.is_valid.client_secret.app_error");
  EXPECT_EQ(bad([](auto& a) { a.set_name(""); }), "model.oauth.is_valid.name.app_error");
  EXPECT_EQ(bad([](auto& a) { a.clear_callback_urls(); }),
            "model.oauth.is_valid.callback.app_error");
  EXPECT_EQ(bad([](auto& a) { a.set_homepage(""); }), "model.oauth.is_valid.homepage.app_error");
  EXPECT_EQ(bad([](auto& a) { a.set_description(std::string(513, 'd')); }),
            "model.oauth.is_valid.description.app_error");
  EXPECT_EQ(bad([](auto& a) { a.set_icon_url("x"); }), "model.oauth.is_valid.icon_url.app_error");
  EXPECT_EQ(bad([](auto& a) { a.set_mattermost_app_id(std::string(33, 'm')); }),
            "model.oauth.is_valid.mattermost_app_id.app_error");
  // Detailed error names the app, except for the id and callback-format rules.
  auto a = ValidApp();
  a.set_name("");
  EXPECT_EQ(app::ExtractErrorBody(ValidateOAuthApp(a)).app.detailed_error(), "app_id=" + a.id());
}

TEST(OAuthAppValidation, DynamicallyRegisteredAppsRelaxCreatorHomepageAndSchemes) {
  auto a = ValidApp();
  a.set_is_dynamically_registered(true);
  a.set_creator_id("");
  a.set_homepage("");
  a.set_callback_urls(0, "cursor://anysphere.cursor-mcp/oauth/callback");
  EXPECT_TRUE(ValidateOAuthApp(a).ok());
  a.clear_is_dynamically_registered();
  EXPECT_FALSE(ValidateOAuthApp(a).ok());
}

TEST(OAuthAppValidation, CallbackLengthIsGosRendering) {
  auto a = ValidApp();
  a.clear_callback_urls();
  a.add_callback_urls("https://a/" + std::string(500, 'x'));  // 510
  a.add_callback_urls("https://a/" + std::string(501, 'x'));  // 511 → 2 + 510 + 1 + 511 = 1024
  EXPECT_EQ(CallbackListRenderedLength(a), 1024u);
  EXPECT_TRUE(ValidateOAuthApp(a).ok());
  a.set_callback_urls(1, a.callback_urls(1) + "y");
  EXPECT_FALSE(ValidateOAuthApp(a).ok());
}

TEST(OAuthAppModel, SanitizeBlanksOnlyTheSecretAndRowsRoundTrip) {
  auto a = ValidApp();
  a.set_is_trusted(true);
  a.set_is_dynamically_registered(true);
  auto back = ToProto(ToRow(a));
  EXPECT_EQ(back.SerializeAsString(), a.SerializeAsString());
  Sanitize(&a);
  EXPECT_EQ(a.client_secret(), "");
  EXPECT_TRUE(a.is_trusted());
  oauthd::v1::OAuthApp plain = ValidApp();
  EXPECT_FALSE(ToProto(ToRow(plain)).has_is_dynamically_registered());  // omitempty stays omitted
}

TEST(Pagination, GoAtoiSemantics) {
  int64_t v = 0;
  EXPECT_TRUE(ParseGoInt("+5", &v));
  EXPECT_EQ(v, 5);
  EXPECT_TRUE(ParseGoInt("-9223372036854775808", &v));
  EXPECT_FALSE(ParseGoInt("9223372036854775808", &v));
  for (const char* bad : {"", " 1", "1 ", "1.0", "0x1", "+", "a"})
    EXPECT_FALSE(ParseGoInt(bad, &v)) << bad;
}

TEST(Pagination, DefaultsAndCaps) {
  auto p = [](const char* page, const char* per, const char* legacy = "") {
    return ParsePage(page, per, legacy);
  };
  EXPECT_EQ(p("", "").offset, 0);
  EXPECT_EQ(p("", "").limit, 60);
  EXPECT_EQ(p("2", "10").offset, 20);
  EXPECT_EQ(p("2", "10").limit, 10);
  EXPECT_EQ(p("-3", "10").offset, 0);
  EXPECT_EQ(p("0", "-1").limit, 60);
  EXPECT_EQ(p("0", "201").limit, 200);
  EXPECT_EQ(p("0", "0").limit, 0);
  EXPECT_EQ(p("0", "x", "7").limit, 7);  // legacy pageSize when per_page does not parse
  EXPECT_EQ(p("0", "5", "7").limit, 5);  // per_page wins
  EXPECT_EQ(p("9223372036854775807", "2").limit, 0);  // offset would overflow: empty
}

TEST(Allowlist, EmptyOrBlankAllowsEverything) {
  EXPECT_TRUE(RedirectUriMatchesAllowlist("https://anything/cb", {}));
  EXPECT_TRUE(RedirectUriMatchesAllowlist("https://anything/cb", {"", "  "}));
}

TEST(Allowlist, WildcardsStayInsideTheirComponent) {
  const std::vector<std::string> list = {"https://*.example.com/**"};
  EXPECT_TRUE(RedirectUriMatchesAllowlist("https://a.example.com/x/y", list));
  EXPECT_TRUE(RedirectUriMatchesAllowlist("https://a.example.com/", list));
  EXPECT_FALSE(RedirectUriMatchesAllowlist("https://attacker.example.net?x=.example.com/cb", list));
  EXPECT_FALSE(RedirectUriMatchesAllowlist("https://attacker.net/.example.com/cb", list));
  EXPECT_FALSE(
      RedirectUriMatchesAllowlist("http://a.example.com/x", list));  // scheme must be equal
  EXPECT_FALSE(
      RedirectUriMatchesAllowlist("https://a.example.com/x?q=1", list));  // no query in pattern
  EXPECT_FALSE(RedirectUriMatchesAllowlist("https://a.example.com/x#frag", list));
}

TEST(Allowlist, SingleStarDoesNotCrossSlashes) {
  const std::vector<std::string> list = {"https://app.example.com/cb/*"};
  EXPECT_TRUE(RedirectUriMatchesAllowlist("https://app.example.com/cb/one", list));
  EXPECT_FALSE(RedirectUriMatchesAllowlist("https://app.example.com/cb/one/two", list));
}

TEST(Allowlist, PortWildcardAndQueries) {
  EXPECT_TRUE(RedirectUriMatchesAllowlist("http://localhost:5173/cb", {"http://localhost:*/cb"}));
  EXPECT_FALSE(RedirectUriMatchesAllowlist("http://localhost/cb", {"http://localhost:*/cb"}));
  EXPECT_TRUE(RedirectUriMatchesAllowlist("https://a.com/cb?x=1", {"https://a.com/cb?x=*"}));
  EXPECT_FALSE(RedirectUriMatchesAllowlist("https://a.com/cb", {"https://a.com/cb?x=*"}));
}

TEST(Allowlist, InvalidPatternsNeverMatch) {
  EXPECT_FALSE(RedirectUriMatchesAllowlist("https://a.com/x", {"https://a.com/***"}));
  EXPECT_FALSE(RedirectUriMatchesAllowlist("javascript://a.com/x", {"javascript://a.com/**"}));
  EXPECT_FALSE(RedirectUriMatchesAllowlist("https://a.com/x", {"a.com/**"}));
  EXPECT_FALSE(RedirectUriMatchesAllowlist("https://a.com/x", {"https://a.com/\x01**"}));
  // An invalid pattern beside a valid one does not block it.
  EXPECT_TRUE(RedirectUriMatchesAllowlist("https://a.com/x", {"https://***", "https://a.com/*"}));
}

TEST(Allowlist, GlobBasics) {
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("a*c", "abbbc"));
  EXPECT_FALSE(GlobMatch("a*c", "ab/c"));
  EXPECT_TRUE(GlobMatch("a**c", "ab/c"));
  EXPECT_FALSE(GlobMatch("abc", "abcd"));
  EXPECT_TRUE(GlobMatch("*/**", "a/b/c"));
  EXPECT_FALSE(GlobMatch("*/*", "a/b/c"));
  EXPECT_TRUE(GlobMatch("a**", "a"));
  EXPECT_TRUE(GlobMatch("**b*", "x/yb"));
}

// Found by tests/fuzz/allowlist_glob_fuzz: many stars against a long text made the old recursive
// matcher exponential (the fuzzer's 10 s timeout); a registration request could have carried it.
TEST(Allowlist, ManyStarsStayCheap) {
  const std::string text(20000, 'a');
  EXPECT_FALSE(GlobMatch(std::string(60, '*') + "b", text));
  EXPECT_TRUE(GlobMatch(std::string(60, '*') + "a", text));
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*a*a*a*a*a*b", text));
  EXPECT_FALSE(RedirectUriMatchesAllowlist("https://a.example.com/" + text + "/x",
                                           {"https://*.example.com/*a*a*a*a*a*a*a*a*a*a*a*a*/y"}));
}

}  // namespace
}  // namespace oauthd::model

#include "server/model/authorize_request.h"
#include "server/model/url_encoding.h"

namespace oauthd::model {
namespace {

oauthd::v1::AuthorizeRequest ValidAuthorize() {
  oauthd::v1::AuthorizeRequest r;
  r.set_client_id(NewId());
  r.set_response_type("code");
  r.set_redirect_uri("https://client.example.com/cb");
  return r;
}

TEST(Pkce, Rfc7636AppendixB) {
  EXPECT_EQ(PkceS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  EXPECT_TRUE(ValidatePkce("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                           "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", true)
                  .ok());
}

TEST(Pkce, Failures) {
  const std::string ch = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  auto id = [](const absl::Status& st) { return app::ExtractErrorBody(st).app.id(); };
  EXPECT_EQ(id(ValidatePkce("", "", true)),
            "model.authorize.validate_pkce.public_client_required.app_error");
  EXPECT_EQ(id(ValidatePkce("", std::string(43, 'a'), false)),
            "model.authorize.validate_pkce.not_used_in_auth.app_error");
  EXPECT_TRUE(ValidatePkce("", "", false).ok());
  EXPECT_EQ(id(ValidatePkce(ch, "", false)),
            "model.authorize.validate_pkce.verifier_required.app_error");
  EXPECT_EQ(id(ValidatePkce(ch, std::string(43, 'a'), false)),
            "model.authorize.validate_pkce.verification_failed.app_error");
  EXPECT_EQ(id(ValidatePkce(ch, "short", false)),
            "model.authorize.validate_pkce.verification_failed.app_error");
  EXPECT_FALSE(IsValidCodeVerifier(std::string(129, 'a')));
  EXPECT_FALSE(IsValidCodeVerifier(std::string(42, 'a') + "!"));
  EXPECT_TRUE(IsValidCodeVerifier(std::string(40, 'a') + "-._~"));
}

TEST(AuthorizeRequestValidation, IdsInOrder) {
  auto id = [](auto mutate) {
    auto r = ValidAuthorize();
    mutate(r);
    return app::ExtractErrorBody(ValidateAuthorizeRequest(r)).app.id();
  };
  EXPECT_TRUE(ValidateAuthorizeRequest(ValidAuthorize()).ok());
  EXPECT_EQ(id([](auto& r) { r.set_client_id("x"); }),
            "model.authorize.is_valid.client_id.app_error");
  EXPECT_EQ(id([](auto& r) { r.clear_response_type(); }),
            "model.authorize.is_valid.response_type.app_error");
  EXPECT_EQ(id([](auto& r) { r.clear_redirect_uri(); }),
            "model.authorize.is_valid.redirect_uri.app_error");
  EXPECT_EQ(id([](auto& r) { r.set_redirect_uri("javascript://x/y"); }),
            "model.authorize.is_valid.redirect_uri.app_error");
  EXPECT_EQ(id([](auto& r) { r.set_state(std::string(1025, 's')); }),
            "model.authorize.is_valid.state.app_error");
  EXPECT_EQ(id([](auto& r) { r.set_scope(std::string(129, 's')); }),
            "model.authorize.is_valid.scope.app_error");
  EXPECT_EQ(id([](auto& r) { r.set_code_challenge_method("S256"); }),
            "model.authorize.is_valid.code_challenge.app_error");
  EXPECT_EQ(id([](auto& r) { r.set_code_challenge(std::string(43, 'a')); }),
            "model.authorize.is_valid.code_challenge_method.app_error");
  EXPECT_EQ(id([](auto& r) {
              r.set_code_challenge(std::string(43, 'a'));
              r.set_code_challenge_method("plain");
            }),
            "model.authorize.is_valid.code_challenge_method.unsupported.app_error");
  EXPECT_EQ(id([](auto& r) {
              r.set_code_challenge(std::string(42, 'a'));
              r.set_code_challenge_method("S256");
            }),
            "model.authorize.is_valid.code_challenge.length.app_error");
  EXPECT_EQ(id([](auto& r) {
              r.set_code_challenge(std::string(42, 'a') + "+");
              r.set_code_challenge_method("S256");
            }),
            "model.authorize.is_valid.code_challenge.format.app_error");
  EXPECT_EQ(id([](auto& r) { r.set_resource("https://api/" + std::string(510, 'r')); }),
            "model.authorize.is_valid.resource.length.app_error");
  EXPECT_EQ(id([](auto& r) { r.set_resource("relative/path"); }),
            "model.authorize.is_valid.resource.not_absolute.app_error");
  EXPECT_EQ(id([](auto& r) { r.set_resource("https://"); }),
            "model.authorize.is_valid.resource.invalid_uri.app_error");
  EXPECT_EQ(id([](auto& r) { r.set_resource("https://api.example.com/#x"); }),
            "model.authorize.is_valid.resource.has_fragment.app_error");
  EXPECT_TRUE(ValidateAuthorizeRequest([] {
                auto r = ValidAuthorize();
                r.set_redirect_uri(
                    "com.example.app://callback");  // custom schemes of native/DCR clients
                return r;
              }())
                  .ok());
}

TEST(UrlEncoding, QueryEscapeFormAndRedirectMerging) {
  EXPECT_EQ(QueryEscape("a b&c=d/é~"), "a+b%26c%3Dd%2F%C3%A9~");
  std::map<std::string, std::string> form;
  ASSERT_TRUE(ParseForm("grant_type=authorization_code&code=a%2Bb&x=1+2&x=ignored&empty=", &form));
  EXPECT_EQ(form["code"], "a+b");
  EXPECT_EQ(form["x"], "1 2");
  EXPECT_EQ(form["empty"], "");
  EXPECT_FALSE(ParseForm("a=%zz", &form));
  EXPECT_EQ(AddQueryParams("https://c/cb", {{"code", "x"}, {"state", "s t&u"}}),
            "https://c/cb?code=x&state=s+t%26u");
  EXPECT_EQ(AddQueryParams("https://c/cb?keep=%41&b=", {{"code", "x"}}),
            "https://c/cb?keep=%41&b=&code=x");
  EXPECT_EQ(AddQueryParams("https://c/cb?#frag", {{"code", "x"}}), "https://c/cb?code=x#frag");
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
}

}  // namespace
}  // namespace oauthd::model
