#include "server/model/pagination.h"

#include <limits>

namespace oauthd::model {

bool ParseGoInt(absl::string_view s, int64_t* out) {
  if (s.empty()) return false;
  bool neg = false;
  size_t i = 0;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) return false;
  uint64_t v = 0;
  const uint64_t limit = neg ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    const uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (limit - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

storage::Page ParsePage(absl::string_view page, absl::string_view per_page,
                        absl::string_view page_size) {
  int64_t p = 0;
  if (!ParseGoInt(page, &p) || p < 0) p = 0;
  int64_t pp = 0;
  if (!ParseGoInt(per_page, &pp) && !ParseGoInt(page_size, &pp)) pp = kDefaultPerPage;
  if (pp < 0) pp = kDefaultPerPage;
  if (pp > kMaxPerPage) pp = kMaxPerPage;
  if (pp > 0 && p > std::numeric_limits<int64_t>::max() / pp) return storage::Page{0, 0};
  return storage::Page{p * pp, pp};
}

}  // namespace oauthd::model
