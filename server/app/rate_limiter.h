// A token bucket per client address (DCR's limiter, spec §5.1): `rate` tokens a second, at most
// `burst` saved.
#ifndef OAUTHD_SERVER_APP_RATE_LIMITER_H_
#define OAUTHD_SERVER_APP_RATE_LIMITER_H_

#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"

namespace oauthd::app {

class RateLimiter {
 public:
  RateLimiter(double rate_per_second, int burst) : rate_(rate_per_second), burst_(burst) {}

  // True if the key may proceed now (spending a token); otherwise `retry_after` is how long until
  // it may.
  bool Allow(const std::string& key, absl::Time now, absl::Duration* retry_after);
  // Allow without spending: for limits that count only failures, checked before the attempt.
  bool Available(const std::string& key, absl::Time now, absl::Duration* retry_after);
  double rate() const { return rate_; }
  int burst() const { return burst_; }

 private:
  struct Bucket {
    double tokens;
    absl::Time updated;
  };
  // The key's bucket, topped up to `now` (mu_ held).
  Bucket& Refill(const std::string& key, absl::Time now);
  const double rate_;
  const int burst_;
  std::mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_;
};

// The 429 a limited caller gets, as Mattermost's limiter answers it (spec §3): text/plain
// "limit exceeded", X-RateLimit-* and Retry-After.
absl::Status LimitExceeded(const RateLimiter& limiter, absl::Duration retry_after);

}  // namespace oauthd::app

#endif  // OAUTHD_SERVER_APP_RATE_LIMITER_H_
