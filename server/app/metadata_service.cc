#include "server/app/metadata_service.h"

#include "absl/strings/str_cat.h"
#include "server/app/api_error.h"
#include "server/model/url_rules.h"

namespace oauthd::app {

absl::StatusOr<std::string> JoinUrlPath(absl::string_view base, absl::string_view path) {
  model::ParsedUrl u;
  if (!model::ParseAbsoluteUrl(base, &u))
    return absl::InvalidArgumentError("site URL does not parse");
  std::string joined = u.path + "/" + std::string(path);
  std::string clean;
  for (char c : joined) {
    if (c == '/' && !clean.empty() && clean.back() == '/') continue;
    clean.push_back(c);
  }
  std::string authority = u.host + (u.port.empty() ? "" : ":" + u.port);
  return absl::StrCat(u.scheme, "://", authority, clean, u.has_query ? "?" + u.query : "");
}

absl::StatusOr<oauthd::v1::AuthorizationServerMetadata> BuildAuthorizationServerMetadata(
    const ServiceConfig& config) {
  if (!config.enable_oauth_service_provider) {
    return AppError(501, "api.oauth.authorization_server_metadata.disabled.app_error");
  }
  if (config.site_url.empty()) {
    return AppError(500, "api.oauth.authorization_server_metadata.site_url_required.app_error");
  }
  auto authorize = JoinUrlPath(config.site_url, "oauth/authorize");
  auto token = JoinUrlPath(config.site_url, "oauth/access_token");
  auto registration = JoinUrlPath(config.site_url, "api/v4/oauth/apps/register");
  auto introspection = JoinUrlPath(config.site_url, "oauth/introspect");
  auto revocation = JoinUrlPath(config.site_url, "oauth/revoke");
  if (!authorize.ok() || !token.ok() || !registration.ok() || !introspection.ok() ||
      !revocation.ok()) {
    return AppError(500, "api.oauth.authorization_server_metadata.invalid_url.app_error",
                    absl::StrCat("site_url=", config.site_url));
  }
  oauthd::v1::AuthorizationServerMetadata m;
  m.set_issuer(config.site_url);  // verbatim, as Mattermost does
  m.set_authorization_endpoint(*authorize);
  m.set_token_endpoint(*token);
  m.add_response_types_supported("code");
  if (config.enable_dynamic_client_registration) m.set_registration_endpoint(*registration);
  m.add_scopes_supported("user");
  m.add_grant_types_supported("authorization_code");
  m.add_grant_types_supported("refresh_token");
  m.add_token_endpoint_auth_methods_supported("client_secret_post");
  m.add_token_endpoint_auth_methods_supported("none");
  m.add_code_challenge_methods_supported("S256");
  m.set_introspection_endpoint(*introspection);
  m.add_introspection_endpoint_auth_methods_supported("client_secret_basic");
  m.add_introspection_endpoint_auth_methods_supported("client_secret_post");
  m.set_revocation_endpoint(*revocation);
  m.add_revocation_endpoint_auth_methods_supported("client_secret_basic");
  m.add_revocation_endpoint_auth_methods_supported("client_secret_post");
  m.add_revocation_endpoint_auth_methods_supported("none");
  return m;
}

absl::StatusOr<oauthd::v1::AuthorizationServerMetadata> GetAuthorizationServerMetadata(
    const ServiceConfig& config, Caller* caller) {
  auto metadata = BuildAuthorizationServerMetadata(config);
  if (metadata.ok() && config.metadata_max_age > absl::ZeroDuration()) {
    caller->response_headers.emplace_back(
        "cache-control",
        absl::StrCat("public, max-age=", absl::ToInt64Seconds(config.metadata_max_age)));
  }
  return metadata;
}

}  // namespace oauthd::app
