#include "storage/grant_store.h"

#include <cppconn/datatype.h>

#include <memory>

#include "absl/strings/str_cat.h"
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
absl::StatusOr<AccessDataRow> ReadAccess(sql::ResultSet& rs, const SecretCipher& cipher,
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

constexpr char kAuthDataColumns[] =
    "d.ClientId, d.UserId, d.Code, d.ExpiresIn, d.CreateAt, d.RedirectUri, d.State, d.Scope, "
    "x.CodeChallenge, x.CodeChallengeMethod, x.Resource";
constexpr int kAuthDataColumnCount = 11;
// A code with its PKCE challenge and resource (oauthd's OAuthdAuthData, joined as `x`).
constexpr char kAuthDataFrom[] =
    " FROM OAuthAuthData d LEFT JOIN OAuthdAuthData x ON x.Code = d.Code ";

AuthDataRow ReadAuthData(sql::ResultSet& rs, const std::string& code) {
  AuthDataRow d;
  d.client_id = GetStr(rs, 1);
  d.user_id = GetStr(rs, 2);
  d.code = code;
  d.expires_in = static_cast<int32_t>(GetInt(rs, 4));
  d.create_at = GetInt(rs, 5);
  d.redirect_uri = GetStr(rs, 6);
  d.state = GetStr(rs, 7);
  d.scope = GetStr(rs, 8);
  d.code_challenge = GetStr(rs, 9);
  d.code_challenge_method = GetStr(rs, 10);
  d.resource = GetStr(rs, 11);
  return d;
}

// " IN (?, ?, …)" with one marker per stored form a value may have.
std::string InMarkers(size_t n) {
  std::string s = " IN (?";
  for (size_t i = 1; i < n; ++i) s += ", ?";
  return s + ")";
}

void BindForms(sql::PreparedStatement& st, const std::vector<std::string>& forms, int first = 1) {
  for (size_t i = 0; i < forms.size(); ++i) st.setString(first + static_cast<int>(i), forms[i]);
}

// Deletes a code and its OAuthdAuthData row in one statement; returns whether the code was there.
bool DeleteCode(DbConn& c, const std::vector<std::string>& forms) {
  auto& del = c.Prepare(
      absl::StrCat("DELETE d, x FROM OAuthAuthData d LEFT JOIN OAuthdAuthData x ON x.Code = d.Code "
                   "WHERE d.Code",
                   InMarkers(forms.size())));
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

}  // namespace

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

absl::StatusOr<CodeRedemption> GrantStore::GetCodeRedemption(const std::string& code) {
  const std::vector<std::string> forms = LookupForms(kAuthCodeColumn, code);
  if (forms.empty()) return absl::NotFoundError("no such authorization code");
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<CodeRedemption> {
    auto& st = c.Prepare(absl::StrCat(
        "SELECT ", kAuthDataColumns, ", ", kUserColumns, ", ", kAccessColumns, ", s.Id",
        kAuthDataFrom,
        "LEFT JOIN Users u ON u.Id = d.UserId "
        "LEFT JOIN OAuthAccessData a ON a.ClientId = d.ClientId AND a.UserId = d.UserId "
        "LEFT JOIN OAuthdAccessData g ON g.ClientId = a.ClientId AND g.UserId = a.UserId "
        "LEFT JOIN Sessions s ON s.Token = a.Token WHERE d.Code",
        InMarkers(forms.size())));
    BindForms(st, forms);
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    constexpr int kUserFirst = kAuthDataColumnCount + 1, kAccessFirst = kUserFirst + 9,
                  kSessionId = kAccessFirst + kAccessColumnCount;
    while (rs->next()) {
      if (!StoredFormMatches(GetStr(*rs, 3), forms)) continue;
      CodeRedemption out;
      out.code = ReadAuthData(*rs, code);
      if (!rs->isNull(kUserFirst)) out.user = ReadUser(*rs, kUserFirst);
      if (!rs->isNull(kAccessFirst)) {
        auto existing = ReadAccess(*rs, *cipher_, "", kAccessFirst);
        if (!existing.ok()) return existing.status();
        out.existing = *std::move(existing);
        out.session_exists = !rs->isNull(kSessionId);
      }
      return out;
    }
    return absl::NotFoundError("no such authorization code");
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

absl::StatusOr<AccessDataRow> GrantStore::GetAccessDataByRefreshToken(
    const std::string& refresh_token) {
  const std::vector<std::string> forms = LookupForms(kRefreshTokenColumn, refresh_token);
  if (forms.empty()) return absl::NotFoundError("no access data for that refresh token");
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<AccessDataRow> {
    auto& st = c.Prepare(absl::StrCat("SELECT ", kAccessColumns, kAccessFrom,
                                      "WHERE a.RefreshToken", InMarkers(forms.size())));
    BindForms(st, forms);
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    while (rs->next()) {
      if (StoredFormMatches(GetStr(*rs, 2), forms)) return ReadAccess(*rs, *cipher_, refresh_token);
    }
    return absl::NotFoundError("no access data for that refresh token");
  });
}

absl::Status GrantStore::IssueToken(const SessionRow& s, const AccessDataRow& a,
                                    const std::optional<std::string>& replaced_token) {
  return pool_->RunInTransaction(
      [&](DbConn& c) -> absl::Status { return WriteToken(c, s, a, replaced_token); });
}

absl::Status GrantStore::RedeemCode(const std::string& code, const SessionRow& s,
                                    const AccessDataRow& a,
                                    const std::optional<std::string>& replaced_token) {
  const std::vector<std::string> forms = LookupForms(kAuthCodeColumn, code);
  if (forms.empty()) return absl::NotFoundError("no such authorization code");
  return pool_->RunInTransaction([&](DbConn& c) -> absl::Status {
    if (!DeleteCode(c, forms)) return absl::NotFoundError("the code was already redeemed");
    return WriteToken(c, s, a, replaced_token);
  });
}

absl::Status GrantStore::WriteToken(DbConn& c, const SessionRow& s, const AccessDataRow& a,
                                    const std::optional<std::string>& replaced_token) {
  // The access-data row first: it is what two racing callers both want to change, so the loser
  // waits on its lock (or, on a cluster, fails certification) before it has written anything else.
  const std::string refresh_token = cipher_->StoreLookup(kRefreshTokenColumn, a.refresh_token);
  if (replaced_token) {
    auto& swap = c.Prepare(
        "UPDATE OAuthAccessData SET Token = ?, RefreshToken = ?, RedirectUri = ?, ExpiresAt = ?, "
        "Scope = ? WHERE ClientId = ? AND UserId = ? AND BINARY Token = ?");
    swap.setString(1, a.token);
    swap.setString(2, refresh_token);
    swap.setString(3, a.redirect_uri);
    swap.setInt64(4, a.expires_at);
    swap.setString(5, a.scope);
    swap.setString(6, a.client_id);
    swap.setString(7, a.user_id);
    swap.setString(8, *replaced_token);
    if (swap.executeUpdate() == 0) return absl::AbortedError("the grant changed since it was read");
    // The replaced session may be gone already (expired sessions are cleaned up); that is fine.
    auto& del = c.Prepare("DELETE FROM Sessions WHERE Token = ?");
    del.setString(1, *replaced_token);
    del.executeUpdate();
  } else {
    auto& insert = c.Prepare(
        "INSERT INTO OAuthAccessData (Token, RefreshToken, RedirectUri, ClientId, UserId, "
        "ExpiresAt, Scope) VALUES (?, ?, ?, ?, ?, ?, ?)");
    insert.setString(1, a.token);
    insert.setString(2, refresh_token);
    insert.setString(3, a.redirect_uri);
    insert.setString(4, a.client_id);
    insert.setString(5, a.user_id);
    insert.setInt64(6, a.expires_at);
    insert.setString(7, a.scope);
    try {
      insert.executeUpdate();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != kDuplicateKeyError) throw;
      return absl::AbortedError("a grant for this client and user was written meanwhile");
    }
  }
  InsertSession(c, s);
  // oauthd's part of the grant: a new audience (a grant keeps its audience when a token comes
  // without one, Mattermost's rule) and, under a key, the sealed refresh token.
  const std::string sealed = cipher_->Seal(kRefreshTokenColumn, a.refresh_token);
  const bool seal = cipher_->encrypts() && !sealed.empty();
  if (!a.audience.empty() || seal) {
    auto& extras = c.Prepare(
        "INSERT INTO OAuthdAccessData (ClientId, UserId, Audience, RefreshToken) "
        "VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
        "Audience = IF(VALUES(Audience) = '', Audience, VALUES(Audience)), "
        "RefreshToken = VALUES(RefreshToken)");
    extras.setString(1, a.client_id);
    extras.setString(2, a.user_id);
    extras.setString(3, a.audience);
    if (seal) {
      extras.setString(4, sealed);
    } else {
      extras.setNull(4, sql::DataType::VARCHAR);
    }
    extras.executeUpdate();
  }
  return absl::OkStatus();
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

std::string GrantStore::LookupTokenSql(
    TokenKind kind, const std::vector<std::string>& values,
    const std::function<std::string(const std::string&)>& quote) const {
  // `values`: the token's forms, then the client id.
  std::vector<std::string> forms(values.begin(), values.end() - 1);
  std::string in;
  for (const std::string& f : forms) absl::StrAppend(&in, in.empty() ? "" : ", ", quote(f));
  if (in.empty()) in = "NULL";  // no form: no token row can match
  const std::string token_joins =
      kind == TokenKind::kAccess
          ? absl::StrCat("LEFT JOIN Sessions s ON s.Token IN (", in,
                         ") AND s.IsOAuth = 1 LEFT JOIN OAuthAccessData a ON a.Token = s.Token ")
          : absl::StrCat("LEFT JOIN OAuthAccessData a ON a.RefreshToken IN (", in,
                         ") LEFT JOIN Sessions s ON s.Token = a.Token ");
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

absl::StatusOr<TokenLookup> GrantStore::LookupToken(const std::string& client_id,
                                                    const std::string& token, TokenKind kind) {
  std::vector<std::string> values = TokenForms(kind, token);
  const std::vector<std::string> forms = values;
  values.push_back(client_id);
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<TokenLookup> {
    auto& st = c.Prepare(LookupTokenSql(kind, values, [](const std::string&) { return "?"; }));
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
  async_->Query(LookupTokenSql(kind, values, SqlQuote),
                [cipher = cipher_, kind, forms = std::move(forms),
                 done = std::move(done)](absl::StatusOr<QueryResult> rs) {
                  if (!rs.ok()) return done(rs.status());
                  done(ReadTokenLookup(
                      *rs, [&] { return rs->Next(); }, *cipher, kind, forms));
                });
}

}  // namespace oauthd::storage
