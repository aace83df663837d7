#include "storage/grant_store.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "storage/app_sql.h"
#include "storage/session_sql.h"

namespace oauthd::storage {
namespace {

// An access-data row with oauthd's part of the grant (OAuthdAccessData, joined as `g`): the
// audience and, under a key, the sealed refresh token.
constexpr char kAccessColumns[] =
    "a.Token, a.RefreshToken, a.RedirectUri, a.ClientId, a.UserId, a.ExpiresAt, a.Scope, "
    "g.Audience, g.RefreshToken";
constexpr int kAccessColumnCount = 9;
constexpr char kAccessFrom[] =
    " FROM OAuthAccessData a LEFT JOIN OAuthdAccessData g ON g.ClientId = a.ClientId AND "
    "g.UserId = a.UserId ";

// Decoders; `first` is the 1-based column the row starts at, so that a join can read several.
// OAuthAccessData.RefreshToken says where the token is: clear text there, or (a digest there)
// sealed in OAuthdAccessData. A caller that found the row by its refresh token passes it as
// `presented`, which saves opening the sealed copy.
template <typename Row>
absl::StatusOr<AccessDataRow> ReadAccess(Row& rs, const SecretCipher& cipher,
                                         const std::string& presented, int first = 1) {
  AccessDataRow a;
  a.token = GetStr(rs, first);
  a.refresh_token = GetStr(rs, first + 1);
  if (IsDigestOrPlaceholder(a.refresh_token)) {
    if (!presented.empty()) {
      a.refresh_token = presented;
    } else {
      auto opened = cipher.Open(kRefreshTokenColumn, GetStr(rs, first + 8));
      if (!opened.ok()) return opened.status();
      a.refresh_token = std::move(*opened);
    }
  }
  a.redirect_uri = GetStr(rs, first + 2);
  a.client_id = GetStr(rs, first + 3);
  a.user_id = GetStr(rs, first + 4);
  a.expires_at = GetInt(rs, first + 5);
  a.scope = GetStr(rs, first + 6);
  a.audience = GetStr(rs, first + 7);
  return a;
}

// Whether a stored code or refresh token is the presented one: byte for byte (a collation compares
// case-insensitively; tokens do not).
bool StoredFormMatches(const std::string& stored, const std::vector<std::string>& forms) {
  for (const std::string& f : forms) {
    if (stored == f) return true;
  }
  return false;
}

// A code with its PKCE challenge and resource (oauthd's OAuthdAuthData, joined as `dx`).
constexpr char kAuthDataColumns[] =
    "d.ClientId, d.UserId, d.Code, d.ExpiresIn, d.CreateAt, d.RedirectUri, d.State, d.Scope, "
    "dx.CodeChallenge, dx.CodeChallengeMethod, dx.Resource";
constexpr int kAuthDataColumnCount = 11;

// The code whose columns start at `first`, as presented (`code`; the stored form may be a digest).
template <typename Row>
AuthDataRow ReadAuthData(Row& rs, const std::string& code, int first) {
  const int f = first - 1;
  AuthDataRow d;
  d.client_id = GetStr(rs, f + 1);
  d.user_id = GetStr(rs, f + 2);
  d.code = code;
  d.expires_in = static_cast<int32_t>(GetInt(rs, f + 4));
  d.create_at = GetInt(rs, f + 5);
  d.redirect_uri = GetStr(rs, f + 6);
  d.state = GetStr(rs, f + 7);
  d.scope = GetStr(rs, f + 8);
  d.code_challenge = GetStr(rs, f + 9);
  d.code_challenge_method = GetStr(rs, f + 10);
  d.resource = GetStr(rs, f + 11);
  return d;
}

// The start of an exchange read: the client app (`o`, `x`) with its previous secret (`ps`) as the
// first columns, joined to a one-row table so that a row comes back whether or not the app exists.
constexpr char kExchangeAppColumns[] = "ps.ClientSecret, ps.ExpiresAt";
constexpr int kExchangeFirst = kAppColumnCount + 3;  // the first column after the app's part

// The app part of an exchange read's first row.
template <typename Row>
absl::Status ReadExchangeApp(Row& rs, const SecretCipher& cipher, Exchange* out) {
  if (GetStr(rs, 1).empty()) return absl::OkStatus();  // no such app
  auto app = ReadApp(rs, cipher);
  if (!app.ok()) return app.status();
  out->app = *std::move(app);
  const std::string previous = GetStr(rs, kAppColumnCount + 1);
  if (previous.empty()) return absl::OkStatus();
  auto opened = cipher.Open(kClientSecretColumn, previous);
  if (!opened.ok()) return opened.status();
  out->previous_secret = PreviousSecret{*std::move(opened), GetInt(rs, kAppColumnCount + 2)};
  return absl::OkStatus();
}

// Renders a value into a statement: a ? marker for the blocking pool's prepared statements, a
// quoted literal for the asynchronous client.
using Quote = std::string (*)(const std::string&);
std::string Marker(const std::string&) { return "?"; }
std::string Literal(const std::string& value) { return SqlQuote(value); }

// "(a, b, …)" of `values` rendered by `quote`.
std::string InList(const std::vector<std::string>& values, Quote quote) {
  std::string in;
  for (const std::string& v : values) absl::StrAppend(&in, in.empty() ? "(" : ", ", quote(v));
  return in + ")";
}

// The stored forms an exchange read compares with; a value that cannot be a code or refresh token
// gets one that matches nothing ("0" alone is no digest and no id), so only the app is read.
std::vector<std::string> ExchangeForms(const char* column, const std::string& value) {
  std::vector<std::string> forms = LookupForms(column, value);
  if (forms.empty()) forms = {"0"};
  return forms;
}

// The code exchange's one query: the app, then the code (`d`, `dx`), its user, the (client, user)
// grant and whether its session lives.
std::string CodeExchangeSql(const std::string& client_id, const std::vector<std::string>& forms,
                            Quote quote) {
  return absl::StrCat(
      "SELECT ", kAppColumns, ", ", kExchangeAppColumns, ", ", kAuthDataColumns, ", ", kUserColumns,
      ", ", kAccessColumns,
      ", s.Id FROM (SELECT 1) one LEFT JOIN OAuthApps o ON o.Id = ", quote(client_id),
      " LEFT JOIN OAuthdApps x ON x.AppId = o.Id "
      "LEFT JOIN OAuthdPreviousSecrets ps ON ps.AppId = o.Id "
      "LEFT JOIN OAuthAuthData d ON d.Code IN ",
      InList(forms, quote),
      " LEFT JOIN OAuthdAuthData dx ON dx.Code = d.Code LEFT JOIN Users u ON u.Id = d.UserId "
      "LEFT JOIN OAuthAccessData a ON a.ClientId = d.ClientId AND a.UserId = d.UserId "
      "LEFT JOIN OAuthdAccessData g ON g.ClientId = a.ClientId AND g.UserId = a.UserId "
      "LEFT JOIN Sessions s ON s.Token = a.Token");
}

// The refresh's one query: the app, then the grant holding the refresh token and its user.
std::string RefreshExchangeSql(const std::string& client_id, const std::vector<std::string>& forms,
                               Quote quote) {
  return absl::StrCat(
      "SELECT ", kAppColumns, ", ", kExchangeAppColumns, ", ", kAccessColumns, ", ", kUserColumns,
      " FROM (SELECT 1) one LEFT JOIN OAuthApps o ON o.Id = ", quote(client_id),
      " LEFT JOIN OAuthdApps x ON x.AppId = o.Id "
      "LEFT JOIN OAuthdPreviousSecrets ps ON ps.AppId = o.Id "
      "LEFT JOIN OAuthAccessData a ON a.RefreshToken IN ",
      InList(forms, quote),
      " LEFT JOIN OAuthdAccessData g ON g.ClientId = a.ClientId AND g.UserId = a.UserId "
      "LEFT JOIN Users u ON u.Id = a.UserId");
}

// The rows of CodeExchangeSql (a blocking ResultSet or an asynchronous QueryResult, advanced by
// `next`): the app from the first, the rest from the row whose stored code is exactly one of the
// presented code's forms (a collation compares case-insensitively; codes do not).
template <typename Rows, typename Next>
absl::StatusOr<Exchange> ReadCodeExchangeRows(Rows& rs, Next next, const SecretCipher& cipher,
                                              const std::string& code,
                                              const std::vector<std::string>& forms) {
  constexpr int kCode = kExchangeFirst, kUser = kCode + kAuthDataColumnCount,
                kAccess = kUser + kUserColumnCount, kSessionId = kAccess + kAccessColumnCount;
  Exchange out;
  for (bool first = true; next(); first = false) {
    if (first) {
      if (absl::Status st = ReadExchangeApp(rs, cipher, &out); !st.ok()) return st;
    }
    const std::string stored = GetStr(rs, kCode + 2);
    if (stored.empty() || !StoredFormMatches(stored, forms)) continue;
    out.code = ReadAuthData(rs, code, kCode);
    if (!GetStr(rs, kUser).empty()) out.user = ReadUser(rs, kUser);
    if (!GetStr(rs, kAccess).empty()) {
      auto grant = ReadAccess(rs, cipher, "", kAccess);
      if (!grant.ok()) return grant.status();
      out.grant = *std::move(grant);
      out.session_exists = !GetStr(rs, kSessionId).empty();
    }
    break;
  }
  return out;
}

// The rows of RefreshExchangeSql, read as ReadCodeExchangeRows reads a code's.
template <typename Rows, typename Next>
absl::StatusOr<Exchange> ReadRefreshExchangeRows(Rows& rs, Next next, const SecretCipher& cipher,
                                                 const std::string& refresh_token,
                                                 const std::vector<std::string>& forms) {
  constexpr int kAccess = kExchangeFirst, kUser = kAccess + kAccessColumnCount;
  Exchange out;
  for (bool first = true; next(); first = false) {
    if (first) {
      if (absl::Status st = ReadExchangeApp(rs, cipher, &out); !st.ok()) return st;
    }
    const std::string stored = GetStr(rs, kAccess + 1);
    if (stored.empty() || !StoredFormMatches(stored, forms)) continue;
    auto grant = ReadAccess(rs, cipher, refresh_token, kAccess);
    if (!grant.ok()) return grant.status();
    out.grant = *std::move(grant);
    if (!GetStr(rs, kUser).empty()) out.user = ReadUser(rs, kUser);
    break;
  }
  return out;
}

// Runs an exchange read on the blocking pool: `sql` with the client id and the value's stored
// forms; `read(rows, next)` decodes the rows, and `done` gets the outcome.
template <typename Read>
void RunExchangeRead(ConnectionPool& pool,
                     std::string (*sql)(const std::string&, const std::vector<std::string>&, Quote),
                     const std::string& client_id, const std::vector<std::string>& forms, Read read,
                     const std::function<void(absl::StatusOr<Exchange>)>& done) {
  // Causal on a cluster: a code or refresh token just issued through another node is found.
  done(pool.Run([&](DbConn& c) -> absl::StatusOr<Exchange> {
    auto& st = c.Prepare(CausalPrefix(pool.galera()) + sql(client_id, forms, Marker));
    st.setString(1, client_id);
    for (size_t i = 0; i < forms.size(); ++i) st.setString(static_cast<int>(i) + 2, forms[i]);
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    return read(*rs, [&] { return rs->next(); });
  }));
}

// The same read for the asynchronous client, where it may share its query with other exchanges
// of the app: the query reads every exchange's value, and `read` picks this one's row (by its
// stored forms) from the shared rows.
template <typename Read>
std::function<void(absl::StatusOr<QueryResult>&)> TakeExchange(
    Read read, std::function<void(absl::StatusOr<Exchange>)> done) {
  return [read = std::move(read), done = std::move(done)](absl::StatusOr<QueryResult>& rs) {
    if (!rs.ok()) return done(rs.status());
    rs->Rewind();
    done(read(*rs, [&] { return rs->Next(); }));
  };
}

// The batch queue's lane of an exchange read: one per kind and app.
std::string ReadLane(bool refresh, const std::string& client_id) {
  return absl::StrCat(refresh ? "refresh " : "code ", client_id);
}

void BindForms(sql::PreparedStatement& st, const std::vector<std::string>& forms, int first = 1) {
  for (size_t i = 0; i < forms.size(); ++i) st.setString(first + static_cast<int>(i), forms[i]);
}

// The statement that deletes a code (by its stored forms) with its OAuthdAuthData row.
std::string DeleteCodeSql(const std::vector<std::string>& forms, Quote quote) {
  return absl::StrCat(
      "DELETE d, x FROM OAuthAuthData d LEFT JOIN OAuthdAuthData x ON x.Code = d.Code "
      "WHERE d.Code IN ",
      InList(forms, quote));
}

// Deletes a code and its OAuthdAuthData row in one statement; returns whether the code was there.
bool DeleteCode(DbConn& c, const std::vector<std::string>& forms) {
  auto& del = c.Prepare(DeleteCodeSql(forms, Marker));
  BindForms(del, forms);
  return del.executeUpdate() > 0;
}

// LookupToken's columns: the calling client (c, with oauthd's cx and its previous secret ps), then
// the token's session (s), grant (a, with oauthd's g), user (u) and app (o).
constexpr char kLookupColumns[] =
    "c.ClientSecret, cx.ClientSecret, cx.IsResourceServer, ps.ClientSecret, ps.ExpiresAt, "
    "s.Token, s.CreateAt, s.ExpiresAt, a.Token, a.RefreshToken, a.ClientId, a.UserId, a.Scope, "
    "g.Audience, u.Id, u.Username, u.DeleteAt, o.Id";

// Reads LookupToken's rows (a blocking ResultSet or an asynchronous QueryResult, advanced by
// `next`): the client from the first, the token from the row whose session token (access) or
// refresh token (refresh) is exactly the presented one.
template <typename Rows, typename Next>
absl::StatusOr<TokenLookup> ReadTokenLookup(Rows& rs, Next next, const SecretCipher& cipher,
                                            TokenKind kind, const std::vector<std::string>& forms) {
  TokenLookup out;
  while (next()) {
    if (!out.client) {
      auto secret = OpenClientSecret(cipher, GetStr(rs, 1), GetStr(rs, 2));
      if (!secret.ok()) return secret.status();
      auto previous = cipher.Open(kClientSecretColumn, GetStr(rs, 4));
      if (!previous.ok()) return previous.status();
      ClientCredentials c;
      c.client_secret = *std::move(secret);
      c.is_resource_server = GetInt(rs, 3) != 0;
      c.previous_secret = *std::move(previous);
      c.previous_expires_at = GetInt(rs, 5);
      out.client = std::move(c);
    }
    const std::string matched = GetStr(rs, kind == TokenKind::kAccess ? 6 : 10);
    if (matched.empty() || !StoredFormMatches(matched, forms) || GetStr(rs, 11).empty()) continue;
    TokenRecord t;
    t.refresh = kind == TokenKind::kRefresh;
    t.token = GetStr(rs, 9);
    t.session_exists = !GetStr(rs, 6).empty();
    t.issued_at = GetInt(rs, 7);
    t.expires_at = t.refresh ? 0 : GetInt(rs, 8);
    t.client_id = GetStr(rs, 11);
    t.user_id = GetStr(rs, 12);
    t.scope = GetStr(rs, 13);
    t.audience = GetStr(rs, 14);
    t.user_active = !GetStr(rs, 15).empty() && GetInt(rs, 17) == 0;
    t.username = GetStr(rs, 16);
    t.app_exists = !GetStr(rs, 18).empty();
    out.token = std::move(t);
    break;
  }
  return out;
}

// The stored forms LookupToken compares with: the session token itself, or a refresh token's forms.
// Empty when the value cannot be a token (then only the client is read).
std::vector<std::string> TokenForms(TokenKind kind, const std::string& token) {
  if (token.empty()) return {};
  if (kind == TokenKind::kAccess) return {token};
  return LookupForms(kRefreshTokenColumn, token);
}

// The deletes that end one grant, inside the caller's transaction.
void DeleteGrant(DbConn& c, const std::string& user_id, const std::string& client_id) {
  auto& sessions = c.Prepare(
      "DELETE s.* FROM Sessions s INNER JOIN OAuthAccessData o ON o.Token = s.Token "
      "WHERE o.ClientId = ? AND o.UserId = ?");
  sessions.setString(1, client_id);
  sessions.setString(2, user_id);
  sessions.executeUpdate();
  // OAuth sessions carry their app's id in Props (as Mattermost's do): this reaches a session
  // no access data names. The user's index keeps it to the user's own sessions.
  auto& named = c.Prepare(
      "DELETE FROM Sessions WHERE UserId = ? AND IsOAuth = 1 AND "
      "JSON_UNQUOTE(JSON_EXTRACT(Props, '$.oauth_app_id')) = ?");
  named.setString(1, user_id);
  named.setString(2, client_id);
  named.executeUpdate();
  for (const char* sql : {"DELETE FROM OAuthAccessData WHERE ClientId = ? AND UserId = ?",
                          "DELETE FROM OAuthdAccessData WHERE ClientId = ? AND UserId = ?"}) {
    auto& st = c.Prepare(sql);
    st.setString(1, client_id);
    st.setString(2, user_id);
    st.executeUpdate();
  }
}

// The CALL of oauthd_issue_token (migration 0006) with `args` rendered by `quote` (a ? marker for
// the blocking pool, a quoted literal for the asynchronous client); absent ones are NULL.
std::string IssueTokenSql(const IssueArgs& args, Quote quote) {
  std::string sql = absl::StrCat("CALL ", kIssueTokenProcedure, "(");
  for (size_t i = 0; i < args.size(); ++i) {
    absl::StrAppend(&sql, i == 0 ? "" : ", ", args[i] ? quote(*args[i]) : "NULL");
  }
  return sql + ")";
}

// Before a write sent again after a conflict on a cluster: wait until this node has applied what
// the cluster committed (reads and updates alike), "" elsewhere.
std::string RetryPrefix(bool galera) {
  return galera ? "SET STATEMENT wsrep_sync_wait=3 FOR " : "";
}

// The procedure's one-word answer as a status.
absl::Status IssueTokenOutcome(absl::string_view outcome) {
  if (outcome == "ok") return absl::OkStatus();
  if (outcome == "code_gone") return absl::NotFoundError("the code was already redeemed");
  if (outcome == "changed") return absl::AbortedError("the grant changed since it was read");
  return absl::InternalError(absl::StrCat(kIssueTokenProcedure, " answered \"", outcome, "\""));
}

}  // namespace

GrantStore::GrantStore(ConnectionPool* pool, const SecretCipher* cipher, AsyncDb* async,
                       absl::Duration commit_timeout, int in_flight)
    : pool_(pool), cipher_(cipher), async_(async), commit_timeout_(commit_timeout) {
  if (async_ == nullptr) return;
  reads_ = std::make_unique<BatchQueue<PendingRead>>(in_flight, /*max_batch=*/8);
  batcher_ = std::make_unique<IssueBatcher>(
      async_,
      [this](const IssueArgs& args, IssueBatcher::Done done) {
        CallIssueTokenAsync(IssueTokenSql(args, Literal), 1, std::move(done));
      },
      commit_timeout_, in_flight);
}

IssueBatcher::Stats GrantStore::write_batches() const {
  return batcher_ ? batcher_->stats() : IssueBatcher::Stats{};
}

BatchStats GrantStore::read_batches() const { return reads_ ? reads_->stats() : BatchStats{}; }

absl::Status GrantStore::SaveAuthData(const AuthDataRow& d) {
  const std::string stored = cipher_->StoreLookup(kAuthCodeColumn, d.code);
  const bool extras =
      !d.code_challenge.empty() || !d.code_challenge_method.empty() || !d.resource.empty();
  auto insert = [&](DbConn& c) -> absl::Status {
    auto& st = c.Prepare(
        "INSERT INTO OAuthAuthData (ClientId, UserId, Code, ExpiresIn, CreateAt, RedirectUri, "
        "State, Scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    st.setString(1, d.client_id);
    st.setString(2, d.user_id);
    st.setString(3, stored);
    st.setInt(4, d.expires_in);
    st.setInt64(5, d.create_at);
    st.setString(6, d.redirect_uri);
    st.setString(7, d.state);
    st.setString(8, d.scope);
    st.executeUpdate();
    if (extras) {
      auto& x = c.Prepare(
          "INSERT INTO OAuthdAuthData (Code, CodeChallenge, CodeChallengeMethod, Resource) "
          "VALUES (?, ?, ?, ?)");
      x.setString(1, stored);
      x.setString(2, d.code_challenge);
      x.setString(3, d.code_challenge_method);
      x.setString(4, d.resource);
      x.executeUpdate();
    }
    return absl::OkStatus();
  };
  // The code and its challenge commit together: a code must never be seen without its PKCE check.
  return extras ? pool_->RunInTransaction(insert) : pool_->Run(insert);
}

absl::StatusOr<Exchange> GrantStore::ReadCodeExchange(const std::string& client_id,
                                                      const std::string& code) {
  absl::StatusOr<Exchange> out;
  ReadCodeExchangeAsync(
      client_id, code, [&](absl::StatusOr<Exchange> r) { out = std::move(r); },
      /*blocking=*/true);
  return out;
}

absl::StatusOr<Exchange> GrantStore::ReadRefreshExchange(const std::string& client_id,
                                                         const std::string& refresh_token) {
  absl::StatusOr<Exchange> out;
  ReadRefreshExchangeAsync(
      client_id, refresh_token, [&](absl::StatusOr<Exchange> r) { out = std::move(r); },
      /*blocking=*/true);
  return out;
}

template <typename Read>
void GrantStore::ReadExchange(bool refresh, const std::string& client_id,
                              std::vector<std::string> forms, Read read, ExchangeDone done,
                              bool blocking) {
  if (blocking || async_ == nullptr) {
    return RunExchangeRead(*pool_, refresh ? RefreshExchangeSql : CodeExchangeSql, client_id, forms,
                           read, done);
  }
  ReadBatched(refresh, client_id,
              {std::move(forms), TakeExchange(std::move(read), std::move(done))});
}

void GrantStore::ReadCodeExchangeAsync(const std::string& client_id, const std::string& code,
                                       ExchangeDone done, bool blocking) {
  std::vector<std::string> forms = ExchangeForms(kAuthCodeColumn, code);
  auto read = [cipher = cipher_, code, forms](auto& rs, auto next) {
    return ReadCodeExchangeRows(rs, next, *cipher, code, forms);
  };
  ReadExchange(false, client_id, std::move(forms), std::move(read), std::move(done), blocking);
}

void GrantStore::ReadRefreshExchangeAsync(const std::string& client_id,
                                          const std::string& refresh_token, ExchangeDone done,
                                          bool blocking) {
  std::vector<std::string> forms = ExchangeForms(kRefreshTokenColumn, refresh_token);
  auto read = [cipher = cipher_, refresh_token, forms](auto& rs, auto next) {
    return ReadRefreshExchangeRows(rs, next, *cipher, refresh_token, forms);
  };
  ReadExchange(true, client_id, std::move(forms), std::move(read), std::move(done), blocking);
}

void GrantStore::ReadBatched(bool refresh, const std::string& client_id, PendingRead read) {
  std::vector<PendingRead> now = reads_->Add(ReadLane(refresh, client_id), std::move(read));
  if (!now.empty()) SendReads(refresh, client_id, std::move(now));
}

// One query for the batch: the app, and every exchange's code (or refresh token) among the
// rows; each exchange then takes its own row (ReadCodeExchangeRows and ReadRefreshExchangeRows
// pass over the rows of other values).
void GrantStore::SendReads(bool refresh, const std::string& client_id,
                           std::vector<PendingRead> reads) {
  std::vector<std::string> forms;
  for (const PendingRead& r : reads) forms.insert(forms.end(), r.forms.begin(), r.forms.end());
  std::string sql = CausalPrefix(pool_->galera()) +
                    (refresh ? RefreshExchangeSql : CodeExchangeSql)(client_id, forms, Literal);
  async_->Query(std::move(sql), [this, refresh, client_id,
                                 reads = std::move(reads)](absl::StatusOr<QueryResult> rs) mutable {
    std::vector<PendingRead> next = reads_->Next(ReadLane(refresh, client_id));
    if (!next.empty()) SendReads(refresh, client_id, std::move(next));
    for (PendingRead& r : reads) r.take(rs);
  });
}

absl::StatusOr<bool> GrantStore::DeleteAuthData(const std::string& code) {
  const std::vector<std::string> forms = LookupForms(kAuthCodeColumn, code);
  if (forms.empty()) return false;
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<bool> { return DeleteCode(c, forms); });
}

absl::StatusOr<AccessDataRow> GrantStore::GetAccessDataByClientUser(const std::string& client_id,
                                                                    const std::string& user_id) {
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<AccessDataRow> {
    static const std::string sql = absl::StrCat("SELECT ", kAccessColumns, kAccessFrom,
                                                "WHERE a.ClientId = ? AND a.UserId = ?");
    auto& st = c.Prepare(sql);
    st.setString(1, client_id);
    st.setString(2, user_id);
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    if (!rs->next()) return absl::NotFoundError("no access data for that client and user");
    return ReadAccess(*rs, *cipher_, "");
  });
}

