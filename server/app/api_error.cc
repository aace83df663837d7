#include "server/app/api_error.h"

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace oauthd::app {
namespace {

constexpr char kAppErrorUrl[] = "type.googleapis.com/oauthd.v1.AppError";
constexpr char kOAuthErrorUrl[] = "type.googleapis.com/oauthd.v1.OAuthError";
constexpr char kRawUrl[] = "type.googleapis.com/google.api.HttpBody";
constexpr char kHttpStatusKey[] = "oauthd/http-status";
constexpr char kHeaderPrefix[] = "oauthd/header/";

absl::StatusCode CodeFor(int http_status) {
  return static_cast<absl::StatusCode>(GrpcCodeForHttpStatus(http_status));
}

// The status that carries `body`, made here or read back and amended.
absl::Status AppErrorStatus(const oauthd::v1::AppError& body) {
  absl::Status st(CodeFor(body.status_code()), body.message());
  st.SetPayload(kAppErrorUrl, absl::Cord(body.SerializeAsString()));
  return st;
}

}  // namespace

int GrpcCodeForHttpStatus(int http_status) {
  switch (http_status) {
    case 400:
      return static_cast<int>(absl::StatusCode::kInvalidArgument);
    case 401:
      return static_cast<int>(absl::StatusCode::kUnauthenticated);
    case 403:
      return static_cast<int>(absl::StatusCode::kPermissionDenied);
    case 404:
      return static_cast<int>(absl::StatusCode::kNotFound);
    case 409:
      return static_cast<int>(absl::StatusCode::kAlreadyExists);
    case 413:
      return static_cast<int>(absl::StatusCode::kInvalidArgument);
    case 429:
      return static_cast<int>(absl::StatusCode::kResourceExhausted);
    case 501:
      return static_cast<int>(absl::StatusCode::kUnimplemented);
    case 503:
      return static_cast<int>(absl::StatusCode::kUnavailable);
    case 504:
      return static_cast<int>(absl::StatusCode::kDeadlineExceeded);
    default:
      return static_cast<int>(http_status < 500 ? absl::StatusCode::kInvalidArgument
                                                : absl::StatusCode::kInternal);
  }
}

absl::Status AppError(int http_status, absl::string_view id, absl::string_view detailed_error) {
  oauthd::v1::AppError body;
  body.set_id(std::string(id));
  body.set_message(ErrorMessage(id));
  body.set_detailed_error(std::string(detailed_error));
  body.set_status_code(http_status);
  return AppErrorStatus(body);
}

absl::Status WithOAuthErrorCode(const absl::Status& status, absl::string_view error) {
  ErrorBody err = ExtractErrorBody(status);
  if (err.kind != ErrorBody::Kind::kApp) return status;
  err.app.set_error(std::string(error));
  err.app.set_error_description(err.app.message());
  absl::Status out = AppErrorStatus(err.app);
  for (const auto& [name, value] : err.headers) out = WithHeader(out, name, value);
  return out;
}

absl::Status OAuthError(int http_status, absl::string_view error, absl::string_view description) {
  oauthd::v1::OAuthError body;
  body.set_error(std::string(error));
  body.set_error_description(std::string(description));
  absl::Status st(CodeFor(http_status), description);
  st.SetPayload(kOAuthErrorUrl, absl::Cord(body.SerializeAsString()));
  st.SetPayload(kHttpStatusKey, absl::Cord(absl::StrCat(http_status)));
  return st;
}

absl::Status RawError(int http_status, absl::string_view content_type, absl::string_view body) {
  google::api::HttpBody raw;
  raw.set_content_type(std::string(content_type));
  raw.set_data(std::string(body));
  absl::Status st(CodeFor(http_status), body);
  st.SetPayload(kRawUrl, absl::Cord(raw.SerializeAsString()));
  st.SetPayload(kHttpStatusKey, absl::Cord(absl::StrCat(http_status)));
  return st;
}

absl::Status WithHeader(absl::Status status, absl::string_view name, absl::string_view value) {
  status.SetPayload(absl::StrCat(kHeaderPrefix, name), absl::Cord(value));
  return status;
}

absl::Status StoreFailure(const absl::Status& store_status, absl::string_view id) {
  return AppError(absl::IsUnavailable(store_status) ? 503 : 500, id, store_status.message());
}

absl::Status InvalidUrlParam(absl::string_view name) {
  return AppError(400, "api.context.invalid_url_param.app_error", absl::StrCat("name=", name));
}

absl::Status InvalidBodyParam(absl::string_view name, absl::string_view detailed) {
  return AppError(400, "api.context.invalid_body_param.app_error",
                  detailed.empty() ? absl::StrCat("name=", name) : detailed);
}

absl::Status PermissionError(absl::string_view user_id, absl::string_view permission) {
  return AppError(403, "api.context.permissions.app_error",
                  absl::StrCat("userId=", user_id, ", permission=", permission));
}

absl::Status SessionExpired(absl::string_view detailed) {
  return AppError(401, "api.context.session_expired.app_error", detailed);
}

ErrorBody ExtractErrorBody(const absl::Status& status, absl::string_view fallback_id) {
  ErrorBody out;
  status.ForEachPayload([&](absl::string_view key, const absl::Cord& value) {
    if (absl::ConsumePrefix(&key, kHeaderPrefix))
      out.headers.emplace_back(std::string(key), std::string(value));
  });
  int http = 400;
  if (auto h = status.GetPayload(kHttpStatusKey); h && !absl::SimpleAtoi(std::string(*h), &http)) {
    http = 400;  // only this file writes the payload, so a number is always there
  }
  if (auto raw = status.GetPayload(kRawUrl)) {
    out.kind = ErrorBody::Kind::kRaw;
    out.raw.ParseFromString(std::string(*raw));
    out.http_status = http;
    return out;
  }
  if (auto app = status.GetPayload(kAppErrorUrl)) {
    out.app.ParseFromString(std::string(*app));
    out.http_status = out.app.status_code();
    return out;
  }
  if (auto oauth = status.GetPayload(kOAuthErrorUrl)) {
    out.kind = ErrorBody::Kind::kOAuth;
    out.oauth.ParseFromString(std::string(*oauth));
    out.http_status = http;
    return out;
  }
  // Not made by AppError(): an unexpected failure (database down, a bug). Never leak its text
  // unless asked.
  const bool unavailable = absl::IsUnavailable(status);
  out.http_status = unavailable ? 503 : 500;
  out.app.set_id(std::string(fallback_id));
  out.app.set_message(ErrorMessage(fallback_id));
  out.app.set_detailed_error(std::string(status.message()));
  out.app.set_status_code(out.http_status);
  return out;
}

}  // namespace oauthd::app
