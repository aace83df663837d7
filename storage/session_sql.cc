#include "storage/session_sql.h"

#include "absl/strings/str_cat.h"

namespace oauthd::storage {

std::string InsertSessionSql(DbConn& c, const SessionRow& s) {
  return absl::StrCat(
      "INSERT INTO Sessions (Id, Token, CreateAt, ExpiresAt, LastActivityAt, UserId, DeviceId, "
      "Roles, IsOAuth, ExpiredNotify, Props) VALUES (",
      c.Quote(s.id), ", ", c.Quote(s.token), ", ", s.create_at, ", ", s.expires_at, ", ",
      s.last_activity_at, ", ", c.Quote(s.user_id), ", ", c.Quote(s.device_id), ", ",
      c.Quote(s.roles), ", ", s.is_oauth ? 1 : 0, ", 0, ", c.Quote(s.props_json), ")");
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
