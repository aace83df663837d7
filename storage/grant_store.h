// What the flow grants (spec §6): pending authorization codes (Mattermost's OAuthAuthData, with the
// PKCE challenge and resource in oauthd's OAuthdAuthData) and issued tokens (Mattermost's
// OAuthAccessData, one row per user and app, with the audience and a sealed refresh token in
// oauthd's OAuthdAccessData).
#ifndef OAUTHD_STORAGE_GRANT_STORE_H_
#define OAUTHD_STORAGE_GRANT_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/async_db.h"
#include "storage/batch_queue.h"
#include "storage/connection_pool.h"
#include "storage/issue_batch.h"
#include "storage/models.h"
#include "storage/secret_cipher.h"

namespace oauthd::storage {

// The token exchange's one read (bench/README.md, "The token exchange in two round trips"): the
// client app with its previous secret, and what the grant type presents: a code with its user and
// the grant its (client, user) holds, or a refresh token's grant with its user. What was not found
// is absent.
struct Exchange {
  std::optional<OAuthAppRow> app;
  std::optional<PreviousSecret> previous_secret;
  std::optional<AuthDataRow> code;     // a code exchange's code
  std::optional<UserRow> user;         // the code's user, or the refresh token's grant's
  std::optional<AccessDataRow> grant;  // the (client, user) grant of the code's user, or the
                                       // refresh token's
  bool session_exists = false;         // whether that grant's session still exists
};

// What introspection and revocation read in one round trip: the calling client and the token.
struct TokenLookup {
  std::optional<ClientCredentials> client;  // absent: no such app
  std::optional<TokenRecord> token;         // absent: no such token of the kind looked for
};

enum class TokenKind { kAccess, kRefresh };

// The procedure that writes a token exchange in one CALL (storage/migrations/0006).
inline constexpr char kIssueTokenProcedure[] = "oauthd_issue_token";

class GrantStore {
 public:
  // With a key in `cipher`, codes and refresh tokens are stored as digests
  // (storage/secret_cipher.h) and a grant's refresh token also sealed; either form is found, and
  // clear text always is. `async`, if given, serves LookupTokenAsync without a blocked thread.
  // `commit_timeout`: the longest wait for the token exchange's write on the asynchronous client
  // (longer than reads may take: on a cluster a commit waits while a dead node is detected).
  // On `async`, concurrent exchanges go in batches: the reads of one app's codes (or refresh
  // tokens) as one query, the writes as one transaction (storage/issue_batch.h). At most
  // `in_flight` reads of one app's codes (or refresh tokens), and `in_flight` writes, are on the
  // wire at once; what arrives meanwhile waits for the next batch (storage/batch_queue.h).
  explicit GrantStore(ConnectionPool* pool, const SecretCipher* cipher = &SecretCipher::ClearText(),
                      AsyncDb* async = nullptr, absl::Duration commit_timeout = absl::Seconds(15),
                      int in_flight = 2);

  absl::Status SaveAuthData(const AuthDataRow& code);
  // Deletes the code; returns false if it was already gone, so exactly one caller can redeem a
  // code.
  absl::StatusOr<bool> DeleteAuthData(const std::string& code);

  absl::StatusOr<AccessDataRow> GetAccessDataByClientUser(const std::string& client_id,
                                                          const std::string& user_id);
  // All a code exchange reads, in one query.
  absl::StatusOr<Exchange> ReadCodeExchange(const std::string& client_id, const std::string& code);
  // All a refresh reads, in one query. The grant is the refresh token's, whichever its client.
  absl::StatusOr<Exchange> ReadRefreshExchange(const std::string& client_id,
                                               const std::string& refresh_token);
  // The same without blocking (unless `blocking`, or there is no asynchronous client): `done` runs
  // on the asynchronous database's loop thread and must not block.
  using ExchangeDone = std::function<void(absl::StatusOr<Exchange>)>;
  void ReadCodeExchangeAsync(const std::string& client_id, const std::string& code,
                             ExchangeDone done, bool blocking = false);
  void ReadRefreshExchangeAsync(const std::string& client_id, const std::string& refresh_token,
                                ExchangeDone done, bool blocking = false);

