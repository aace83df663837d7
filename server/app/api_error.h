// The one way the service reports a failure: an absl::Status whose payload is the body the caller
// must see (a Mattermost AppError, or an RFC 6749/7591 OAuth error) plus its HTTP status. The RPC
// layer turns it into a gRPC status with that body in google.rpc.Status.details (see
// rpc/call_context).
#ifndef OAUTHD_SERVER_APP_API_ERROR_H_
#define OAUTHD_SERVER_APP_API_ERROR_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/api/httpbody.pb.h"
#include "oauthd/v1/errors.pb.h"

namespace oauthd::app {

// An AppError with Mattermost's id; the English message comes from the id (error_messages.cc).
absl::Status AppError(int http_status, absl::string_view id, absl::string_view detailed_error = "");
// The same failure with RFC 6749 §5.2's `error` (and its message as `error_description`) added to
// its AppError body; a status made by ExtractErrorBody's fallback gets them too. Other bodies are
// returned unchanged.
absl::Status WithOAuthErrorCode(const absl::Status& status, absl::string_view error);
// An RFC 6749 / RFC 7591 error body {error, error_description}.
absl::Status OAuthError(int http_status, absl::string_view error, absl::string_view description);

// A non-JSON error body (e.g. the rate limiter's text/plain "limit exceeded").
absl::Status RawError(int http_status, absl::string_view content_type, absl::string_view body);
// Adds a response header to an error made above (e.g. Retry-After).
absl::Status WithHeader(absl::Status status, absl::string_view name, absl::string_view value);

// A store failed: the AppError `id`, as 503 when the database could not be reached (the caller may
// retry) and 500 otherwise.
absl::Status StoreFailure(const absl::Status& store_status, absl::string_view id);

// Common AppErrors of the request pipeline (spec §2.1).
absl::Status InvalidUrlParam(absl::string_view name);
absl::Status InvalidBodyParam(absl::string_view name, absl::string_view detailed = "");
absl::Status PermissionError(absl::string_view user_id, absl::string_view permission);
absl::Status SessionExpired(absl::string_view detailed = "");

// What a failed call carries, extracted from a status made above. Statuses made elsewhere (a
// store's INTERNAL, say) come back as a 500 AppError with id `fallback_id`.
struct ErrorBody {
  enum class Kind { kApp, kOAuth, kRaw };
  int http_status = 500;
  Kind kind = Kind::kApp;
  oauthd::v1::AppError app;
  oauthd::v1::OAuthError oauth;
  google::api::HttpBody raw;
  std::vector<std::pair<std::string, std::string>> headers;
};
ErrorBody ExtractErrorBody(const absl::Status& status,
                           absl::string_view fallback_id = "app.internal_error");

// gRPC code for an HTTP status (the inverse of the gateway's table, for gRPC callers).
int GrpcCodeForHttpStatus(int http_status);

// English text for an error id.
std::string ErrorMessage(absl::string_view id);

}  // namespace oauthd::app

#endif  // OAUTHD_SERVER_APP_API_ERROR_H_
