// Pure pieces of server/app: token extraction, the CSRF prop, error bodies, the rate limiter, URL
// joining.
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/app/api_error.h"
#include "server/app/authenticator.h"
#include "server/app/metadata_service.h"
#include "server/app/pages.h"
#include "server/app/rate_limiter.h"
#include "server/app/ttl_cache.h"

namespace oauthd::app {
namespace {

TEST(ExtractToken, MattermostOrder) {
  Caller c;
  c.cookie = "a=b; MMAUTHTOKEN=cookietok; c=d";
  c.authorization = "Bearer headertok";
  c.query_access_token = "querytok";
  auto t = ExtractToken(c);
  EXPECT_EQ(t.token, "cookietok");
  EXPECT_TRUE(t.from_cookie);
  c.cookie.clear();
  EXPECT_EQ(ExtractToken(c).token, "headertok");
  c.authorization = "BeArEr x";
  EXPECT_EQ(ExtractToken(c).token, "x");
  c.authorization = "TOKEN y";
  EXPECT_EQ(ExtractToken(c).token, "y");
  c.authorization = "Basic z";
  t = ExtractToken(c);
  EXPECT_EQ(t.token, "querytok");
  EXPECT_TRUE(t.from_query);
  c.query_access_token.clear();
  EXPECT_EQ(ExtractToken(c).token, "");
}

TEST(CsrfFromProps, ReadsTheProp) {
  EXPECT_EQ(CsrfFromProps(R"({"platform":"x","csrf":"abc"})"), "abc");
  EXPECT_EQ(CsrfFromProps(R"({"csrf" : "sp"})"), "sp");
  EXPECT_EQ(CsrfFromProps("{}"), "");
  EXPECT_EQ(CsrfFromProps(""), "");
}

TEST(ApiError, BodiesAndCodes) {
  ErrorBody e = ExtractErrorBody(AppError(404, "app.oauth.get_app.find.app_error", "app_id=x"));
  EXPECT_EQ(e.kind, ErrorBody::Kind::kApp);
  EXPECT_EQ(e.http_status, 404);
  EXPECT_EQ(e.app.detailed_error(), "app_id=x");
  EXPECT_FALSE(e.app.message().empty());
  ErrorBody o = ExtractErrorBody(OAuthError(400, "invalid_client_metadata", "bad"));
  EXPECT_EQ(o.kind, ErrorBody::Kind::kOAuth);
  EXPECT_EQ(o.oauth.error(), "invalid_client_metadata");
  ErrorBody r = ExtractErrorBody(
      WithHeader(RawError(429, "text/plain", "limit exceeded\n"), "retry-after", "1"));
  EXPECT_EQ(r.kind, ErrorBody::Kind::kRaw);
  EXPECT_EQ(r.http_status, 429);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "retry-after");
  ErrorBody u = ExtractErrorBody(absl::UnavailableError("db down"));
  EXPECT_EQ(u.http_status, 503);
  EXPECT_EQ(ExtractErrorBody(absl::InternalError("bug")).http_status, 500);
  EXPECT_EQ(GrpcCodeForHttpStatus(501), 12);
  EXPECT_EQ(GrpcCodeForHttpStatus(401), 16);
}

TEST(RateLimiter, TokenBucketPerKey) {
  RateLimiter limiter(2, 1);
  absl::Time t = absl::FromUnixSeconds(1000);
  absl::Duration retry;
  EXPECT_TRUE(limiter.Allow("a", t, &retry));
  EXPECT_FALSE(limiter.Allow("a", t, &retry));
  EXPECT_EQ(retry, absl::Milliseconds(500));
  EXPECT_TRUE(limiter.Allow("b", t, &retry));
  EXPECT_FALSE(limiter.Allow("a", t + absl::Milliseconds(400), &retry));
  EXPECT_TRUE(limiter.Allow("a", t + absl::Milliseconds(1000), &retry));
  RateLimiter burst(1, 3);
  int allowed = 0;
  for (int i = 0; i < 5; ++i) allowed += burst.Allow("k", t, &retry);
  EXPECT_EQ(allowed, 3);
}

TEST(TtlCache, ExpiresDisablesAndStaysBounded) {
  TtlCache<int> cache(absl::Milliseconds(50), 3);
  cache.Put("a", 1);
  ASSERT_TRUE(cache.Get("a").has_value());
  EXPECT_EQ(*cache.Get("a"), 1);
  absl::SleepFor(absl::Milliseconds(60));
  EXPECT_FALSE(cache.Get("a").has_value()) << "expired";

  TtlCache<int> bounded(absl::Minutes(1), 3);
  for (int i = 0; i < 3; ++i) bounded.Put(absl::StrCat("k", i), i);
  EXPECT_TRUE(bounded.Get("k2").has_value());
  bounded.Put("k3", 3);  // full: starts over rather than grow
  EXPECT_FALSE(bounded.Get("k0").has_value());
  EXPECT_TRUE(bounded.Get("k3").has_value());

  TtlCache<int> off(absl::ZeroDuration(), 3);
  off.Put("a", 1);
  EXPECT_FALSE(off.Get("a").has_value());
}

TEST(JoinUrlPath, CleansSlashes) {
  EXPECT_EQ(*JoinUrlPath("https://example.com", "oauth/authorize"),
            "https://example.com/oauth/authorize");
  EXPECT_EQ(*JoinUrlPath("https://example.com/", "oauth/authorize"),
            "https://example.com/oauth/authorize");
  EXPECT_EQ(*JoinUrlPath("https://example.com:8443/mm//", "a"), "https://example.com:8443/mm/a");
  EXPECT_FALSE(JoinUrlPath("example.com", "a").ok());
}

// The consent page names where Allow sends the browser: what a user can check, not the whole URI.
TEST(ConsentPage, RedirectTargetIsTheHostOrTheAppsScheme) {
  EXPECT_EQ(RedirectTarget("https://client.example.com/cb?keep=1"), "client.example.com");
  EXPECT_EQ(RedirectTarget("http://127.0.0.1:8080/callback"), "127.0.0.1:8080");
  EXPECT_EQ(RedirectTarget("https://evil.example@good.example/x"), "good.example");
  EXPECT_EQ(RedirectTarget("https://h.example#frag"), "h.example");
  EXPECT_EQ(RedirectTarget("com.example.app:/oauth2redirect"), "com.example.app:");
}

}  // namespace
}  // namespace oauthd::app
