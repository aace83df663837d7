// The one INSERT for a Sessions row, shared by the stores that create sessions (admin CLI and token
// issuance).
#ifndef OAUTHD_STORAGE_SESSION_SQL_H_
#define OAUTHD_STORAGE_SESSION_SQL_H_

#include "storage/connection_pool.h"
#include "storage/models.h"

namespace oauthd::storage {

// Throws sql::SQLException like any statement run inside ConnectionPool::Run.
void InsertSession(DbConn& c, const SessionRow& s);

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_SESSION_SQL_H_
