#include "storage/grant_store.h"

#include <memory>

#include "storage/session_sql.h"

namespace oauthd::storage {
namespace {

constexpr char kAccessColumns[] =
    "SELECT Token, RefreshToken, RedirectUri, ClientId, UserId, ExpiresAt, Scope, Audience "
    "FROM OAuthAccessData ";

AccessDataRow ReadAccess(sql::ResultSet& rs) {
  AccessDataRow a;
  a.token = GetStr(rs, 1);
  a.refresh_token = GetStr(rs, 2);
  a.redirect_uri = GetStr(rs, 3);
  a.client_id = GetStr(rs, 4);
  a.user_id = GetStr(rs, 5);
  a.expires_at = GetInt(rs, 6);
  a.scope = GetStr(rs, 7);
  a.audience = GetStr(rs, 8);
  return a;
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
    st.setString(3, d.code);
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

absl::StatusOr<AuthDataRow> GrantStore::GetAuthData(const std::string& code) {
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<AuthDataRow> {
    auto& st = c.Prepare(
        "SELECT ClientId, UserId, Code, ExpiresIn, CreateAt, RedirectUri, State, Scope, "
        "CodeChallenge, "
        "CodeChallengeMethod, Resource FROM OAuthAuthData WHERE Code = ?");
    st.setString(1, code);
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    while (rs->next()) {
      if (GetStr(*rs, 3) != code) continue;  // collations compare case-insensitively; codes do not
      AuthDataRow d;
      d.client_id = GetStr(*rs, 1);
      d.user_id = GetStr(*rs, 2);
      d.code = GetStr(*rs, 3);
      d.expires_in = static_cast<int32_t>(GetInt(*rs, 4));
      d.create_at = GetInt(*rs, 5);
      d.redirect_uri = GetStr(*rs, 6);
      d.state = GetStr(*rs, 7);
      d.scope = GetStr(*rs, 8);
      d.code_challenge = GetStr(*rs, 9);
      d.code_challenge_method = GetStr(*rs, 10);
      d.resource = GetStr(*rs, 11);
      return d;
    }
    return absl::NotFoundError("no such authorization code");
  });
}

absl::StatusOr<bool> GrantStore::DeleteAuthData(const std::string& code) {
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<bool> {
    auto& st = c.Prepare("DELETE FROM OAuthAuthData WHERE Code = ?");
    st.setString(1, code);
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
    return ReadAccess(*rs);
  });
}

absl::StatusOr<AccessDataRow> GrantStore::GetAccessDataByRefreshToken(
    const std::string& refresh_token) {
  return pool_->Run([&](DbConn& c) -> absl::StatusOr<AccessDataRow> {
    static const std::string sql = std::string(kAccessColumns) + "WHERE RefreshToken = ?";
    auto& st = c.Prepare(sql);
    st.setString(1, refresh_token);
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    while (rs->next()) {
      AccessDataRow a = ReadAccess(*rs);
      if (a.refresh_token == refresh_token) return a;
    }
    return absl::NotFoundError("no access data for that refresh token");
  });
}

absl::Status GrantStore::IssueToken(const SessionRow& s, const AccessDataRow& a,
                                    const std::optional<std::string>& replaced_token) {
  return pool_->RunInTransaction([&](DbConn& c) -> absl::Status {
    if (replaced_token) {
      auto& del = c.Prepare("DELETE FROM Sessions WHERE Token = ?");
      del.setString(1, *replaced_token);
      del.executeUpdate();
    }
    InsertSession(c, s);
    // One row per (client, user): an upsert on that unique key. (DELETE-then-INSERT took InnoDB gap
    // locks that deadlocked concurrent first-time grants.)
    auto& access = c.Prepare(
        "INSERT INTO OAuthAccessData (Token, RefreshToken, RedirectUri, ClientId, UserId, "
        "ExpiresAt, Scope, "
        "Audience) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE Token = VALUES(Token), "
        "RefreshToken = VALUES(RefreshToken), RedirectUri = VALUES(RedirectUri), ExpiresAt = "
        "VALUES(ExpiresAt), "
        "Scope = VALUES(Scope), Audience = VALUES(Audience)");
    access.setString(1, a.token);
    access.setString(2, a.refresh_token);
    access.setString(3, a.redirect_uri);
    access.setString(4, a.client_id);
    access.setString(5, a.user_id);
    access.setInt64(6, a.expires_at);
    access.setString(7, a.scope);
    access.setString(8, a.audience);
    access.executeUpdate();
    return absl::OkStatus();
  });
}

absl::Status GrantStore::Deauthorize(const std::string& user_id, const std::string& client_id) {
  return pool_->RunInTransaction([&](DbConn& c) -> absl::Status {
    auto& sessions = c.Prepare(
        "DELETE s.* FROM Sessions s INNER JOIN OAuthAccessData o ON o.Token = s.Token "
        "WHERE o.ClientId = ? AND o.UserId = ?");
    sessions.setString(1, client_id);
    sessions.setString(2, user_id);
    sessions.executeUpdate();
    auto& access = c.Prepare("DELETE FROM OAuthAccessData WHERE ClientId = ? AND UserId = ?");
    access.setString(1, client_id);
    access.setString(2, user_id);
    access.executeUpdate();
    auto& codes = c.Prepare("DELETE FROM OAuthAuthData WHERE ClientId = ? AND UserId = ?");
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

}  // namespace oauthd::storage
