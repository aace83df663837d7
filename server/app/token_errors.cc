#include "server/app/token_errors.h"

#include "absl/container/flat_hash_map.h"
#include "server/app/api_error.h"

namespace oauthd::app {
namespace {

// What went wrong, by who can mend it: the request's shape (invalid_request), the client's identity
// (invalid_client), the code or refresh token presented (invalid_grant), the grant type
// (unsupported_grant_type, unauthorized_client), the resource (invalid_target).
const absl::flat_hash_map<absl::string_view, absl::string_view>& CodeById() {
  static const auto* table = new absl::flat_hash_map<absl::string_view, absl::string_view>{
      {"api.oauth.get_access_token.bad_request.app_error", "invalid_request"},
      {"api.oauth.get_access_token.missing_code.app_error", "invalid_request"},
      {"api.oauth.get_access_token.missing_refresh_token.app_error", "invalid_request"},
      {"api.oauth.get_access_token.bad_grant.app_error", "unsupported_grant_type"},
      // A malformed client id names no client.
      {"api.oauth.get_access_token.bad_client_id.app_error", "invalid_client"},
      // The provider is switched off: no client may use any grant.
      {"api.oauth.get_access_token.disabled.app_error", "unauthorized_client"},
      {"api.oauth.get_access_token.credentials.app_error", "invalid_client"},
      {"model.oauth.validate_grant.credentials.app_error", "invalid_client"},
      // A public client authenticating with a secret uses a method it is not registered for.
      {"model.oauth.validate_grant.public_client_secret.app_error", "invalid_client"},
      {"model.oauth.validate_grant.public_client_refresh_token.app_error", "unauthorized_client"},
      {"model.oauth.validate_grant.pkce_required.app_error", "invalid_request"},
      {"model.authorize.validate_pkce.verifier_required.app_error", "invalid_request"},
      {"model.authorize.validate_pkce.verification_failed.app_error", "invalid_grant"},
      {"model.authorize.validate_pkce.public_client_required.app_error", "invalid_grant"},
      {"model.authorize.validate_pkce.not_used_in_auth.app_error", "invalid_grant"},
      {"api.oauth.get_access_token.expired_code.app_error", "invalid_grant"},
      {"api.oauth.get_access_token.redirect_uri.app_error", "invalid_grant"},
      {"api.oauth.get_access_token.internal_user.app_error", "invalid_grant"},
      {"api.oauth.get_access_token.refresh_token.app_error", "invalid_grant"},
      {"api.oauth.get_access_token.resource_mismatch.app_error", "invalid_target"},
  };
  return *table;
}

}  // namespace

absl::string_view TokenErrorCode(absl::string_view app_error_id, int http_status) {
  const auto& table = CodeById();
  if (auto it = table.find(app_error_id); it != table.end()) return it->second;
  return http_status >= 500 ? "server_error" : "invalid_request";
}

absl::Status AsTokenError(const absl::Status& status) {
  const ErrorBody err = ExtractErrorBody(status);
  return WithOAuthErrorCode(status, TokenErrorCode(err.app.id(), err.http_status));
}

}  // namespace oauthd::app
