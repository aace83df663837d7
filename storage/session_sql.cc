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

UserRow ReadUser(sql::ResultSet& rs, int first) {
  UserRow u;
  u.id = GetStr(rs, first);
  u.create_at = GetInt(rs, first + 1);
  u.update_at = GetInt(rs, first + 2);
  u.delete_at = GetInt(rs, first + 3);
  u.username = GetStr(rs, first + 4);
  u.email = GetStr(rs, first + 5);
  u.roles = GetStr(rs, first + 6);
  u.mfa_active = GetInt(rs, first + 7) != 0;
  u.locale = GetStr(rs, first + 8);
  return u;
}

}  // namespace oauthd::storage
