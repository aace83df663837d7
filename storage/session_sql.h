// SQL shared by the stores: the one INSERT for a Sessions row (admin CLI and token issuance), the
// one INSERT for a Users row (admin CLI) with Mattermost's defaults, and the Users columns with
// their decoder (identity lookups, and the token exchange's join).
#ifndef OAUTHD_STORAGE_SESSION_SQL_H_
#define OAUTHD_STORAGE_SESSION_SQL_H_

#include "storage/connection_pool.h"
#include "storage/models.h"

namespace oauthd::storage {

// Throws sql::SQLException like any statement run inside ConnectionPool::Run.
void InsertSession(DbConn& c, const SessionRow& s);

// A Users row as Mattermost's user store can read it back: every column it scans into a plain
// string, number or bool is set, and the JSON ones hold Mattermost's defaults for a new user.
void InsertUser(DbConn& c, const UserRow& u);
// Mattermost's defaults for a new user (model.User.PreSave: SetDefaultNotifications, and
// timezones.DefaultUserTimezone).
inline constexpr char kDefaultNotifyProps[] =
    R"({"channel":"true","comments":"never","desktop":"mention","desktop_sound":"true",)"
    R"("desktop_threads":"all","email":"true","email_threads":"all","first_name":"false",)"
    R"("mention_keys":"","push":"mention","push_status":"away","push_threads":"all"})";
inline constexpr char kDefaultTimezone[] =
    R"({"automaticTimezone":"","manualTimezone":"","useAutomaticTimezone":"true"})";

// The Users columns, aliased `u`, and their decoder; `first` is the 1-based column they start at.
// `Row` is a blocking sql::ResultSet or an asynchronous QueryResult.
inline constexpr char kUserColumns[] =
    "u.Id, u.CreateAt, u.UpdateAt, u.DeleteAt, u.Username, u.Email, u.Roles, u.MfaActive, u.Locale";
inline constexpr int kUserColumnCount = 9;
template <typename Row>
UserRow ReadUser(Row& rs, int first) {
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

#endif  // OAUTHD_STORAGE_SESSION_SQL_H_
