#include "storage/session_sql.h"

namespace oauthd::storage {

void InsertSession(DbConn& c, const SessionRow& s) {
  auto& st = c.Prepare(
      "INSERT INTO Sessions (Id, Token, CreateAt, ExpiresAt, LastActivityAt, UserId, DeviceId, "
      "Roles, "
      "IsOAuth, ExpiredNotify, Props) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)");
  st.setString(1, s.id);
  st.setString(2, s.token);
  st.setInt64(3, s.create_at);
  st.setInt64(4, s.expires_at);
  st.setInt64(5, s.last_activity_at);
  st.setString(6, s.user_id);
  st.setString(7, s.device_id);
  st.setString(8, s.roles);
  st.setBoolean(9, s.is_oauth);
  st.setString(10, s.props_json);
  st.executeUpdate();
}

void InsertUser(DbConn& c, const UserRow& u) {
  auto& st = c.Prepare(
      "INSERT INTO Users (Id, CreateAt, UpdateAt, DeleteAt, Username, Password, AuthData, "
      "AuthService, Email, EmailVerified, Nickname, FirstName, LastName, Roles, AllowMarketing, "
      "Props, NotifyProps, LastPasswordUpdate, LastPictureUpdate, FailedAttempts, Locale, "
      "MfaActive, MfaSecret, Position, Timezone, RemoteId, LastLogin, MfaUsedTimestamps) "
      "VALUES (?, ?, ?, ?, ?, '', NULL, '', ?, 0, '', '', '', ?, 0, '{}', ?, ?, 0, 0, ?, ?, '', "
      "'', ?, NULL, 0, '[]')");
  st.setString(1, u.id);
  st.setInt64(2, u.create_at);
  st.setInt64(3, u.update_at);
  st.setInt64(4, u.delete_at);
  st.setString(5, u.username);
  st.setString(6, u.email);
  st.setString(7, u.roles);
  st.setString(8, kDefaultNotifyProps);
  st.setInt64(9, u.create_at);  // LastPasswordUpdate: Mattermost sets it to CreateAt
  st.setString(10, u.locale);
  st.setBoolean(11, u.mfa_active);
  st.setString(12, kDefaultTimezone);
  st.executeUpdate();
}

}  // namespace oauthd::storage
