// RFC 7591 dynamic client registration (spec §5): rate limit, decode, feature gates, validation,
// allowlist, save.
#ifndef OAUTHD_SERVER_APP_REGISTRATION_SERVICE_H_
#define OAUTHD_SERVER_APP_REGISTRATION_SERVICE_H_

#include "absl/status/statusor.h"
#include "google/api/httpbody.pb.h"
#include "oauthd/v1/server.pb.h"
#include "server/app/authenticator.h"
#include "server/app/rate_limiter.h"
#include "server/app/service_config.h"
#include "storage/app_store.h"

namespace oauthd::app {

class RegistrationService {
 public:
  RegistrationService(const ServiceConfig* config, RateLimiter* limiter, storage::AppStore* apps)
      : config_(config), limiter_(limiter), apps_(apps) {}

  absl::StatusOr<oauthd::v1::ClientRegistrationResponse> Register(
      Caller* caller, const google::api::HttpBody& body);

 private:
  const ServiceConfig* config_;
  RateLimiter* limiter_;
  storage::AppStore* apps_;
};

// ClientRegistrationRequest.IsValid: OK or the model.dcr.is_valid.* id that failed (as an
// INVALID_ARGUMENT status whose message is the id).
absl::Status ValidateRegistration(const oauthd::v1::ClientRegistrationRequest& req);

}  // namespace oauthd::app

#endif  // OAUTHD_SERVER_APP_REGISTRATION_SERVICE_H_
