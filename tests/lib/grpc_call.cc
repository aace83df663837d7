#include "tests/lib/grpc_call.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/status.pb.h"

namespace oauthd::testing {

void FillResult(grpc::ClientContext& ctx, grpc::Status status, CallResult* out) {
  out->status = status;
  for (const auto* md : {&ctx.GetServerInitialMetadata(), &ctx.GetServerTrailingMetadata()}) {
    for (const auto& [k, v] : *md)
      out->metadata.emplace(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
  }
  if (status.ok() || status.error_details().empty()) return;
  google::rpc::Status rpc;
  if (!rpc.ParseFromString(status.error_details()) || rpc.details_size() == 0) return;
  const auto& any = rpc.details(0);
  if (any.Is<oauthd::v1::AppError>()) out->has_app_error = any.UnpackTo(&out->app_error);
  if (any.Is<oauthd::v1::OAuthError>()) out->has_oauth_error = any.UnpackTo(&out->oauth_error);
  if (any.Is<google::api::HttpBody>()) out->has_raw_error = any.UnpackTo(&out->raw_error);
}

std::string CallResult::Header(const std::string& name) const {
  auto it = metadata.find(name);
  return it == metadata.end() ? "" : it->second;
}

int CallResult::http_status() const {
  if (status.ok()) {
    int code = 200;
    std::string h = Header("x-http-code");
    if (!h.empty()) absl::SimpleAtoi(h, &code);
    return code;
  }
  if (has_app_error && app_error.has_status_code()) return app_error.status_code();
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}

std::string CallResult::Describe() const {
  return absl::StrCat("grpc=", status.error_code(), " http=", http_status(), " id=", app_error.id(),
                      " oauth=", oauth_error.error(), " msg=", status.error_message(),
                      " detailed=", app_error.detailed_error());
}

}  // namespace oauthd::testing
