// RFC 7662 introspection and RFC 7009 revocation of the tokens oauthd issues (docs/api.md,
// "Checking and revoking tokens"). A client learns about its own tokens; an app a system admin
// marked as a resource server learns about any; anyone else hears only {"active": false}, so the
// endpoint is no oracle. Revocation ends the token's whole grant (Mattermost keeps one per user and
// app) and answers 200 whatever the token was, so it is no oracle either.
#ifndef OAUTHD_SERVER_APP_TOKEN_SERVICE_H_
#define OAUTHD_SERVER_APP_TOKEN_SERVICE_H_

#include <functional>

#include "absl/status/statusor.h"
#include "oauthd/v1/tokens.pb.h"
#include "server/app/authenticator.h"
#include "server/app/client_auth.h"
#include "server/app/rate_limiter.h"
#include "server/app/service_config.h"
#include "storage/grant_store.h"

namespace oauthd::app {

class TokenService {
 public:
  // `failures` limits failed client authentications per client address (a guessed secret).
  TokenService(const ServiceConfig* config, storage::GrantStore* grants, RateLimiter* failures)
      : config_(config), grants_(grants), failures_(failures) {}

  using IntrospectionDone = std::function<void(absl::StatusOr<oauthd::v1::IntrospectionResponse>)>;
  // Answers through `done`: on the calling thread when the store has no non-blocking client,
  // else on its loop thread (one query for the token as its hint says, a second only when that
  // finds nothing).
  void Introspect(Caller* caller, const oauthd::v1::TokenRequest& req, IntrospectionDone done);
  bool introspects_without_blocking() const { return grants_->has_async(); }

  absl::StatusOr<oauthd::v1::RevocationResponse> Revoke(Caller* caller,
                                                        const oauthd::v1::TokenRequest& req);

 private:
  struct Parsed {
    std::string token;
    storage::TokenKind first = storage::TokenKind::kAccess;  // from token_type_hint
    ClientClaim client;
  };
  // The request's fields (from the form body over HTTP), the client claim, and the checks that need
  // no database: provider enabled, a token given, the failure limit not spent.
  absl::StatusOr<Parsed> Parse(Caller* caller, const oauthd::v1::TokenRequest& req,
                               const char* audit_event);
  // Records a failed client authentication against the caller's address, and audits it as
  // `audit_event`.
  absl::Status CountFailure(Caller* caller, const char* audit_event, absl::Status failure);
  // The introspection answer once the token (of either kind) has been looked up.
  absl::StatusOr<oauthd::v1::IntrospectionResponse> Answer(
      Caller* caller, const Parsed& parsed, const absl::StatusOr<storage::TokenLookup>& found);
  // The client as `found` has it, its previous secret kept only while --secret-rotation-grace runs.
  std::optional<storage::ClientCredentials> Credentials(const storage::TokenLookup& found) const;

  const ServiceConfig* config_;
  storage::GrantStore* grants_;
  RateLimiter* failures_;
};

}  // namespace oauthd::app

#endif  // OAUTHD_SERVER_APP_TOKEN_SERVICE_H_
