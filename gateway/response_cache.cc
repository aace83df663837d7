#include "gateway/response_cache.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace oauthd::gateway {
namespace {

// Cache-Control directives, names lower-cased, values unquoted.
std::vector<std::pair<std::string, std::string>> Directives(absl::string_view header) {
  std::vector<std::pair<std::string, std::string>> out;
  for (absl::string_view d : absl::StrSplit(header, ',', absl::SkipWhitespace())) {
    d = absl::StripAsciiWhitespace(d);
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(d, absl::MaxSplits('=', 1));
    absl::string_view value = absl::StripAsciiWhitespace(kv.second);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    out.emplace_back(absl::AsciiStrToLower(absl::StripAsciiWhitespace(kv.first)),
                     std::string(value));
  }
  return out;
}

bool RequestBypassesCache(const HttpRequest& request) {
  for (const auto& [name, value] : Directives(request.Header("cache-control"))) {
    if (name == "no-cache" || name == "no-store" || name == "max-age") return true;
  }
  return absl::StrContains(absl::AsciiStrToLower(request.Header("pragma")), "no-cache");
}

}  // namespace

ResponseCache::ResponseCache(size_t max_entries, absl::Duration max_age, size_t max_body_bytes)
    : max_entries_(max_entries), max_age_(max_age), max_body_bytes_(max_body_bytes) {}

absl::Duration ResponseCache::SharedFreshness(const HttpResponse& response) {
  if (response.status != 200) return absl::ZeroDuration();
  if (response.HasHeader("set-cookie") || response.HasHeader("vary")) return absl::ZeroDuration();
  const std::string* cc = response.FindHeader("cache-control");
  if (cc == nullptr) return absl::ZeroDuration();
  bool is_public = false;
  int64_t max_age = -1, s_maxage = -1;
  for (const auto& [name, value] : Directives(*cc)) {
    if (name == "public") {
      is_public = true;
    } else if (name == "private" || name == "no-store" || name == "no-cache" ||
               name == "must-revalidate" || name == "proxy-revalidate") {
      return absl::ZeroDuration();  // a shared cache must not, or must ask first
    } else if (name == "max-age" && !absl::SimpleAtoi(value, &max_age)) {
      return absl::ZeroDuration();  // malformed: treat as stale (RFC 9111 §4.2.1)
    } else if (name == "s-maxage" && !absl::SimpleAtoi(value, &s_maxage)) {
      return absl::ZeroDuration();
    }
  }
  const int64_t seconds = s_maxage >= 0 ? s_maxage : max_age;
  if (!is_public || seconds <= 0) return absl::ZeroDuration();
  return absl::Seconds(seconds);
}

std::optional<CachedResponse> ResponseCache::Lookup(const HttpRequest& request, absl::Time now) {
  if (max_entries_ == 0 || request.method != "GET" || RequestBypassesCache(request))
    return std::nullopt;
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(request.target);
  if (it == entries_.end() || it->second.expires <= now) return std::nullopt;
  CachedResponse hit{it->second.response, it->second.tag};
  hit.response.SetHeader("Age", absl::StrCat(absl::ToInt64Seconds(now - it->second.stored)));
  return hit;
}

void ResponseCache::MaybeStore(const HttpRequest& request, const HttpResponse& response,
                               std::string tag, absl::Time now, uint64_t generation) {
  if (max_entries_ == 0 || request.method != "GET" || response.body.size() > max_body_bytes_)
    return;
  const absl::Duration fresh = std::min(SharedFreshness(response), max_age_);
  if (fresh <= absl::ZeroDuration()) return;
  absl::MutexLock lock(&mu_);
  if (generation != generation_) return;  // asked of an upstream that has gone since
  if (entries_.size() >= max_entries_ && entries_.count(request.target) == 0) EvictLocked(now);
  entries_[request.target] = Entry{response, std::move(tag), now, now + fresh};
}

void ResponseCache::Invalidate() {
  absl::MutexLock lock(&mu_);
  entries_.clear();
  ++generation_;
}

// Drops expired entries; if none had expired, the one closest to expiring.
void ResponseCache::EvictLocked(absl::Time now) {
  auto soonest = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.expires <= now) {
      it = entries_.erase(it);
      continue;
    }
    if (soonest == entries_.end() || it->second.expires < soonest->second.expires) soonest = it;
    ++it;
  }
  if (entries_.size() >= max_entries_ && soonest != entries_.end()) entries_.erase(soonest);
}

}  // namespace oauthd::gateway
