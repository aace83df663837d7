// What a Mattermost server needs of the rows in its tables, checked the way its store reads them:
// sqlx scans most columns into plain Go strings, numbers and bools (a NULL there fails the scan),
// unmarshals Props, NotifyProps, Timezone and CallbackUrls as JSON, and compares secrets and
// tokens as stored (so a value sealed by oauthd is of no use to it there).
#ifndef OAUTHD_TESTS_LIB_MATTERMOST_ROWS_H_
#define OAUTHD_TESTS_LIB_MATTERMOST_ROWS_H_

#include <string>
#include <vector>

#include "storage/connection_pool.h"

namespace oauthd::testing {

// Every way the rows of Mattermost's tables break the rules above, one line each ("Users.Props is
// NULL in 1 row"); empty when Mattermost can read every row.
std::vector<std::string> UnreadableByMattermost(storage::ConnectionPool& pool);

// Every row of `table`, ordered by its first column, one line per row: for "left untouched" checks.
std::vector<std::string> DumpTable(storage::ConnectionPool& pool, const std::string& table);

// The names of Mattermost's tables that oauthd shares.
const std::vector<std::string>& MattermostTables();

}  // namespace oauthd::testing

#endif  // OAUTHD_TESTS_LIB_MATTERMOST_ROWS_H_
