// The gateway's shared response cache: what it stores (only what RFC 9111 lets a shared cache
// reuse), how long, and when a request bypasses it.
#include <gtest/gtest.h>

#include "gateway/response_cache.h"

namespace oauthd::gateway {
namespace {

HttpRequest Get(const std::string& target) {
  HttpRequest r;
  r.method = "GET";
  r.target = target;
  return r;
}

HttpResponse Ok(const std::string& cache_control, const std::string& body = "{}") {
  HttpResponse r;
  r.body = body;
  r.SetHeader("Content-Type", "application/json");
  if (!cache_control.empty()) r.SetHeader("Cache-Control", cache_control);
  return r;
}

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

TEST(SharedFreshness, OnlyPublicAnswersWithAPositiveLifetime) {
  EXPECT_EQ(ResponseCache::SharedFreshness(Ok("public, max-age=60")), absl::Seconds(60));
  EXPECT_EQ(ResponseCache::SharedFreshness(Ok("max-age=10, public, s-maxage=30")),
            absl::Seconds(30));  // s-maxage wins for shared caches
  EXPECT_EQ(ResponseCache::SharedFreshness(Ok("PUBLIC, MAX-AGE=\"5\"")), absl::Seconds(5));
  for (const char* cc :
       {"", "max-age=60", "public", "public, max-age=0", "public, max-age=x",
        "public, max-age=60, private", "public, max-age=60, no-store",
        "public, max-age=60, no-cache", "public, max-age=60, must-revalidate", "no-store"}) {
    EXPECT_EQ(ResponseCache::SharedFreshness(Ok(cc)), absl::ZeroDuration()) << cc;
  }
  HttpResponse created = Ok("public, max-age=60");
  created.status = 201;
  EXPECT_EQ(ResponseCache::SharedFreshness(created), absl::ZeroDuration());
  HttpResponse cookie = Ok("public, max-age=60");
  cookie.SetHeader("Set-Cookie", "a=b");
  EXPECT_EQ(ResponseCache::SharedFreshness(cookie), absl::ZeroDuration());
  HttpResponse vary = Ok("public, max-age=60");
  vary.SetHeader("Vary", "Accept-Language");
  EXPECT_EQ(ResponseCache::SharedFreshness(vary), absl::ZeroDuration());
}

TEST(ResponseCache, ServesAStoredAnswerUntilItExpiresWithItsAge) {
  ResponseCache cache(8, absl::Minutes(5));
  EXPECT_FALSE(cache.Lookup(Get("/doc"), kT0).has_value());
  cache.MaybeStore(Get("/doc"), Ok("public, max-age=60", "{\"a\":1}"), "GetDoc", kT0, 0);

  auto hit = cache.Lookup(Get("/doc"), kT0 + absl::Seconds(7));
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->tag, "GetDoc");
  EXPECT_EQ(hit->response.status, 200);
  EXPECT_EQ(hit->response.body, "{\"a\":1}");
  bool age = false;
  for (const auto& [k, v] : hit->response.headers) {
    if (k == "Age") age = v == "7";
  }
  EXPECT_TRUE(age);

  EXPECT_FALSE(cache.Lookup(Get("/doc?x=1"), kT0).has_value()) << "the query is part of the key";
  EXPECT_FALSE(cache.Lookup(Get("/doc"), kT0 + absl::Seconds(60)).has_value()) << "expired";
}

TEST(ResponseCache, StoresNothingItMayNotShare) {
  ResponseCache cache(8, absl::Minutes(5));
  cache.MaybeStore(Get("/private"), Ok("private, max-age=60"), "", kT0, 0);
  cache.MaybeStore(Get("/none"), Ok(""), "", kT0, 0);
  HttpRequest post = Get("/post");
  post.method = "POST";
  cache.MaybeStore(post, Ok("public, max-age=60"), "", kT0, 0);
  cache.MaybeStore(Get("/big"), Ok("public, max-age=60", std::string(70 * 1024, 'x')), "", kT0, 0);
  for (const char* t : {"/private", "/none", "/post", "/big"})
    EXPECT_FALSE(cache.Lookup(Get(t), kT0).has_value()) << t;
  EXPECT_FALSE(cache.Lookup(post, kT0).has_value());
}

TEST(ResponseCache, CapsTheLifetimeAndBypassesOnRequest) {
  ResponseCache cache(8, absl::Seconds(10));
  cache.MaybeStore(Get("/doc"), Ok("public, max-age=3600"), "", kT0, 0);
  EXPECT_TRUE(cache.Lookup(Get("/doc"), kT0 + absl::Seconds(9)).has_value());
  EXPECT_FALSE(cache.Lookup(Get("/doc"), kT0 + absl::Seconds(10)).has_value()) << "capped";

  cache.MaybeStore(Get("/doc"), Ok("public, max-age=60"), "", kT0, 0);
  HttpRequest no_cache = Get("/doc");
  no_cache.headers.emplace_back("cache-control", "no-cache");
  EXPECT_FALSE(cache.Lookup(no_cache, kT0).has_value());
  HttpRequest pragma = Get("/doc");
  pragma.headers.emplace_back("pragma", "no-cache");
  EXPECT_FALSE(cache.Lookup(pragma, kT0).has_value());
}

TEST(ResponseCache, EvictsWhenFullAndZeroEntriesDisablesIt) {
  ResponseCache cache(2, absl::Minutes(5));
  cache.MaybeStore(Get("/a"), Ok("public, max-age=10"), "", kT0, 0);
  cache.MaybeStore(Get("/b"), Ok("public, max-age=60"), "", kT0, 0);
  cache.MaybeStore(Get("/c"), Ok("public, max-age=60"), "", kT0, 0);
  EXPECT_FALSE(cache.Lookup(Get("/a"), kT0).has_value()) << "closest to expiring goes first";
  EXPECT_TRUE(cache.Lookup(Get("/b"), kT0).has_value());
  EXPECT_TRUE(cache.Lookup(Get("/c"), kT0).has_value());

  ResponseCache off(0, absl::Minutes(5));
  off.MaybeStore(Get("/a"), Ok("public, max-age=60"), "", kT0, 0);
  EXPECT_FALSE(off.Lookup(Get("/a"), kT0).has_value());
}

TEST(ResponseCache, InvalidateForgetsEverythingAndRefusesAnswersAskedForBefore) {
  ResponseCache cache(8, absl::Minutes(5));
  const uint64_t before = cache.generation();
  cache.MaybeStore(Get("/doc"), Ok("public, max-age=60"), "", kT0, before);
  ASSERT_TRUE(cache.Lookup(Get("/doc"), kT0).has_value());
  cache.Invalidate();
  EXPECT_FALSE(cache.Lookup(Get("/doc"), kT0).has_value());
  // An answer that was on its way from the old upstream is not kept.
  cache.MaybeStore(Get("/doc"), Ok("public, max-age=60"), "", kT0, before);
  EXPECT_FALSE(cache.Lookup(Get("/doc"), kT0).has_value());
  cache.MaybeStore(Get("/doc"), Ok("public, max-age=60"), "", kT0, cache.generation());
  EXPECT_TRUE(cache.Lookup(Get("/doc"), kT0).has_value());
}

}  // namespace
}  // namespace oauthd::gateway
