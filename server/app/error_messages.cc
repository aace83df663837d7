// English messages for the error ids oauthd returns (our own words; clients match on the id).
#include <string>

#include "absl/container/flat_hash_map.h"
#include "server/app/api_error.h"

namespace oauthd::app {

std::string ErrorMessage(absl::string_view id) {
  static const auto* kMessages = new absl::flat_hash_map<std::string, std::string>{
      {"api.context.invalid_url_param.app_error", "Invalid or missing parameter in request URL."},
      {"api.context.invalid_body_param.app_error", "Invalid or missing parameter in request body."},
      {"api.context.permissions.app_error", "You do not have the appropriate permissions."},
      {"api.context.session_expired.app_error", "Invalid or expired session, please login again."},
      {"api.context.invalid_token.error", "Invalid session token."},
      {"api.context.token_provided.app_error", "Session is not OAuth but token was provided in the query string."},
      {"api.context.request_body_too_large.app_error", "The request body is too large."},
      {"api.command.admin_only.app_error", "Integrations have been limited to admins only."},
      {"api.oauth.register_oauth_app.turn_off.app_error",
       "The system admin has turned off OAuth2 Service Provider."},
      {"api.oauth.allow_oauth.turn_off.app_error", "The system admin has turned off OAuth2 Service Provider."},
      {"api.oauth.regenerate_secret.public_client.app_error", "Public clients have no secret to regenerate."},
      {"api.oauth.authorization_server_metadata.disabled.app_error",
       "OAuth2 Service Provider is disabled, so there is no authorization server metadata."},
      {"api.oauth.authorization_server_metadata.site_url_required.app_error",
       "The site URL must be configured to publish authorization server metadata."},
      {"api.oauth.authorization_server_metadata.invalid_url.app_error",
       "Could not build the authorization server metadata URLs from the site URL."},
      {"app.oauth.save_app.existing.app_error", "Must call update for existing app."},
      {"app.oauth.save_app.save.app_error", "Unable to save the app."},
      {"app.oauth.get_app.find.app_error", "Unable to find the requested app."},
      {"app.oauth.get_app.finding.app_error", "We encountered an error finding the app."},
      {"app.oauth.get_apps.find.app_error", "An error occurred while finding the OAuth2 Apps."},
      {"app.oauth.get_app_by_user.find.app_error", "Unable to find any existing apps."},
      {"app.oauth.update_app.find.app_error", "Unable to find the existing app to update."},
      {"app.oauth.update_app.updating.app_error", "We encountered an error updating the app."},
      {"app.oauth.delete_app.app_error", "We encountered an error deleting the OAuth2 App."},
      {"app.internal_error", "An internal error occurred."},
      {"model.oauth.is_valid.app_id.app_error", "Invalid app id."},
      {"model.oauth.is_valid.create_at.app_error", "Create at must be a valid time."},
      {"model.oauth.is_valid.update_at.app_error", "Update at must be a valid time."},
      {"model.oauth.is_valid.creator_id.app_error", "Invalid creator id."},
      {"model.oauth.is_valid.client_secret.app_error", "Invalid client secret."},
      {"model.oauth.is_valid.name.app_error", "Invalid name: it is required and at most 64 bytes."},
      {"model.oauth.is_valid.callback.app_error",
       "Callback URLs are required, must be valid http(s) URLs and at most 1024 characters together."},
      {"model.oauth.is_valid.homepage.app_error",
       "Homepage is required and must be a valid http(s) URL of at most 256 characters."},
      {"model.oauth.is_valid.description.app_error", "Description must be at most 512 characters."},
      {"model.oauth.is_valid.icon_url.app_error", "Icon URL must be a valid http(s) URL of at most 512 characters."},
      {"model.oauth.is_valid.mattermost_app_id.app_error", "Mattermost app id must be at most 32 characters."},
      {"model.dcr.is_valid.redirect_uris.app_error", "At least one redirect URI is required."},
      {"model.dcr.is_valid.redirect_uri_format.app_error",
       "Redirect URIs must be absolute URIs with a scheme and a host, and not of a dangerous scheme."},
      {"model.dcr.is_valid.client_name.app_error", "Client name must be at most 64 characters."},
      {"model.dcr.is_valid.client_uri_format.app_error", "Client URI must be a valid http(s) URL."},
      {"model.dcr.is_valid.client_uri_length.app_error", "Client URI must be at most 256 characters."},
      {"model.dcr.is_valid.unsupported_auth_method.app_error",
       "Token endpoint auth method must be client_secret_post or none."},
  };
  auto it = kMessages->find(std::string(id));
  return it == kMessages->end() ? std::string(id) : it->second;
}

}  // namespace oauthd::app
