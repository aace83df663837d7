// The token endpoint's errors as RFC 6749 §5.2 (and RFC 7636 §4.6, RFC 8707 §2) name them. Each
// keeps Mattermost's AppError id and status code; the RFC `error` code is added beside them, so
// that strict OAuth clients (which read only `error`) and Mattermost clients (which read `id`) both
// understand the same answer.
#ifndef OAUTHD_SERVER_APP_TOKEN_ERRORS_H_
#define OAUTHD_SERVER_APP_TOKEN_ERRORS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace oauthd::app {

// RFC 6749 `error` code for an AppError id the token endpoint answers with. An id not listed gets
// `server_error` for a 5xx and `invalid_request` otherwise.
absl::string_view TokenErrorCode(absl::string_view app_error_id, int http_status);

// `status` (a failure of the token endpoint) with its `error` and `error_description` set.
absl::Status AsTokenError(const absl::Status& status);

}  // namespace oauthd::app

#endif  // OAUTHD_SERVER_APP_TOKEN_ERRORS_H_
