#include "storage/grant_store.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "storage/session_sql.h"

namespace oauthd::storage {
namespace {

constexpr char kAccessColumns[] =
    "SELECT Token, RefreshToken, RedirectUri, ClientId, UserId, ExpiresAt, Scope, Audience "
    "FROM OAuthAccessData ";

// Decoders; `first` is the 1-based column the row starts at, so that a join can read several.
absl::StatusOr<AccessDataRow> ReadAccess(sql::ResultSet& rs, const SecretCipher& cipher,
                                         int first = 1) {
  AccessDataRow a;
  a.token = GetStr(rs, first);
  auto refresh = cipher.Open(kRefreshTokenColumn, GetStr(rs, first + 1));
  if (!refresh.ok()) return refresh.status();
  a.refresh_token = std::move(*refresh);
  a.redirect_uri = GetStr(rs, first + 2);
  a.client_id = GetStr(rs, first + 3);
  a.user_id = GetStr(rs, first + 4);
  a.expires_at = GetInt(rs, first + 5);
  a.scope = GetStr(rs, first + 6);
  a.audience = GetStr(rs, first + 7);
  return a;
}

constexpr char kAuthDataColumns[] =
    "d.ClientId, d.UserId, d.Code, d.ExpiresIn, d.CreateAt, d.RedirectUri, d.State, d.Scope, "
    "d.CodeChallenge, d.CodeChallengeMethod, d.Resource";
constexpr int kAuthDataColumnCount = 11;

// The code row (columns 1–11) if its stored code opens to `code`; nullopt for a row that only
// collated equal (collations compare case-insensitively; codes do not).
absl::StatusOr<std::optional<AuthDataRow>> ReadAuthData(sql::ResultSet& rs,
                                                        const SecretCipher& cipher,
                                                        const std::string& code) {
  auto stored = cipher.Open(kAuthCodeColumn, GetStr(rs, 3));
  if (!stored.ok()) return stored.status();
  if (*stored != code) return std::nullopt;
  AuthDataRow d;
  d.client_id = GetStr(rs, 1);
  d.user_id = GetStr(rs, 2);
  d.code = std::move(*stored);
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

}  // namespace

absl::Status GrantStore::SaveAuthData(const AuthDataRow& d) {
  return pool_->Run([&](DbConn& c) -> absl::Status {
    auto& st = c.Prepare(
        "INSERT INTO OAuthAuthData (ClientId, UserId, Code, ExpiresIn, CreateAt, RedirectUri, "
        "State, Scope, "
        "CodeChallenge, CodeChallengeMethod, Resource) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.setString(1, d.client_id);
    st.setString(2, d.user_id);
    st.setString(3, cipher_->SealForLookup(kAuthCodeColumn, d.code));
    st.setInt(4, d.expires_in);
    st.setInt64(5, d.create_at);
    st.setString(6, d.redirect_uri);
    st.setString(7, d.state);
    st.setString(8, d.scope);
    st.setString(9, d.code_challenge);
    st.setString(10, d.code_challenge_method);
    st.setString(11, d.resource);
    st.executeUpdate();
    return absl::OkStatus();
  });
}

absl::StatusOr<CodeRedemption> GrantStore::GetCodeRedemption(const std::string& code) {
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<CodeRedemption> {
    const std::vector<std::string> forms = cipher_->LookupForms(kAuthCodeColumn, code);
    auto& st = c.Prepare(absl::StrCat(
        "SELECT ", kAuthDataColumns, ", ", kUserColumns,
        ", a.Token, a.RefreshToken, a.RedirectUri, a.ClientId, a.UserId, a.ExpiresAt, a.Scope, "
        "a.Audience, s.Id FROM OAuthAuthData d LEFT JOIN Users u ON u.Id = d.UserId "
        "LEFT JOIN OAuthAccessData a ON a.ClientId = d.ClientId AND a.UserId = d.UserId "
        "LEFT JOIN Sessions s ON s.Token = a.Token WHERE d.Code",
        InMarkers(forms.size())));
    BindForms(st, forms);
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    constexpr int kUserFirst = kAuthDataColumnCount + 1, kAccessFirst = kUserFirst + 9,
                  kSessionId = kAccessFirst + 8;
    while (rs->next()) {
      auto d = ReadAuthData(*rs, *cipher_, code);
      if (!d.ok()) return d.status();
      if (!*d) continue;
      CodeRedemption out;
      out.code = **std::move(d);
      if (!rs->isNull(kUserFirst)) out.user = ReadUser(*rs, kUserFirst);
      if (!rs->isNull(kAccessFirst)) {
        auto existing = ReadAccess(*rs, *cipher_, kAccessFirst);
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
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<bool> {
    const std::vector<std::string> forms = cipher_->LookupForms(kAuthCodeColumn, code);
    auto& st =
        c.Prepare(absl::StrCat("DELETE FROM OAuthAuthData WHERE Code", InMarkers(forms.size())));
    BindForms(st, forms);
    return st.executeUpdate() > 0;
  });
}

absl::StatusOr<AccessDataRow> GrantStore::GetAccessDataByClientUser(const std::string& client_id,
                                                                    const std::string& user_id) {
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<AccessDataRow> {
    static const std::string sql =
        std::string(kAccessColumns) + "WHERE ClientId = ? AND UserId = ?";
    auto& st = c.Prepare(sql);
    st.setString(1, client_id);
    st.setString(2, user_id);
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    if (!rs->next()) return absl::NotFoundError("no access data for that client and user");
    return ReadAccess(*rs, *cipher_);
  });
}

absl::StatusOr<AccessDataRow> GrantStore::GetAccessDataByRefreshToken(
    const std::string& refresh_token) {
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<AccessDataRow> {
    const std::vector<std::string> forms = cipher_->LookupForms(kRefreshTokenColumn, refresh_token);
    auto& st =
        c.Prepare(absl::StrCat(kAccessColumns, "WHERE RefreshToken", InMarkers(forms.size())));
    BindForms(st, forms);
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    while (rs->next()) {
      auto a = ReadAccess(*rs, *cipher_);
      if (!a.ok()) return a.status();
      if (a->refresh_token == refresh_token) return a;
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
  return pool_->RunInTransaction([&](DbConn& c) -> absl::Status {
    const std::vector<std::string> forms = cipher_->LookupForms(kAuthCodeColumn, code);
    auto& del =
        c.Prepare(absl::StrCat("DELETE FROM OAuthAuthData WHERE Code", InMarkers(forms.size())));
    BindForms(del, forms);
    if (del.executeUpdate() == 0) return absl::NotFoundError("the code was already redeemed");
    return WriteToken(c, s, a, replaced_token);
  });
}

absl::Status GrantStore::WriteToken(DbConn& c, const SessionRow& s, const AccessDataRow& a,
                                    const std::optional<std::string>& replaced_token) {
  // The access-data row first: it is what two racing callers both want to change, so the loser
  // waits on its lock (or, on a cluster, fails certification) before it has written anything else.
  if (replaced_token) {
    auto& swap = c.Prepare(
        "UPDATE OAuthAccessData SET Token = ?, RefreshToken = ?, RedirectUri = ?, ExpiresAt = ?, "
        "Scope = ?, Audience = ? WHERE ClientId = ? AND UserId = ? AND BINARY Token = ?");
    swap.setString(1, a.token);
    swap.setString(2, cipher_->SealForLookup(kRefreshTokenColumn, a.refresh_token));
    swap.setString(3, a.redirect_uri);
    swap.setInt64(4, a.expires_at);
    swap.setString(5, a.scope);
    swap.setString(6, a.audience);
    swap.setString(7, a.client_id);
    swap.setString(8, a.user_id);
    swap.setString(9, *replaced_token);
    if (swap.executeUpdate() == 0) return absl::AbortedError("the grant changed since it was read");
    // The replaced session may be gone already (expired sessions are cleaned up); that is fine.
    auto& del = c.Prepare("DELETE FROM Sessions WHERE Token = ?");
    del.setString(1, *replaced_token);
    del.executeUpdate();
  } else {
    auto& insert = c.Prepare(
        "INSERT INTO OAuthAccessData (Token, RefreshToken, RedirectUri, ClientId, UserId, "
        "ExpiresAt, Scope, Audience) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    insert.setString(1, a.token);
    insert.setString(2, cipher_->SealForLookup(kRefreshTokenColumn, a.refresh_token));
    insert.setString(3, a.redirect_uri);
    insert.setString(4, a.client_id);
    insert.setString(5, a.user_id);
    insert.setInt64(6, a.expires_at);
    insert.setString(7, a.scope);
    insert.setString(8, a.audience);
    try {
      insert.executeUpdate();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != kDuplicateKeyError) throw;
      return absl::AbortedError("a grant for this client and user was written meanwhile");
    }
  }
  InsertSession(c, s);
  return absl::OkStatus();
}

absl::Status GrantStore::Deauthorize(const std::string& user_id, const std::string& client_id) {
  return pool_->RunInTransaction([&](DbConn& c) -> absl::Status {
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
                            "DELETE FROM OAuthAuthData WHERE ClientId = ? AND UserId = ?"}) {
      auto& st = c.Prepare(sql);
      st.setString(1, client_id);
      st.setString(2, user_id);
      st.executeUpdate();
    }
    auto& pref = c.Prepare(
        "DELETE FROM Preferences WHERE UserId = ? AND Category = 'oauth_app' AND Name = ?");
    pref.setString(1, user_id);
    pref.setString(2, client_id);
    pref.executeUpdate();
    return absl::OkStatus();
  });
}

}  // namespace oauthd::storage
