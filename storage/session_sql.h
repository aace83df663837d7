// SQL shared by the stores: the one INSERT for a Sessions row (admin CLI and token issuance), and
// the Users columns with their decoder (identity lookups, and the token exchange's join).
#ifndef OAUTHD_STORAGE_SESSION_SQL_H_
#define OAUTHD_STORAGE_SESSION_SQL_H_

#include "storage/connection_pool.h"
#include "storage/models.h"

namespace oauthd::storage {

// Throws sql::SQLException like any statement run inside ConnectionPool::Run.
void InsertSession(DbConn& c, const SessionRow& s);

// The Users columns, aliased `u`, and their decoder; `first` is the 1-based column they start at.
inline constexpr char kUserColumns[] =
    "u.Id, u.CreateAt, u.UpdateAt, u.DeleteAt, u.Username, u.Email, u.Roles, u.MfaActive, u.Locale";
UserRow ReadUser(sql::ResultSet& rs, int first);

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_SESSION_SQL_H_
