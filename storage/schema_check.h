// Whether a database has what this oauthd reads and writes: the migration version it needs, and
// every table and column it names, each with a type that holds what it stores. `oauthd serve`
// checks at start and refuses to serve otherwise (a missing column would only show up as 500s
// later), and `oauthd migrate` checks what it leaves.
#ifndef OAUTHD_STORAGE_SCHEMA_CHECK_H_
#define OAUTHD_STORAGE_SCHEMA_CHECK_H_

#include "absl/status/status.h"
#include "storage/connection_pool.h"

namespace oauthd::storage {

// FAILED_PRECONDITION naming everything missing or unusable, and the command that fixes it.
absl::Status CheckSchema(ConnectionPool& pool);

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_SCHEMA_CHECK_H_
