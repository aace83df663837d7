// The shape of Mattermost's tables as migration 0001 defines them (Mattermost's last MySQL schema),
// and how a live table compares with it. The upgrade from the layout of earlier releases uses it to
// bring tables oauthd once created in its own shape to Mattermost's; the tests use it to check that
// a database is exactly Mattermost's.
#ifndef OAUTHD_STORAGE_SCHEMA_SHAPE_H_
#define OAUTHD_STORAGE_SCHEMA_SHAPE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/connection_pool.h"

namespace oauthd::storage {

// One table of 0001: its column and key definitions in order, as written there.
struct TableShape {
  std::string name;
  std::string body;  // what goes between the parentheses
  std::vector<std::pair<std::string, std::string>>
      columns;  // name, definition ("Id varchar(26) NOT NULL")
  std::vector<std::pair<std::string, std::string>> keys;  // name, definition ("KEY idx (Col)")
};

const std::vector<TableShape>& MattermostTableShapes();

// A table's shape as information_schema describes it in the current database, one line per column
// (name, position, type, nullability, default, collation), index column and check constraint,
// sorted: two tables have the same shape exactly when their descriptions are equal.
absl::StatusOr<std::vector<std::string>> DescribeTable(DbConn& c, const std::string& table);

// The ALTER TABLE clauses that give `table` the shape `want` (empty when it has it): columns added
// or redefined in order, keys added, redefined or dropped. Columns `want` does not name are left
// alone. Works by creating `want` under a scratch name in the same database and comparing the two,
// so that types and defaults are compared as the server normalizes them.
absl::StatusOr<std::vector<std::string>> ReshapeClauses(DbConn& c, const TableShape& want);

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_SCHEMA_SHAPE_H_
