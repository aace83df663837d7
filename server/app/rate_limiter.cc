#include "server/app/rate_limiter.h"

#include <algorithm>

namespace oauthd::app {

bool RateLimiter::Allow(const std::string& key, absl::Time now, absl::Duration* retry_after) {
  std::lock_guard<std::mutex> lock(mu_);
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
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  *retry_after = absl::Seconds((1.0 - b.tokens) / rate_);
  return false;
}

}  // namespace oauthd::app
