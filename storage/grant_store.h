// What the flow grants (spec §6): pending authorization codes (Mattermost's OAuthAuthData, with the
// PKCE challenge and resource in oauthd's OAuthdAuthData) and issued tokens (Mattermost's
// OAuthAccessData, one row per user and app, with the audience and a sealed refresh token in
// oauthd's OAuthdAccessData).
#ifndef OAUTHD_STORAGE_GRANT_STORE_H_
#define OAUTHD_STORAGE_GRANT_STORE_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/connection_pool.h"
#include "storage/models.h"
#include "storage/secret_cipher.h"

namespace oauthd::storage {

// A code, its user, and the grant its (client, user) already holds.
struct CodeRedemption {
  AuthDataRow code;
  std::optional<UserRow> user;            // absent when the user row is gone
  std::optional<AccessDataRow> existing;  // the (client, user)'s current grant, if any
  bool session_exists = false;            // whether that grant's session still exists
};

class GrantStore {
 public:
  // With a key in `cipher`, codes and refresh tokens are stored as digests
  // (storage/secret_cipher.h) and a grant's refresh token also sealed; either form is found, and
  // clear text always is.
  explicit GrantStore(ConnectionPool* pool, const SecretCipher* cipher = &SecretCipher::ClearText())
      : pool_(pool), cipher_(cipher) {}

  absl::Status SaveAuthData(const AuthDataRow& code);
  // Deletes the code; returns false if it was already gone, so exactly one caller can redeem a
  // code.
  absl::StatusOr<bool> DeleteAuthData(const std::string& code);

  absl::StatusOr<AccessDataRow> GetAccessDataByClientUser(const std::string& client_id,
                                                          const std::string& user_id);
  // The code with all that redeeming it reads next, in one query (the token exchange's round trips:
  // bench/README.md). NOT_FOUND when there is no such code.
  absl::StatusOr<CodeRedemption> GetCodeRedemption(const std::string& code);
  absl::StatusOr<AccessDataRow> GetAccessDataByRefreshToken(const std::string& refresh_token);

  // Issues a token: in one transaction, creates `session` and writes `access` as the one row for
  // its (client, user). The write is a compare-and-swap on that row, so that a grant read by two
  // callers at once is replaced by only one of them: with `replaced_token`, the row must still hold
  // that token (its session is then deleted); without it, there must be no row yet. Otherwise the
  // answer is ABORTED and nothing is written (a concurrent refresh, redemption or revocation won).
  absl::Status IssueToken(const SessionRow& session, const AccessDataRow& access,
                          const std::optional<std::string>& replaced_token);
  // IssueToken for an authorization code, deleting the code in the same transaction (one commit
  // for the whole exchange). NOT_FOUND, and nothing written, when the code was already gone: only
  // one caller redeems a code.
  absl::Status RedeemCode(const std::string& code, const SessionRow& session,
                          const AccessDataRow& access,
                          const std::optional<std::string>& replaced_token);

  // Revokes everything the user granted the client, in one transaction: the session of its access
  // data and any other OAuth session of the user that names the client (one the old, racy refresh
  // could leave behind), the access data, pending codes and the `oauth_app` preference.
  absl::Status Deauthorize(const std::string& user_id, const std::string& client_id);

 private:
  // The writes of IssueToken, inside the caller's transaction.
  absl::Status WriteToken(DbConn& c, const SessionRow& session, const AccessDataRow& access,
                          const std::optional<std::string>& replaced_token);
  ConnectionPool* pool_;
  const SecretCipher* cipher_;
};

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_GRANT_STORE_H_
