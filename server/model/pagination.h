// Mattermost's lenient page/per_page parsing (spec §2.1).
#ifndef OAUTHD_SERVER_MODEL_PAGINATION_H_
#define OAUTHD_SERVER_MODEL_PAGINATION_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "storage/app_store.h"

namespace oauthd::model {

inline constexpr int64_t kDefaultPerPage = 60;
inline constexpr int64_t kMaxPerPage = 200;

// Go's strconv.Atoi: optional sign, decimal digits, int64 range; nothing else (no spaces).
bool ParseGoInt(absl::string_view s, int64_t* out);

// page: bad or negative → 0. per_page: read `per_page`, else the legacy `pageSize`; bad or negative
// → 60; over 200 → 200; 0 allowed. An offset past what int64 holds yields an empty page (limit 0).
storage::Page ParsePage(absl::string_view page, absl::string_view per_page,
                        absl::string_view page_size);

}  // namespace oauthd::model

#endif  // OAUTHD_SERVER_MODEL_PAGINATION_H_
