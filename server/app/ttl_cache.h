// A small thread-safe cache whose entries expire after a fixed TTL. A TTL of zero disables it.
// Bounded: when full, it is emptied (cheap, and stale entries never outlive the TTL anyway).
#ifndef OAUTHD_SERVER_APP_TTL_CACHE_H_
#define OAUTHD_SERVER_APP_TTL_CACHE_H_

#include <mutex>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace oauthd::app {

template <typename V>
class TtlCache {
 public:
  TtlCache(absl::Duration ttl, size_t max_entries) : ttl_(ttl), max_entries_(max_entries) {}

  std::optional<V> Get(const std::string& key) {
    if (ttl_ <= absl::ZeroDuration()) return std::nullopt;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    if (absl::Now() >= it->second.expires) {
      entries_.erase(it);
      return std::nullopt;
    }
    return it->second.value;
  }

  void Put(const std::string& key, V value) {
    if (ttl_ <= absl::ZeroDuration()) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (entries_.size() >= max_entries_) entries_.clear();
    entries_[key] = Entry{std::move(value), absl::Now() + ttl_};
  }

  void Erase(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    entries_.erase(key);
  }

  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    entries_.clear();
  }

 private:
  struct Entry {
    V value;
    absl::Time expires;
  };
  const absl::Duration ttl_;
  const size_t max_entries_;
  std::mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_;
};

}  // namespace oauthd::app

#endif  // OAUTHD_SERVER_APP_TTL_CACHE_H_
