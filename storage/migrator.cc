#include "storage/migrator.h"

#include <algorithm>
#include <memory>
#include <set>
#include <stdexcept>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/mattermost_id.h"
#include "storage/cluster_lease.h"
#include "storage/identity_store.h"
#include "storage/layout_upgrade.h"
#include "storage/migration_files.h"

namespace oauthd::storage {
namespace {

constexpr int kLockWaitSeconds = 120;
// How long a migration run holds its lease without renewing it: renewed before each migration and
// as a long one reports progress, so a run that died frees the way for the next within a minute.
constexpr absl::Duration kMigrateLeaseTtl = absl::Seconds(60);

absl::StatusOr<int> VersionOf(absl::string_view name) {
  int version = 0;
  if (!absl::SimpleAtoi(name.substr(0, name.find('_')), &version) || version <= 0) {
    return absl::InternalError(absl::StrCat("migration file name without a version: ", name));
  }
  return version;
}

// One migration: an embedded SQL file, or a step written in C++ that needs more than SQL (the
// schema's current state, a key, batches).
struct Migration {
  int version;
  std::string name;
  const char* sql = nullptr;
  absl::Status (*run)(ConnectionPool&, const SecretCipher&,
                      const std::function<void(absl::string_view)>&) = nullptr;
};

absl::StatusOr<std::vector<Migration>> AllMigrations() {
  std::vector<Migration> all = {
      {5, "0005_move_extension_columns", nullptr, &UpgradeLayout},
  };
  for (const MigrationFile& f : MigrationFiles()) {
    auto version = VersionOf(f.name);
    if (!version.ok()) return version.status();
    all.push_back({*version, f.name, f.sql, nullptr});
  }
  std::sort(all.begin(), all.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (size_t i = 1; i < all.size(); ++i) {
    if (all[i].version == all[i - 1].version)
      return absl::InternalError(absl::StrCat("two migrations have version ", all[i].version));
  }
  return all;
}

}  // namespace

std::string ProcedureDefinedIn(absl::string_view sql) {
  static constexpr absl::string_view kCreate = "CREATE PROCEDURE ";
  const size_t at = sql.find(kCreate);
  if (at == absl::string_view::npos) return "";
  absl::string_view rest = sql.substr(at + kCreate.size());
  return std::string(rest.substr(0, rest.find_first_of("( \n")));
}

bool ProcedureExists(DbConn& c, const std::string& name) {
  auto& st = c.Prepare(
      "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() AND "
      "ROUTINE_TYPE = 'PROCEDURE' AND ROUTINE_NAME = ?");
  st.setString(1, name);
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  return rs->next() && GetInt(*rs, 1) > 0;
}

namespace {

absl::StatusOr<MigrationReport> ApplyLocked(DbConn& c, ConnectionPool& pool,
                                            const SecretCipher& cipher,
                                            const std::function<void(absl::string_view)>& progress,
                                            const std::function<absl::Status()>& renew_lock) {
  c.Execute(
      "CREATE TABLE IF NOT EXISTS oauthd_migrations (Version int NOT NULL PRIMARY KEY, "
      "Name varchar(255) NOT NULL, AppliedAt bigint(20) NOT NULL) ENGINE=InnoDB DEFAULT "
      "CHARSET=utf8mb4");
  std::set<int> done;
  {
    std::unique_ptr<sql::ResultSet> rs(
        c.Prepare("SELECT Version FROM oauthd_migrations").executeQuery());
    while (rs->next()) done.insert(static_cast<int>(GetInt(*rs, 1)));
  }
  auto migrations = AllMigrations();
  if (!migrations.ok()) return migrations.status();
  MigrationReport report;
  for (const Migration& m : *migrations) {
    if (done.count(m.version)) {
      ++report.already_applied;
      // A dump taken without --routines restores the tables but not the procedures: define the
      // missing ones again (their files drop and create, so running them again is safe).
      const std::string procedure = m.sql != nullptr ? ProcedureDefinedIn(m.sql) : "";
      if (!procedure.empty() && !ProcedureExists(c, procedure)) {
        progress(absl::StrCat("restoring procedure ", procedure, " (", m.name, ")"));
        for (const std::string& stmt : SplitStatements(m.sql)) c.Execute(stmt);
        report.restored.push_back(procedure);
      }
      continue;
    }
    if (absl::Status st = renew_lock(); !st.ok()) return st;
    progress(absl::StrCat("applying ", m.name));
    if (m.sql != nullptr) {
      for (const std::string& stmt : SplitStatements(m.sql)) c.Execute(stmt);
    } else if (absl::Status st = m.run(pool, cipher, progress); !st.ok()) {
      return st;
    }
    auto& record =
        c.Prepare("INSERT INTO oauthd_migrations (Version, Name, AppliedAt) VALUES (?, ?, ?)");
    record.setInt(1, m.version);
    record.setString(2, m.name);
    record.setInt64(3, absl::ToUnixMillis(absl::Now()));
    record.executeUpdate();
    report.applied.push_back(m.name);
  }
  return report;
}

}  // namespace

std::vector<std::string> SplitStatements(absl::string_view sql) {
  std::vector<std::string> out;
  std::string current;
  std::string delimiter = ";";
  for (absl::string_view line : absl::StrSplit(sql, '\n')) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty() || absl::StartsWith(trimmed, "--")) continue;
    // "DELIMITER $$", as the mysql client reads it: a stored procedure's body holds semicolons.
    if (absl::StartsWithIgnoreCase(trimmed, "DELIMITER ")) {
      delimiter = std::string(absl::StripAsciiWhitespace(trimmed.substr(10)));
      continue;
    }
    absl::StrAppend(&current, line, "\n");
    if (absl::EndsWith(trimmed, delimiter)) {
      current.erase(current.rfind(delimiter));
      out.push_back(std::move(current));
      current.clear();
    }
  }
  if (!absl::StripAsciiWhitespace(current).empty()) out.push_back(std::move(current));
  return out;
}

