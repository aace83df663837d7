// The authorization flow (spec §6): the browser's GET /oauth/authorize (consent page or redirects),
// the consent page's POST, the token endpoint (authorization_code and refresh_token grants, PKCE,
// client authentication) and deauthorization. Access tokens are OAuth sessions, so they
// authenticate /api/v4 calls like any session.
#ifndef OAUTHD_SERVER_APP_AUTHORIZATION_SERVICE_H_
#define OAUTHD_SERVER_APP_AUTHORIZATION_SERVICE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "google/api/httpbody.pb.h"
#include "oauthd/v1/apps.pb.h"
#include "oauthd/v1/authorize.pb.h"
#include "server/app/authenticator.h"
#include "server/app/service_config.h"
#include "storage/app_store.h"
#include "storage/grant_store.h"
#include "storage/identity_store.h"
#include "storage/preference_store.h"

namespace oauthd::app {

class AuthorizationService {
 public:
  AuthorizationService(const ServiceConfig* config, Authenticator* auth, storage::AppStore* apps,
                       storage::GrantStore* grants, storage::PreferenceStore* prefs,
                       storage::IdentityStore* identity)
      : config_(config),
        auth_(auth),
        apps_(apps),
        grants_(grants),
        prefs_(prefs),
        identity_(identity) {}

  // HTML (consent page or error page) or a 302, with caller->http_status and the Location header
  // set.
  absl::StatusOr<google::api::HttpBody> AuthorizePage(Caller* caller,
                                                      const oauthd::v1::AuthorizeRequest& req);
  absl::StatusOr<oauthd::v1::AuthorizeResponse> Authorize(
      Caller* caller, const oauthd::v1::AuthorizePostRequest& post);
  absl::StatusOr<oauthd::v1::AccessTokenResponse> AccessToken(Caller* caller,
                                                              const google::api::HttpBody& form);
  absl::Status Deauthorize(Caller* caller, const std::string& client_id);

 private:
  // Checks shared by the page and the POST once the app is known (registered redirect, PKCE for
  // public clients).
  absl::Status CheckRequestAgainstApp(const oauthd::v1::AuthorizeRequest& req,
                                      const oauthd::v1::OAuthApp& app);
  // AllowOAuthAppAccessToUser: records the grant (code or implicit token) and returns where the
  // browser goes.
  absl::StatusOr<std::string> AllowAccess(const Session& session, oauthd::v1::AuthorizeRequest req,
                                          const oauthd::v1::OAuthApp& app);
  // A new OAuth session and its access data for (app, user), replacing the grant that holds
  // `replaced` (or, without it, where there is none yet). ABORTED when that grant changed since it
  // was read. With `redeemed_code`, the code is deleted in the same transaction (expired_code if it
  // was gone).
  absl::StatusOr<oauthd::v1::AccessTokenResponse> IssueToken(
      const oauthd::v1::OAuthApp& app, const storage::UserRow& user,
      const std::string& redirect_uri, const std::string& scope, const std::string& audience,
      bool with_refresh_token, const std::optional<std::string>& replaced,
      const std::string* redeemed_code = nullptr);
  // The token endpoint's work, with Mattermost's AppErrors; AccessToken adds RFC 6749's codes.
  absl::StatusOr<oauthd::v1::AccessTokenResponse> RedeemGrant(Caller* caller,
                                                              const google::api::HttpBody& form);
  // A secret that is not the app's current one: accepted if it is the previous one and
  // --secret-rotation-grace has not run out since the regeneration.
  absl::Status CheckPreviousSecret(const std::optional<storage::PreviousSecret>& previous,
                                   const std::string& secret);
  // One attempt at redeeming a code, from what ReadCodeExchange read: ABORTED when another
  // redemption changed the grant since.
  absl::StatusOr<oauthd::v1::AccessTokenResponse> RedeemCode(
      const oauthd::v1::OAuthApp& app, bool public_client, const storage::Exchange& found,
      const std::string& code, const std::string& redirect_uri, const std::string& verifier,
      const std::string& resource);
  absl::StatusOr<oauthd::v1::AccessTokenResponse> RefreshGrant(const oauthd::v1::OAuthApp& app,
                                                               const storage::Exchange& found);

  const ServiceConfig* config_;
  Authenticator* auth_;
  storage::AppStore* apps_;
  storage::GrantStore* grants_;
  storage::PreferenceStore* prefs_;
  storage::IdentityStore* identity_;
};

}  // namespace oauthd::app

#endif  // OAUTHD_SERVER_APP_AUTHORIZATION_SERVICE_H_
