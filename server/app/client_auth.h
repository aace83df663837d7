// Who is calling RFC 7662 introspection or RFC 7009 revocation: an OAuth client, authenticated by
// HTTP Basic (client_secret_basic, RFC 6749 §2.3.1) or by client_id and client_secret beside the
// token (client_secret_post); revocation also takes a public client's client_id alone. The same
// rules hold for a gRPC caller (the `authorization` metadata, or the request's fields).
#ifndef OAUTHD_SERVER_APP_CLIENT_AUTH_H_
#define OAUTHD_SERVER_APP_CLIENT_AUTH_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/models.h"

namespace oauthd::app {

struct ClientClaim {
  std::string client_id;
  std::string client_secret;
  bool basic = false;  // sent as HTTP Basic (then a 401 names that scheme)
};

// The client the caller says it is, from `authorization` (Basic) or the request's own fields; both
// at once is invalid_request (RFC 6749 §2.3: one method per request), no client_id at all is
// invalid_client.
absl::StatusOr<ClientClaim> ClaimClient(const std::string& authorization,
                                        const std::string& client_id,
                                        const std::string& client_secret);

// Whether the claim proves the client: its secret (or, within --secret-rotation-grace, the previous
// one) for a confidential client; a public client passes only where `allow_public` (revocation).
// Failure is 401 invalid_client with WWW-Authenticate.
absl::Status CheckClient(const ClientClaim& claim,
                         const std::optional<storage::ClientCredentials>& stored, bool allow_public,
                         absl::Time now);

// 401 invalid_client, with the WWW-Authenticate challenge RFC 6749 §5.2 asks for.
absl::Status InvalidClient(absl::string_view description);

}  // namespace oauthd::app

#endif  // OAUTHD_SERVER_APP_CLIENT_AUTH_H_