absl::Status GrantStore::IssueToken(const SessionRow& s, const AccessDataRow& a,
                                    const std::optional<std::string>& replaced_token) {
  return CallIssueToken({}, s, a, replaced_token);
}

absl::Status GrantStore::RedeemCode(const std::string& code, const SessionRow& s,
                                    const AccessDataRow& a,
                                    const std::optional<std::string>& replaced_token) {
  const std::vector<std::string> forms = LookupForms(kAuthCodeColumn, code);
  if (forms.empty()) return absl::NotFoundError("no such authorization code");
  return CallIssueToken(forms, s, a, replaced_token);
}

IssueArgs GrantStore::IssueTokenArgs(const std::vector<std::string>& code_forms,
                                     const SessionRow& s, const AccessDataRow& a,
                                     const std::optional<std::string>& replaced_token) const {
  auto at = [&](size_t i) -> std::optional<std::string> {
    if (i < code_forms.size()) return code_forms[i];
    return std::nullopt;
  };
  std::optional<std::string> sealed;  // under a key the grant also keeps its refresh token sealed
  if (cipher_->encrypts()) sealed = cipher_->Seal(kRefreshTokenColumn, a.refresh_token);
  return {at(0),
          at(1),
          a.client_id,
          a.user_id,
          replaced_token,
          s.id,
          s.token,
          absl::StrCat(s.create_at),
          absl::StrCat(s.expires_at),
          absl::StrCat(a.expires_at),
          s.roles,
          s.props_json,
          cipher_->StoreLookup(kRefreshTokenColumn, a.refresh_token),
          a.redirect_uri,
          a.scope,
          a.audience,
          sealed};
}

