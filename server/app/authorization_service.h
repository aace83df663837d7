// The authorization flow (spec §6): the browser's GET /oauth/authorize (consent page or redirects),
// the consent page's POST, the token endpoint (authorization_code and refresh_token grants, PKCE,
// client authentication) and deauthorization. Access tokens are OAuth sessions, so they
// authenticate /api/v4 calls like any session.
#ifndef OAUTHD_SERVER_APP_AUTHORIZATION_SERVICE_H_
#define OAUTHD_SERVER_APP_AUTHORIZATION_SERVICE_H_

#include <functional>
#include <memory>
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
  // The token endpoint (authorization_code and refresh_token grants) with RFC 6749's error codes.
  // Answers through `done`: at once on the calling thread when the stores have no non-blocking
  // client, else on its loop thread (two round trips: one read, one CALL).
  using TokenDone = std::function<void(absl::StatusOr<oauthd::v1::AccessTokenResponse>)>;
  void AccessToken(Caller* caller, const google::api::HttpBody& form, TokenDone done);
  bool exchanges_without_blocking() const { return grants_->has_async(); }
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
  // A new OAuth session and its access data for (app, user), not yet written.
  struct NewToken {
    storage::SessionRow session;
    storage::AccessDataRow access;
  };
  NewToken MintToken(const oauthd::v1::OAuthApp& app, const storage::UserRow& user,
                     const std::string& redirect_uri, const std::string& scope,
                     const std::string& audience, bool with_refresh_token) const;
  oauthd::v1::AccessTokenResponse Issued(const NewToken& token) const;
  // The implicit grant's token for (app, user), replacing the grant that holds `replaced` (or,
  // without it, where there is none yet). ABORTED when that grant changed since it was read.
  absl::StatusOr<oauthd::v1::AccessTokenResponse> IssueToken(
      const oauthd::v1::OAuthApp& app, const storage::UserRow& user,
      const std::string& redirect_uri, const std::string& scope, const std::string& audience,
      const std::optional<std::string>& replaced);

  // The token endpoint's steps (authorization_service.cc): read the app with the code or refresh
  // token, authenticate the client, check and write; each step calls the next from its store
  // call's completion, and every path ends in TokenRequest::done.
  struct TokenRequest;
  void ReadExchange(std::shared_ptr<TokenRequest> req);
  absl::Status AuthenticateClient(TokenRequest& req, const storage::Exchange& found);
  void RedeemCode(std::shared_ptr<TokenRequest> req, const storage::Exchange& found);
  void RefreshGrant(std::shared_ptr<TokenRequest> req, const storage::Exchange& found);
  // Records a dynamically registered client's activity, then answers.
  void Finish(TokenRequest& req, absl::StatusOr<oauthd::v1::AccessTokenResponse> resp);

  const ServiceConfig* config_;
  Authenticator* auth_;
  storage::AppStore* apps_;
  storage::GrantStore* grants_;
  storage::PreferenceStore* prefs_;
  storage::IdentityStore* identity_;
};

}  // namespace oauthd::app

#endif  // OAUTHD_SERVER_APP_AUTHORIZATION_SERVICE_H_
