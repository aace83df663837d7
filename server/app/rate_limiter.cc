#include "server/app/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "server/app/api_error.h"

namespace oauthd::app {

RateLimiter::Bucket& RateLimiter::Refill(const std::string& key, absl::Time now) {
  // Forget full buckets now and then, so that many distinct addresses cannot grow the map without
  // bound.
  if (buckets_.size() > 100000) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      auto cur = it++;
      if (cur->second.tokens + absl::ToDoubleSeconds(now - cur->second.updated) * rate_ >= burst_) {
        buckets_.erase(cur);
      }
    }
  }
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{static_cast<double>(burst_), now});
  Bucket& b = it->second;
  if (!inserted) {
    b.tokens = std::min<double>(burst_, b.tokens + absl::ToDoubleSeconds(now - b.updated) * rate_);
    b.updated = now;
  }
  return b;
}

bool RateLimiter::Allow(const std::string& key, absl::Time now, absl::Duration* retry_after) {
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& b = Refill(key, now);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  *retry_after = absl::Seconds((1.0 - b.tokens) / rate_);
  return false;
}

bool RateLimiter::Available(const std::string& key, absl::Time now, absl::Duration* retry_after) {
  std::lock_guard<std::mutex> lock(mu_);
  const Bucket& b = Refill(key, now);
  if (b.tokens >= 1.0) return true;
  *retry_after = absl::Seconds((1.0 - b.tokens) / rate_);
  return false;
}

absl::Status LimitExceeded(const RateLimiter& limiter, absl::Duration retry_after) {
  const std::string seconds =
      absl::StrCat(std::max<int64_t>(1, std::ceil(absl::ToDoubleSeconds(retry_after))));
  absl::Status st = RawError(429, "text/plain; charset=utf-8", "limit exceeded\n");
  st = WithHeader(st, "x-ratelimit-limit", absl::StrCat(limiter.burst()));
  st = WithHeader(st, "x-ratelimit-remaining", "0");
  st = WithHeader(st, "x-ratelimit-reset", seconds);
  return WithHeader(st, "retry-after", seconds);
}

}  // namespace oauthd::app