absl::Status GrantStore::CallIssueToken(const std::vector<std::string>& code_forms,
                                        const SessionRow& s, const AccessDataRow& a,
                                        const std::optional<std::string>& replaced_token) {
  const IssueArgs args = IssueTokenArgs(code_forms, s, a, replaced_token);
  int attempt = 0;
  auto outcome = pool_->RunRetryingConflicts([&](DbConn& c) -> absl::StatusOr<std::string> {
    // Run again after a conflict (on a cluster, another node's commit won certification): this
    // time the node first applies that commit, so the swap sees it.
    auto& st =
        c.Prepare((++attempt > 1 ? RetryPrefix(c.galera()) : "") + IssueTokenSql(args, Marker));
    int marker = 0;
    for (const auto& arg : args) {
      if (arg) st.setString(++marker, *arg);
    }
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    std::string out = rs->next() ? GetStr(*rs, 1) : "";
    rs.reset();
    // A CALL answers its rows, then a status; the connection is ready only once both are read.
    while (st.getMoreResults()) std::unique_ptr<sql::ResultSet>(st.getResultSet());
    return out;
  });
  if (!outcome.ok()) return outcome.status();
  return IssueTokenOutcome(*outcome);
}

void GrantStore::IssueTokenAsync(const SessionRow& s, const AccessDataRow& a,
                                 const std::optional<std::string>& replaced_token,
                                 StatusDone done) {
  if (async_ == nullptr) return done(IssueToken(s, a, replaced_token));
  batcher_->Submit(IssueTokenArgs({}, s, a, replaced_token), std::move(done));
}

