// Applies the embedded SQL migrations in order and records them in `oauthd_migrations`. The whole
// run holds the MySQL named lock `oauthd_migrate`, so pods that start together migrate one at a
// time; applied versions are skipped, so re-running is a no-op. Afterwards the default roles are
// inserted where missing.
#ifndef OAUTHD_STORAGE_MIGRATOR_H_
#define OAUTHD_STORAGE_MIGRATOR_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/connection_pool.h"

namespace oauthd::storage {

struct MigrationReport {
  std::vector<std::string> applied;  // names of the migrations this run applied
  int already_applied = 0;
  std::vector<std::string> roles_created;
};

// `progress` receives one human-readable line per step.
absl::StatusOr<MigrationReport> Migrate(ConnectionPool& pool,
                                        const std::function<void(absl::string_view)>& progress);

// The statements of one migration file: split at ";" ending a line, "--" comment lines dropped.
std::vector<std::string> SplitStatements(absl::string_view sql);

// Permissions of the roles Migrate creates (spec §7.4).
inline constexpr char kSystemAdminPermissions[] =
    "manage_system manage_oauth manage_system_wide_oauth edit_other_users";

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_MIGRATOR_H_
