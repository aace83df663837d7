#include "server/app/registration_service.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/mattermost_id.h"
#include "server/app/api_error.h"
#include "server/app/json_body.h"
#include "server/model/oauth_app.h"
#include "server/model/redirect_allowlist.h"
#include "server/model/url_rules.h"

namespace oauthd::app {
namespace {

constexpr char kDefaultClientName[] = "Dynamically Registered Client";

absl::Status InvalidMetadata(absl::string_view description, int http_status = 400) {
  return OAuthError(http_status, "invalid_client_metadata", description);
}

absl::Status Invalid(absl::string_view field) {
  return absl::InvalidArgumentError(absl::StrCat("model.dcr.is_valid.", field, ".app_error"));
}

}  // namespace

absl::Status ValidateRegistration(const oauthd::v1::ClientRegistrationRequest& req) {
  if (req.redirect_uris_size() == 0) return Invalid("redirect_uris");
  for (const std::string& uri : req.redirect_uris()) {
    model::ParsedUrl u;
    if (!model::ParseAbsoluteUrl(uri, &u) || model::IsDangerousScheme(u.scheme)) {
      return Invalid("redirect_uri_format");
    }
  }
  if (req.client_name().size() > 64) return Invalid("client_name");
  if (req.has_client_uri() && !req.client_uri().empty()) {
    if (!model::IsValidHttpUrl(req.client_uri())) return Invalid("client_uri_format");
    if (req.client_uri().size() > 256) return Invalid("client_uri_length");
  }
  if (req.has_token_endpoint_auth_method() &&
      req.token_endpoint_auth_method() != "client_secret_post" &&
      req.token_endpoint_auth_method() != "none") {
    return Invalid("unsupported_auth_method");
  }
  return absl::OkStatus();
}

absl::StatusOr<oauthd::v1::ClientRegistrationResponse> RegistrationService::Register(
    Caller* caller, const google::api::HttpBody& body) {
  absl::Duration retry_after;
  const absl::Time now = absl::Now();
  if (!limiter_->Allow(caller->client_ip, now, &retry_after))
    return LimitExceeded(*limiter_, retry_after);
  oauthd::v1::ClientRegistrationRequest req;
  if (!DecodeJsonBody(body, &req).ok()) return InvalidMetadata("Invalid JSON in request body");
  if (!config_->enable_oauth_service_provider) {
    return OAuthError(400, "unsupported_operation", "OAuth service provider is disabled");
  }
  if (!config_->enable_dynamic_client_registration) {
    return OAuthError(400, "unsupported_operation", "Dynamic client registration is disabled");
  }
  if (absl::Status st = ValidateRegistration(req); !st.ok())
    return InvalidMetadata(ErrorMessage(st.message()));
  for (const std::string& uri : req.redirect_uris()) {
    if (!model::RedirectUriMatchesAllowlist(uri, config_->dcr_redirect_uri_allowlist)) {
      return OAuthError(400, "invalid_redirect_uri",
                        "One or more redirect URIs do not match the allowlist");
    }
  }
  const bool is_public = req.token_endpoint_auth_method() == "none";
  oauthd::v1::OAuthApp app;
  app.set_id(NewId());
  app.set_create_at(absl::ToUnixMillis(now));
  app.set_update_at(app.create_at());
  app.set_name(req.has_client_name() ? req.client_name() : kDefaultClientName);
  *app.mutable_callback_urls() = req.redirect_uris();
  app.set_homepage(req.client_uri());
  app.set_is_dynamically_registered(true);
  if (!is_public) app.set_client_secret(NewId());
  if (absl::Status st = model::ValidateOAuthApp(app); !st.ok()) {
    const ErrorBody err = ExtractErrorBody(st);
    return InvalidMetadata(err.app.message(), err.http_status);
  }
  absl::Status saved = config_->dcr_max_clients > 0
                           ? apps_->SaveDynamic(model::ToRow(app), config_->dcr_max_clients)
                           : apps_->Save(model::ToRow(app));
  if (absl::IsResourceExhausted(saved)) {
    return InvalidMetadata(absl::StrCat(
        "This server has reached its limit of ", config_->dcr_max_clients,
        " dynamically registered clients; try again later or ask an administrator for a client"));
  }
  if (absl::Status st = saved; !st.ok()) {
    // The AppError's message and status (503 when the database is unreachable), RFC 7591's shape.
    const ErrorBody err = ExtractErrorBody(StoreFailure(st, "app.oauth.save_app.save.app_error"));
    return InvalidMetadata(err.app.message(), err.http_status);
  }
  oauthd::v1::ClientRegistrationResponse resp;
  caller->app_id = app.id();
  resp.set_client_id(app.id());
  if (!is_public) {
    resp.set_client_secret(app.client_secret());
    resp.set_client_secret_expires_at(0);  // RFC 7591: required with a secret; 0 = never
  }
  *resp.mutable_redirect_uris() = app.callback_urls();
  resp.set_token_endpoint_auth_method(is_public ? "none" : "client_secret_post");
  resp.add_grant_types("authorization_code");
  resp.add_grant_types("refresh_token");
  resp.add_response_types("code");
  resp.set_scope("user");
  if (!app.name().empty()) resp.set_client_name(app.name());
  if (!app.homepage().empty()) resp.set_client_uri(app.homepage());
  resp.set_client_id_issued_at(app.create_at() / 1000);
  return resp;
}

}  // namespace oauthd::app