void GrantStore::RedeemCodeAsync(const std::string& code, const SessionRow& s,
                                 const AccessDataRow& a,
                                 const std::optional<std::string>& replaced_token,
                                 StatusDone done) {
  if (async_ == nullptr) return done(RedeemCode(code, s, a, replaced_token));
  const std::vector<std::string> forms = LookupForms(kAuthCodeColumn, code);
  if (forms.empty()) return done(absl::NotFoundError("no such authorization code"));
  batcher_->Submit(IssueTokenArgs(forms, s, a, replaced_token), std::move(done));
}

void GrantStore::CallIssueTokenAsync(std::string sql, int attempt, StatusDone done) {
  std::string text = sql;
  async_->Query(
      std::move(text),
      [this, sql = std::move(sql), attempt,
       done = std::move(done)](absl::StatusOr<QueryResult> rs) mutable {
        // A deadlock victim rolled back whole: the CALL runs again (as CallIssueToken's does).
        if (absl::IsAborted(rs.status()) && attempt < 3) {
          // As CallIssueToken does: the retry waits for the conflicting commit to be applied here.
          const std::string prefix = RetryPrefix(pool_->galera());
          if (attempt == 1 && !prefix.empty()) sql = prefix + sql;
          return CallIssueTokenAsync(std::move(sql), attempt + 1, std::move(done));
        }
        // ABORTED means "the grant changed" to the caller: a conflict that persists is not that.
        if (absl::IsAborted(rs.status()))
          return done(absl::UnavailableError(rs.status().message()));
        if (!rs.ok()) return done(rs.status());
        done(IssueTokenOutcome(rs->Next() ? rs->Str(1) : ""));
      },
      /*resend=*/true, commit_timeout_);
}