  // Issues a token: in one transaction (one CALL of oauthd_issue_token, migration 0006), creates
  // `session` and writes `access` as the one row for its (client, user). The write is a
  // compare-and-swap on that row, so that a grant read by two callers at once is replaced by only
  // one of them: with `replaced_token`, the row must still hold that token (its session is then
  // deleted); without it, there must be no row yet. Otherwise the answer is ABORTED and nothing is
  // written (a concurrent refresh, redemption or revocation won). Sent again after an unknown
  // outcome, it answers OK if the first attempt committed.
  absl::Status IssueToken(const SessionRow& session, const AccessDataRow& access,
                          const std::optional<std::string>& replaced_token);
  // IssueToken for an authorization code, deleting the code in the same transaction (one commit
  // for the whole exchange). NOT_FOUND, and nothing written, when the code was already gone: only
  // one caller redeems a code.
  absl::Status RedeemCode(const std::string& code, const SessionRow& session,
                          const AccessDataRow& access,
                          const std::optional<std::string>& replaced_token);

  // IssueToken, RedeemCode and DeleteAuthData without blocking, as the exchange reads above.
  using StatusDone = std::function<void(absl::Status)>;
  void IssueTokenAsync(const SessionRow& session, const AccessDataRow& access,
                       const std::optional<std::string>& replaced_token, StatusDone done);
  void RedeemCodeAsync(const std::string& code, const SessionRow& session,
                       const AccessDataRow& access,
                       const std::optional<std::string>& replaced_token, StatusDone done);
  void DeleteAuthDataAsync(const std::string& code, std::function<void(absl::StatusOr<bool>)> done);

  // The client `client_id` (its secrets, whether it is a resource server) and the access or refresh
  // token `token` (its grant, user and app), in one query: each an indexed read.
  absl::StatusOr<TokenLookup> LookupToken(const std::string& client_id, const std::string& token,
                                          TokenKind kind);
  // LookupToken without blocking: `done` runs on the asynchronous database's loop thread (and must
  // not block). Without one, it is LookupToken, run on the calling thread.
  void LookupTokenAsync(const std::string& client_id, const std::string& token, TokenKind kind,
                        std::function<void(absl::StatusOr<TokenLookup>)> done);
  bool has_async() const { return async_ != nullptr; }
  // How the asynchronous writes and exchange reads were batched (all zero without an
  // asynchronous client).
  IssueBatcher::Stats write_batches() const;
  BatchStats read_batches() const;

  // Ends the grant of `client_id` to `user_id` (RFC 7009): its access token's session (and any
  // other OAuth session of the user that names the client), its access data and refresh token. The
  // user's consent and pending codes stay (Deauthorize ends those too).
  absl::Status RevokeGrant(const std::string& user_id, const std::string& client_id);

  // Revokes everything the user granted the client, in one transaction: the session of its access
  // data and any other OAuth session of the user that names the client (one the old, racy refresh
  // could leave behind), the access data, pending codes and the `oauth_app` preference.
  absl::Status Deauthorize(const std::string& user_id, const std::string& client_id);

 private:
  // IssueToken and RedeemCode: the CALL, run again after a deadlock (the swap makes that safe).
  // `code_forms`: the redeemed code's stored forms, or empty.
  IssueArgs IssueTokenArgs(const std::vector<std::string>& code_forms, const SessionRow& session,
                           const AccessDataRow& access,
                           const std::optional<std::string>& replaced_token) const;
  // The CALL on the asynchronous client; `attempt` counts deadlock retries.
  void CallIssueTokenAsync(std::string sql, int attempt, StatusDone done);
  absl::Status CallIssueToken(const std::vector<std::string>& code_forms, const SessionRow& session,
                              const AccessDataRow& access,
                              const std::optional<std::string>& replaced_token);
  ConnectionPool* pool_;
  const SecretCipher* cipher_;
  AsyncDb* async_;
  absl::Duration commit_timeout_;
  std::unique_ptr<IssueBatcher> batcher_;  // with async_ only

  // An exchange read waiting to share one query with others of its app and kind.
  struct PendingRead {
    std::vector<std::string> forms;                          // the value's stored forms
    std::function<void(absl::StatusOr<QueryResult>&)> take;  // its exchange, from the rows
  };
  // The read of a code (or, `refresh`, a refresh token) presented by `client_id`, whose stored
  // forms are `forms`: on the blocking pool when `blocking` or without async_, else batched with
  // the app's others. `read(rows, next)` picks the exchange from the rows.
  template <typename Read>
  void ReadExchange(bool refresh, const std::string& client_id, std::vector<std::string> forms,
                    Read read, ExchangeDone done, bool blocking);
  // `read` of a code (or, `refresh`, a refresh token) presented by `client_id`, batched.
  void ReadBatched(bool refresh, const std::string& client_id, PendingRead read);
  void SendReads(bool refresh, const std::string& client_id, std::vector<PendingRead> reads);
  std::unique_ptr<BatchQueue<PendingRead>> reads_;  // with async_ only; a lane per kind and app
};

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_GRANT_STORE_H_
