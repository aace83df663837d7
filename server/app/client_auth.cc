#include "server/app/client_auth.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "server/app/api_error.h"
#include "server/model/authorize_request.h"
#include "server/model/url_encoding.h"

namespace oauthd::app {

absl::Status InvalidClient(absl::string_view description) {
  return WithHeader(OAuthError(401, "invalid_client", description), "www-authenticate",
                    "Basic realm=\"oauthd\"");
}

absl::StatusOr<ClientClaim> ClaimClient(const std::string& authorization,
                                        const std::string& client_id,
                                        const std::string& client_secret) {
  absl::string_view auth = absl::StripAsciiWhitespace(authorization);
  if (auth.size() > 6 && absl::EqualsIgnoreCase(auth.substr(0, 6), "basic ")) {
    if (!client_id.empty() && !client_secret.empty()) {
      return OAuthError(400, "invalid_request",
                        "the client authenticated both with HTTP Basic and in the body");
    }
    std::string decoded;
    ClientClaim claim;
    claim.basic = true;
    const size_t colon = [&] {
      if (!absl::Base64Unescape(absl::StripAsciiWhitespace(auth.substr(6)), &decoded))
        return std::string::npos;
      return decoded.find(':');
    }();
    // RFC 6749 §2.3.1: the id and the secret are each form-encoded before they are joined.
    if (colon == std::string::npos ||
        !model::FormUnescape(absl::string_view(decoded).substr(0, colon), &claim.client_id) ||
        !model::FormUnescape(absl::string_view(decoded).substr(colon + 1), &claim.client_secret)) {
      return InvalidClient("malformed HTTP Basic credentials");
    }
    if (!client_id.empty() && client_id != claim.client_id)
      return InvalidClient("client_id differs from the HTTP Basic credentials");
    return claim;
  }
  if (client_id.empty()) return InvalidClient("client authentication is required");
  return ClientClaim{client_id, client_secret, false};
}

absl::Status CheckClient(const ClientClaim& claim,
                         const std::optional<storage::ClientCredentials>& stored, bool allow_public,
                         absl::Time now) {
  if (!stored) return InvalidClient("unknown client");
  if (stored->client_secret.empty()) {
    if (allow_public && claim.client_secret.empty()) return absl::OkStatus();
    return InvalidClient(allow_public ? "a public client sends no secret"
                                      : "a public client cannot authenticate here");
  }
  if (!claim.client_secret.empty() &&
      (model::ConstantTimeEquals(claim.client_secret, stored->client_secret) ||
       (!stored->previous_secret.empty() && absl::ToUnixMillis(now) < stored->previous_expires_at &&
        model::ConstantTimeEquals(claim.client_secret, stored->previous_secret)))) {
    return absl::OkStatus();
  }
  return InvalidClient("client authentication failed");
}

}  // namespace oauthd::app