void GrantStore::DeleteAuthDataAsync(const std::string& code,
                                     std::function<void(absl::StatusOr<bool>)> done) {
  if (async_ == nullptr) return done(DeleteAuthData(code));
  const std::vector<std::string> forms = LookupForms(kAuthCodeColumn, code);
  if (forms.empty()) return done(false);
  // Not sent twice: a second DELETE would find the code gone and report it as never redeemed.
  async_->Query(
      DeleteCodeSql(forms, Literal),
      [done = std::move(done)](absl::StatusOr<QueryResult> rs) {
        if (!rs.ok()) return done(rs.status());
        done(rs->affected_rows() > 0);
      },
      /*resend=*/false);
}

absl::Status GrantStore::RevokeGrant(const std::string& user_id, const std::string& client_id) {
  return pool_->RunInTransaction([&](DbConn& c) -> absl::Status {
    DeleteGrant(c, user_id, client_id);
    return absl::OkStatus();
  });
}

absl::Status GrantStore::Deauthorize(const std::string& user_id, const std::string& client_id) {
  return pool_->RunInTransaction([&](DbConn& c) -> absl::Status {
    DeleteGrant(c, user_id, client_id);
    auto& codes = c.Prepare(
        "DELETE d, x FROM OAuthAuthData d LEFT JOIN OAuthdAuthData x ON x.Code = d.Code "
        "WHERE d.ClientId = ? AND d.UserId = ?");
    codes.setString(1, client_id);
    codes.setString(2, user_id);
    codes.executeUpdate();
    auto& pref = c.Prepare(
        "DELETE FROM Preferences WHERE UserId = ? AND Category = 'oauth_app' AND Name = ?");
    pref.setString(1, user_id);
    pref.setString(2, client_id);
    pref.executeUpdate();
    return absl::OkStatus();
  });
}

