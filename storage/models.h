// Rows as the stores read and write them: plain structs named after Mattermost's tables (spec §8).
// Business rules (validation, sanitizing) live in server/, not here.
#ifndef OAUTHD_STORAGE_MODELS_H_
#define OAUTHD_STORAGE_MODELS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace oauthd::storage {

struct OAuthAppRow {
  std::string id;
  std::string creator_id;
  int64_t create_at = 0;
  int64_t update_at = 0;
  std::string client_secret;
  std::string name;
  std::string description;
  std::string icon_url;
  std::vector<std::string> callback_urls;
  std::string homepage;
  bool is_trusted = false;
  std::string mattermost_app_id;
  bool is_dynamically_registered = false;
  bool is_resource_server = false;  // oauthd's: may introspect any token
};

struct UserRow {
  std::string id;
  int64_t create_at = 0;
  int64_t update_at = 0;
  int64_t delete_at = 0;  // != 0: deactivated
  std::string username;
  std::string email;
  std::string roles;  // space-separated role names
  bool mfa_active = false;
  std::string locale = "en";
};

struct SessionRow {
  std::string id;
  std::string token;
  int64_t create_at = 0;
  int64_t expires_at = 0;  // 0: never expires
  int64_t last_activity_at = 0;
  std::string user_id;
  std::string device_id;
  std::string roles;
  bool is_oauth = false;
  std::string props_json = "{}";  // Mattermost's Props map as JSON, e.g. {"csrf":"..."}
};

struct RoleRow {
  std::string id;
  std::string name;
  std::string display_name;
  std::string description;
  std::string permissions;  // space-separated permission ids
  bool built_in = false;
};

struct PreferenceRow {
  std::string user_id;
  std::string category;
  std::string name;
  std::string value;
};

// A pending authorization code (OAuthAuthData).
struct AuthDataRow {
  std::string client_id;
  std::string user_id;
  std::string code;
  int32_t expires_in = 0;  // seconds
  int64_t create_at = 0;   // ms
  std::string redirect_uri;
  std::string state;
  std::string scope;
  std::string code_challenge;
  std::string code_challenge_method;
  std::string resource;
};

// The secret an app had before its last regeneration, still accepted until `expires_at` (ms).
struct PreviousSecret {
  std::string client_secret;
  int64_t expires_at = 0;
};

// What introspection and revocation know of a token: its grant, its user and its app.
struct TokenRecord {
  bool refresh = false;  // found as a refresh token (else as an access token)
  std::string token;     // the access token (Sessions.Token), for either kind
  std::string client_id;
  std::string user_id;
  std::string username;
  std::string scope;
  std::string audience;
  int64_t issued_at = 0;   // ms: the session's CreateAt (a refresh token comes with its session)
  int64_t expires_at = 0;  // ms, 0: never (refresh tokens, and sessions without an expiry)
  bool session_exists = false;
  bool user_active = false;  // the user row exists and is not deactivated
  bool app_exists = false;
};

// The calling client of introspection or revocation, read with the token in one query.
struct ClientCredentials {
  std::string client_secret;    // opened; "" for a public client
  std::string previous_secret;  // --secret-rotation-grace's, if any
  int64_t previous_expires_at = 0;
  bool is_resource_server = false;
};

// An issued access token (OAuthAccessData); one row per (client, user).
struct AccessDataRow {
  std::string token;
  std::string refresh_token;
  std::string redirect_uri;
  std::string client_id;
  std::string user_id;
  int64_t expires_at = 0;  // ms
  std::string scope;
  std::string audience;
};

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_MODELS_H_
