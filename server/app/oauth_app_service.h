// The app-management operations (spec §2.2–§2.9), each in Mattermost's order of checks.
#ifndef OAUTHD_SERVER_APP_OAUTH_APP_SERVICE_H_
#define OAUTHD_SERVER_APP_OAUTH_APP_SERVICE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/api/httpbody.pb.h"
#include "oauthd/v1/apps.pb.h"
#include "server/app/authenticator.h"
#include "server/app/service_config.h"
#include "storage/app_store.h"

namespace oauthd::app {

class OAuthAppService {
 public:
  OAuthAppService(const ServiceConfig* config, Authenticator* auth, storage::AppStore* apps)
      : config_(config), auth_(auth), apps_(apps) {}

  absl::StatusOr<oauthd::v1::OAuthApp> Create(Caller* caller,
                                              const oauthd::v1::CreateOAuthAppRequest& req);
  absl::StatusOr<std::vector<oauthd::v1::OAuthApp>> List(
      Caller* caller, const oauthd::v1::GetOAuthAppsRequest& req);
  absl::StatusOr<oauthd::v1::OAuthApp> Get(Caller* caller, const std::string& app_id);
  // Get on a thread that must not block: false, having done nothing, when it would block (the
  // caller's session is not cached, or the store has no asynchronous database); otherwise `done`
  // gets Get's answer, here or on the database's loop thread.
  bool TryGetAsync(Caller* caller, const std::string& app_id,
                   std::function<void(absl::StatusOr<oauthd::v1::OAuthApp>)> done);
  absl::StatusOr<oauthd::v1::OAuthApp> Update(Caller* caller, const std::string& app_id,
                                              const google::api::HttpBody& body);
  absl::Status Delete(Caller* caller, const std::string& app_id);
  absl::StatusOr<oauthd::v1::OAuthApp> RegenerateSecret(Caller* caller, const std::string& app_id);
  absl::StatusOr<oauthd::v1::OAuthApp> Info(Caller* caller, const std::string& app_id);
  // oauthd's: marks an app as a resource server, which may introspect any token (system admins
  // only: the flag lets an app learn about every user's tokens).
  absl::StatusOr<oauthd::v1::OAuthApp> SetResourceServer(
      Caller* caller, const oauthd::v1::SetOAuthAppResourceServerRequest& req);
  absl::StatusOr<std::vector<oauthd::v1::OAuthApp>> AuthorizedForUser(
      Caller* caller, const oauthd::v1::GetAuthorizedOAuthAppsRequest& req);

 private:
  // Shared by get/update/delete/regen after LoadOAuthApp: the caller must own the app or hold
  // manage_system_wide_oauth.
  absl::Status CheckOwnerOrSystemWide(const Session& session, const oauthd::v1::OAuthApp& app);
  // Session + valid app id + manage_oauth: the common prefix of get/update/delete/regen.
  absl::StatusOr<Session> ManageOAuthPrefix(Caller* caller, const std::string& app_id);
  // The checks of ManageOAuthPrefix after the session.
  absl::Status ManageOAuthChecks(const Session& session, const std::string& app_id);
  absl::Status ProviderEnabled() const;
  // The store's UpdateApp: update_at = now, validate, write (spec §2.5 step 10).
  absl::Status StoreUpdate(oauthd::v1::OAuthApp* app);

  const ServiceConfig* config_;
  Authenticator* auth_;
  storage::AppStore* apps_;
};

}  // namespace oauthd::app

#endif  // OAUTHD_SERVER_APP_OAUTH_APP_SERVICE_H_