namespace {

// The statement LookupToken runs. `values`: the token's forms, then the client id.
std::string LookupTokenSql(TokenKind kind, const std::vector<std::string>& values, Quote quote) {
  const std::vector<std::string> forms(values.begin(), values.end() - 1);
  // No form: no token row can match.
  const std::string in = forms.empty() ? "(NULL)" : InList(forms, quote);
  const std::string token_joins =
      kind == TokenKind::kAccess
          ? absl::StrCat("LEFT JOIN Sessions s ON s.Token IN ", in,
                         " AND s.IsOAuth = 1 LEFT JOIN OAuthAccessData a ON a.Token = s.Token ")
          : absl::StrCat("LEFT JOIN OAuthAccessData a ON a.RefreshToken IN ", in,
                         " LEFT JOIN Sessions s ON s.Token = a.Token ");
  return absl::StrCat(
      "SELECT ", kLookupColumns,
      " FROM OAuthApps c LEFT JOIN OAuthdApps cx ON cx.AppId = c.Id "
      "LEFT JOIN OAuthdPreviousSecrets ps ON ps.AppId = c.Id ",
      token_joins,
      "LEFT JOIN OAuthdAccessData g ON g.ClientId = a.ClientId AND g.UserId = a.UserId "
      "LEFT JOIN Users u ON u.Id = a.UserId LEFT JOIN OAuthApps o ON o.Id = a.ClientId "
      "WHERE c.Id = ",
      quote(values.back()));
}

}  // namespace

