// The authorization request's rules (spec §6.2): AuthorizeRequest.IsValid and PKCE (RFC 7636, S256
// only).
#ifndef OAUTHD_SERVER_MODEL_AUTHORIZE_REQUEST_H_
#define OAUTHD_SERVER_MODEL_AUTHORIZE_REQUEST_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "oauthd/v1/authorize.pb.h"

namespace oauthd::model {

// OK, or a 400 AppError model.authorize.is_valid.*. The redirect URI only has to be an absolute URI
// here; the exact match against the app's callbacks decides (architecture decision: custom schemes
// of DCR clients work).
absl::Status ValidateAuthorizeRequest(const oauthd::v1::AuthorizeRequest& req);

// base64url-nopad(SHA-256(verifier)).
std::string PkceS256(absl::string_view verifier);
// A verifier is 43–128 characters of [A-Za-z0-9-._~].
bool IsValidCodeVerifier(absl::string_view verifier);

// Checks a code's PKCE binding at the token endpoint (spec §6.4); OK or a 400 AppError.
absl::Status ValidatePkce(absl::string_view stored_challenge, absl::string_view verifier,
                          bool public_client);

// Constant-time comparison (for client secrets).
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace oauthd::model

#endif  // OAUTHD_SERVER_MODEL_AUTHORIZE_REQUEST_H_
