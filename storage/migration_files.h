// The SQL migrations compiled into the binary (generated from storage/migrations/*.sql, in name
// order).
#ifndef OAUTHD_STORAGE_MIGRATION_FILES_H_
#define OAUTHD_STORAGE_MIGRATION_FILES_H_

#include <vector>

namespace oauthd::storage {

struct MigrationFile {
  const char* name;  // e.g. "0001_mattermost_tables.sql"; the leading number is the version
  const char* sql;   // statements separated by ";" at the end of a line
};

const std::vector<MigrationFile>& MigrationFiles();

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_MIGRATION_FILES_H_