absl::StatusOr<TokenLookup> GrantStore::LookupToken(const std::string& client_id,
                                                    const std::string& token, TokenKind kind) {
  std::vector<std::string> values = TokenForms(kind, token);
  const std::vector<std::string> forms = values;
  values.push_back(client_id);
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<TokenLookup> {
    auto& st = c.Prepare(CausalPrefix(c.galera()) + LookupTokenSql(kind, values, Marker));
    BindForms(st, values);
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    return ReadTokenLookup(
        *rs, [&] { return rs->next(); }, *cipher_, kind, forms);
  });
}

void GrantStore::LookupTokenAsync(const std::string& client_id, const std::string& token,
                                  TokenKind kind,
                                  std::function<void(absl::StatusOr<TokenLookup>)> done) {
  if (async_ == nullptr) return done(LookupToken(client_id, token, kind));
  std::vector<std::string> values = TokenForms(kind, token);
  std::vector<std::string> forms = values;
  values.push_back(client_id);
  async_->Query(CausalPrefix(pool_->galera()) + LookupTokenSql(kind, values, Literal),
                [cipher = cipher_, kind, forms = std::move(forms),
                 done = std::move(done)](absl::StatusOr<QueryResult> rs) {
                  if (!rs.ok()) return done(rs.status());
                  done(ReadTokenLookup(
                      *rs, [&] { return rs->Next(); }, *cipher, kind, forms));
                });
}

}  // namespace oauthd::storage
