// DCRRedirectURIAllowlist matching (spec §5.5): per URL component, so a pattern's wildcard can
// never spill from the host into the path or query. `*` matches any run without '/', `**` any run
// at all; both ends anchored.
#ifndef OAUTHD_SERVER_MODEL_REDIRECT_ALLOWLIST_H_
#define OAUTHD_SERVER_MODEL_REDIRECT_ALLOWLIST_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace oauthd::model {

// javascript:, data:, vbscript:, file:, blob:, about: (any case).
bool IsDangerousScheme(absl::string_view scheme);

// Glob over one component.
bool GlobMatch(absl::string_view pattern, absl::string_view text);

// True when the allowlist is empty (after trimming and skipping blank entries) or some valid
// pattern matches.
bool RedirectUriMatchesAllowlist(absl::string_view uri, const std::vector<std::string>& allowlist);

}  // namespace oauthd::model

#endif  // OAUTHD_SERVER_MODEL_REDIRECT_ALLOWLIST_H_
