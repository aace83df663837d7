// Applies the migrations in version order and records them in `oauthd_migrations`: the embedded
// SQL files (storage/migrations/) and the steps written in C++ (the layout upgrade, 0005). The
// whole run holds the `migrate` lease in oauthd_locks (cluster_lease.h; GET_LOCK would be per
// node under Galera), renewed per migration, so pods that start together migrate one at a time;
// applied versions are skipped, so re-running is a no-op. Afterwards the default roles are inserted
// where missing.
#ifndef OAUTHD_STORAGE_MIGRATOR_H_
#define OAUTHD_STORAGE_MIGRATOR_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/connection_pool.h"
#include "storage/secret_cipher.h"

namespace oauthd::storage {

struct MigrationReport {
  std::vector<std::string> applied;  // names of the migrations this run applied
  int already_applied = 0;
  std::vector<std::string> restored;  // procedures of applied migrations defined again
  std::vector<std::string> roles_created;
};

// `progress` receives one human-readable line per step. `cipher` opens values an earlier release
// sealed in Mattermost's columns, for the layout upgrade (storage/layout_upgrade.h).
absl::StatusOr<MigrationReport> Migrate(ConnectionPool& pool, const SecretCipher& cipher,
                                        const std::function<void(absl::string_view)>& progress);
inline absl::StatusOr<MigrationReport> Migrate(
    ConnectionPool& pool, const std::function<void(absl::string_view)>& progress) {
  return Migrate(pool, SecretCipher::ClearText(), progress);
}

// The version the code needs: that of the newest migration.
int LatestMigrationVersion();

// The statements of one migration file: split at ";" ending a line (or at the terminator a
// "DELIMITER X" line sets, as in the mysql client), "--" comment lines dropped.
std::vector<std::string> SplitStatements(absl::string_view sql);

// The stored procedure a migration file defines ("" if none), and whether the database has it.
std::string ProcedureDefinedIn(absl::string_view sql);
bool ProcedureExists(DbConn& c, const std::string& name);

// Permissions of the roles Migrate creates (spec §7.4).
inline constexpr char kSystemAdminPermissions[] =
    "manage_system manage_oauth manage_system_wide_oauth edit_other_users";

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_MIGRATOR_H_