int LatestMigrationVersion() {
  auto all = AllMigrations();
  return all.ok() && !all->empty() ? all->back().version : 0;
}

absl::StatusOr<MigrationReport> Migrate(ConnectionPool& pool, const SecretCipher& cipher,
                                        const std::function<void(absl::string_view)>& progress) {
  auto report = pool.Run([&](DbConn& c) -> absl::StatusOr<MigrationReport> {
    progress("waiting for the migration lock");
    EnsureLeaseTable(c);
    // The lease holds across the nodes of a cluster (storage/cluster_lease.h). It is renewed
    // before each migration, and lapses by itself if this process dies.
    const std::string holder = LeaseHolderId();
    const absl::Time give_up = absl::Now() + absl::Seconds(kLockWaitSeconds);
    for (;;) {
      auto taken = TakeLease(c, kMigrateLease, holder, kMigrateLeaseTtl);
      if (!taken.ok()) return taken.status();
      if (*taken) break;
      if (absl::Now() > give_up) {
        return absl::UnavailableError(
            absl::StrCat("another process held the migration lock for ", kLockWaitSeconds, "s"));
      }
      absl::SleepFor(absl::Milliseconds(250));
    }
    // What the previous holder recorded, even if it ran on another node a moment ago.
    CausalReads(c);
    absl::Time renewed = absl::Now();
    auto renew = [&]() -> absl::Status {
      renewed = absl::Now();
      auto kept = TakeLease(c, kMigrateLease, holder, kMigrateLeaseTtl);
      if (!kept.ok()) return kept.status();
      if (!*kept) return absl::AbortedError("the migration lock lapsed; run oauthd migrate again");
      return absl::OkStatus();
    };
    auto release = [&] { ReleaseLease(c, kMigrateLease, holder); };
    // A long migration (the layout upgrade's batches) reports progress often: renew on the way.
    auto report_and_renew = [&](absl::string_view line) {
      progress(line);
      if (absl::Now() - renewed < kMigrateLeaseTtl / 3) return;
      if (absl::Status st = renew(); !st.ok()) throw std::runtime_error(std::string(st.message()));
    };
    try {
      auto result = ApplyLocked(c, pool, cipher, report_and_renew, renew);
      release();
      return result;
    } catch (...) {
      try {
        release();
      } catch (...) {
        // Unreachable database: the lease lapses on its own.
      }
      throw;
    }
  });
  if (!report.ok()) return report.status();

  IdentityStore identity(&pool);
  const RoleRow defaults[] = {
      {NewId(), "system_admin", "authentication.roles.global_admin.name",
       "authentication.roles.global_admin.description", kSystemAdminPermissions, true},
      {NewId(), "system_user", "authentication.roles.global_user.name",
       "authentication.roles.global_user.description", "", true},
  };
  for (const RoleRow& role : defaults) {
    auto created = identity.CreateRoleIfMissing(role);
    if (!created.ok()) return created.status();
    if (*created) {
      progress(absl::StrCat("created role ", role.name));
      report->roles_created.push_back(role.name);
    }
  }
  return report;
}

}  // namespace oauthd::storage
