// Settings the service logic reads (from `oauthd serve` flags).
#ifndef OAUTHD_SERVER_APP_SERVICE_CONFIG_H_
#define OAUTHD_SERVER_APP_SERVICE_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace oauthd::app {

struct ServiceConfig {
  std::string site_url;
  bool enable_oauth_service_provider = true;
  bool enable_dynamic_client_registration = false;
  std::vector<std::string> dcr_redirect_uri_allowlist;
  // Lifetime of sessions (access tokens) issued to OAuth apps: Mattermost's
  // SessionLengthSSOInHours.
  absl::Duration oauth_session_length = absl::Hours(720);
  // How long clients and shared caches (the gateway's) may reuse the metadata document:
  // Cache-Control: public, max-age=N. It only changes when the flags do. 0: no Cache-Control.
  absl::Duration metadata_max_age = absl::Minutes(1);
  // After regen_secret, how long the token endpoint still accepts the previous secret (one at
  // most). 0: not at all (Mattermost's behaviour).
  absl::Duration secret_rotation_grace = absl::ZeroDuration();
  // Most dynamically registered clients at once; 0: no cap.
  int64_t dcr_max_clients = 0;
  // Dynamically registered clients idle this long (no token, no code, no refresh token) are
  // deleted; 0: never. When set, token activity of such clients is recorded.
  absl::Duration dcr_idle_ttl = absl::ZeroDuration();
};

}  // namespace oauthd::app

#endif  // OAUTHD_SERVER_APP_SERVICE_CONFIG_H_
