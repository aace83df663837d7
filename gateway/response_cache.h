// A small shared cache for GET answers the upstream explicitly allows any cache to share
// (`Cache-Control: public` with `s-maxage` or `max-age`, RFC 9111 §5.2.2), so that a document like
// the authorization-server metadata is served by the gateway without a round trip. Everything else
// — private, no-store, no-cache, Set-Cookie, Vary, non-200 — is never stored. Entries are keyed by
// the request target (path and query) and expire after the freshness the upstream declared, capped
// by `max_age`. Invalidate() drops everything at once (the gateway calls it when the upstream
// connection changes, since a restarted upstream may answer differently); an answer asked for
// before that is not stored afterwards. Thread-safe.
#ifndef OAUTHD_GATEWAY_RESPONSE_CACHE_H_
#define OAUTHD_GATEWAY_RESPONSE_CACHE_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/http_types.h"

namespace oauthd::gateway {

struct CachedResponse {
  HttpResponse response;  // with an Age header added
  std::string tag;        // what the storer attached (the gateway: the route, for metrics)
};

class ResponseCache {
 public:
  // max_entries 0 disables the cache.
  ResponseCache(size_t max_entries, absl::Duration max_age, size_t max_body_bytes = 64 * 1024);

  // A fresh stored answer for `target`, unless the request asks to bypass shared caches.
  std::optional<CachedResponse> Lookup(const HttpRequest& request, absl::Time now);
  // Stores `response` when its status and headers allow a shared cache to reuse it, and the cache
  // has not been invalidated since `generation` (generation() when the answer was asked for).
  void MaybeStore(const HttpRequest& request, const HttpResponse& response, std::string tag,
                  absl::Time now, uint64_t generation);

  // Counts invalidations.
  uint64_t generation() const { return generation_.load(); }
  // Forgets every stored answer.
  void Invalidate();

  // How long a shared cache may reuse `response` per its headers; zero when it may not.
  static absl::Duration SharedFreshness(const HttpResponse& response);

 private:
  struct Entry {
    HttpResponse response;
    std::string tag;
    absl::Time stored;
    absl::Time expires;
  };
  void EvictLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_entries_;
  const absl::Duration max_age_;
  const size_t max_body_bytes_;
  absl::Mutex mu_;
  std::unordered_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{0};  // read lock-free on every request; changed under mu_
};

}  // namespace oauthd::gateway

#endif  // OAUTHD_GATEWAY_RESPONSE_CACHE_H_
