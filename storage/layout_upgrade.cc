#include "storage/layout_upgrade.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "storage/schema_shape.h"
#include "storage/secret_rotation.h"
#include "storage/session_sql.h"

namespace oauthd::storage {
namespace {

constexpr char kMoving[] = "oauthd_moving_";

// Columns earlier releases added to Mattermost's tables, and the statement that copies their values
// (under their renamed names) into oauthd's tables. Copies are upserts, so running one again is
// harmless.
struct ColumnMove {
  const char* table;
  std::vector<const char*> columns;
  const char* copy;
};

const std::vector<ColumnMove>& Moves() {
  static const std::vector<ColumnMove>* moves = new std::vector<ColumnMove>{
      {"OAuthApps",
       {"IsDynamicallyRegistered"},
       "INSERT INTO OAuthdApps (AppId, IsDynamicallyRegistered) SELECT Id, 1 FROM OAuthApps "
       "WHERE oauthd_moving_IsDynamicallyRegistered = 1 "
       "ON DUPLICATE KEY UPDATE IsDynamicallyRegistered = 1"},
      {"OAuthAuthData",
       {"CodeChallenge", "CodeChallengeMethod", "Resource"},
       "INSERT INTO OAuthdAuthData (Code, CodeChallenge, CodeChallengeMethod, Resource) "
       "SELECT Code, COALESCE(oauthd_moving_CodeChallenge, ''), "
       "COALESCE(oauthd_moving_CodeChallengeMethod, ''), COALESCE(oauthd_moving_Resource, '') "
       "FROM OAuthAuthData WHERE COALESCE(oauthd_moving_CodeChallenge, '') <> '' "
       "OR COALESCE(oauthd_moving_CodeChallengeMethod, '') <> '' "
       "OR COALESCE(oauthd_moving_Resource, '') <> '' "
       "ON DUPLICATE KEY UPDATE CodeChallenge = VALUES(CodeChallenge), "
       "CodeChallengeMethod = VALUES(CodeChallengeMethod), Resource = VALUES(Resource)"},
      {"OAuthAccessData",
       {"Audience"},
       "INSERT INTO OAuthdAccessData (ClientId, UserId, Audience) "
       "SELECT ClientId, UserId, oauthd_moving_Audience FROM OAuthAccessData "
       "WHERE COALESCE(oauthd_moving_Audience, '') <> '' AND ClientId IS NOT NULL "
       "AND UserId IS NOT NULL ON DUPLICATE KEY UPDATE Audience = VALUES(Audience)"},
  };
  return *moves;
}

std::set<std::string> ColumnsOf(DbConn& c, const std::string& table) {
  auto& st = c.Prepare(
      "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
      "TABLE_NAME = ?");
  st.setString(1, table);
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  std::set<std::string> out;
  while (rs->next()) out.insert(GetStr(*rs, 1));
  return out;
}

int64_t Count(DbConn& c, const std::string& sql) {
  std::unique_ptr<sql::ResultSet> rs(c.Prepare(sql).executeQuery());
  return rs->next() ? GetInt(*rs, 1) : 0;
}

// 1. The old columns take their moving names: from here on, no pod of the previous release can
// write them (its statements name the old names), so the copy below sees every value there is.
absl::Status FreezeOldColumns(ConnectionPool& pool,
                              const std::function<void(absl::string_view)>& progress) {
  return pool.Run([&](DbConn& c) -> absl::Status {
    for (const ColumnMove& m : Moves()) {
      const std::set<std::string> have = ColumnsOf(c, m.table);
      std::vector<std::string> renames;
      for (const char* col : m.columns) {
        if (have.count(col))
          renames.push_back(absl::StrCat("RENAME COLUMN ", col, " TO ", kMoving, col));
      }
      if (renames.empty()) continue;
      progress(absl::StrCat("layout: ", m.table, ": setting aside ", renames.size(),
                            " column(s) earlier releases added"));
      c.Execute(absl::StrCat("ALTER TABLE ", m.table, " ", absl::StrJoin(renames, ", ")));
    }
    return absl::OkStatus();
  });
}

// 2. Values earlier releases sealed inside Mattermost's columns move to where this release keeps
// them (storage/secret_rotation.h), in batches.
absl::Status MoveSealedValues(ConnectionPool& pool, const SecretCipher& cipher,
                              const std::function<void(absl::string_view)>& progress) {
  auto sealed = pool.Run([](DbConn& c) -> absl::StatusOr<int64_t> {
    return Count(c, "SELECT COUNT(*) FROM OAuthApps WHERE ClientSecret LIKE 'oe1:%'") +
           Count(c, "SELECT COUNT(*) FROM OAuthAccessData WHERE RefreshToken LIKE 'oe1:%'") +
           Count(c, "SELECT COUNT(*) FROM OAuthAuthData WHERE Code LIKE 'oe1:%'");
  });
  if (!sealed.ok()) return sealed.status();
  if (*sealed == 0) return absl::OkStatus();
  progress(absl::StrCat("layout: ", *sealed,
                        " secrets are sealed in Mattermost's columns; moving them"));
  auto reports = RotateSecrets(
      pool, cipher, 500, SecretScope::kSealedInMattermostColumns, [&](const ColumnRotation& r) {
        progress(absl::StrCat("layout: ", r.column, ": ", r.resealed, " moved, ", r.expired,
                              " expired codes deleted"));
      });
  if (!reports.ok()) return reports.status();
  int64_t unreadable = 0;
  std::string first;
  for (const ColumnRotation& r : *reports) {
    unreadable += r.unreadable;
    if (first.empty()) first = r.first_error;
  }
  if (unreadable > 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        unreadable, " codes or refresh tokens are sealed under a key this run was not given (",
        first,
        "): run `oauthd migrate` again with --secret-encryption-key (and "
        "--secret-previous-keys) as the service has them"));
  }
  return absl::OkStatus();
}

// 3 and 4. Copy the set-aside values into oauthd's tables, then drop the set-aside columns.
absl::Status MoveOldColumns(ConnectionPool& pool,
                            const std::function<void(absl::string_view)>& progress) {
  return pool.Run([&](DbConn& c) -> absl::Status {
    for (const ColumnMove& m : Moves()) {
      const std::set<std::string> have = ColumnsOf(c, m.table);
      std::vector<std::string> drops;
      for (const char* col : m.columns) {
        if (have.count(absl::StrCat(kMoving, col)))
          drops.push_back(absl::StrCat("DROP COLUMN ", kMoving, col));
      }
      if (drops.size() != m.columns.size()) {
        if (drops.empty()) continue;
        return absl::FailedPreconditionError(absl::StrCat(
            m.table, " has only some of the columns being moved; restore them by hand"));
      }
      auto& copy = c.Prepare(m.copy);
      const int copied = copy.executeUpdate();
      progress(absl::StrCat("layout: ", m.table, ": values copied to oauthd's table (", copied,
                            " rows written)"));
      c.Execute(absl::StrCat("ALTER TABLE ", m.table, " ", absl::StrJoin(drops, ", ")));
    }
    return absl::OkStatus();
  });
}

// 5 and 6. Undo what earlier releases changed in Mattermost's tables on any database: the widened
// refresh-token column and the indexes they added.
absl::Status RestoreMattermostColumnsAndIndexes(
    ConnectionPool& pool, const std::function<void(absl::string_view)>& progress) {
  return pool.Run([&](DbConn& c) -> absl::Status {
    auto& type = c.Prepare(
        "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
        "TABLE_NAME = 'OAuthAccessData' AND COLUMN_NAME = 'RefreshToken'");
    std::unique_ptr<sql::ResultSet> rs(type.executeQuery());
    if (rs->next() && GetStr(*rs, 1) != "varchar(26)") {
      rs.reset();
      if (Count(c, "SELECT COUNT(*) FROM OAuthAccessData WHERE CHAR_LENGTH(RefreshToken) > 26") >
          0) {
        return absl::FailedPreconditionError(
            "OAuthAccessData.RefreshToken holds values longer than Mattermost's 26 characters");
      }
      progress("layout: OAuthAccessData.RefreshToken back to Mattermost's varchar(26)");
      c.Execute("ALTER TABLE OAuthAccessData MODIFY RefreshToken varchar(26) DEFAULT NULL");
    }
    rs.reset();
    c.Execute("DROP INDEX IF EXISTS idx_oauthapps_create_at ON OAuthApps");
    c.Execute("DROP INDEX IF EXISTS idx_oauthauthdata_user_client ON OAuthAuthData");
    if (Count(c,
              "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
              "AND TABLE_NAME = 'OAuthApps' AND INDEX_NAME = 'idx_oauthapps_creator_id'") > 1) {
      progress("layout: OAuthApps.idx_oauthapps_creator_id back to Mattermost's (CreatorId)");
      c.Execute(
          "ALTER TABLE OAuthApps DROP INDEX idx_oauthapps_creator_id, "
          "ADD KEY idx_oauthapps_creator_id (CreatorId)");
    }
    return absl::OkStatus();
  });
}

// 7 and 8. On a database of oauthd's own, the tables earlier releases created in a shape of their
// own (Users with 15 columns, Sessions.Roles varchar(64), …) take Mattermost's shape, and user rows
// get Mattermost's values where they were NULL, so that a Mattermost server can adopt the database.
absl::Status ReshapeOwnTables(ConnectionPool& pool,
                              const std::function<void(absl::string_view)>& progress) {
  return pool.Run([&](DbConn& c) -> absl::Status {
    for (const TableShape& shape : MattermostTableShapes()) {
      // Tables the earlier release never made (it recorded its own 0001, without Systems).
      c.Execute(absl::StrCat("CREATE TABLE IF NOT EXISTS ", shape.name, " (", shape.body,
                             ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));
      auto clauses = ReshapeClauses(c, shape);
      if (!clauses.ok()) return clauses.status();
      if (clauses->empty()) continue;
      progress(absl::StrCat("layout: ", shape.name, ": taking Mattermost's shape (",
                            clauses->size(), " changes)"));
      c.Execute(absl::StrCat("ALTER TABLE ", shape.name, " ", absl::StrJoin(*clauses, ", ")));
    }
    auto& users = c.Prepare(
        "UPDATE Users SET CreateAt = COALESCE(CreateAt, 0), UpdateAt = COALESCE(UpdateAt, 0), "
        "DeleteAt = COALESCE(DeleteAt, 0), Password = COALESCE(Password, ''), "
        "AuthService = COALESCE(AuthService, ''), EmailVerified = COALESCE(EmailVerified, 0), "
        "Nickname = COALESCE(Nickname, ''), FirstName = COALESCE(FirstName, ''), "
        "LastName = COALESCE(LastName, ''), Roles = COALESCE(Roles, ''), "
        "AllowMarketing = COALESCE(AllowMarketing, 0), Props = COALESCE(Props, '{}'), "
        "NotifyProps = COALESCE(NotifyProps, ?), "
        "LastPasswordUpdate = COALESCE(LastPasswordUpdate, CreateAt, 0), "
        "LastPictureUpdate = COALESCE(LastPictureUpdate, 0), "
        "FailedAttempts = COALESCE(FailedAttempts, 0), Locale = COALESCE(Locale, 'en'), "
        "MfaActive = COALESCE(MfaActive, 0), MfaSecret = COALESCE(MfaSecret, ''), "
        "Position = COALESCE(Position, ''), Timezone = COALESCE(Timezone, ?), "
        "MfaUsedTimestamps = COALESCE(MfaUsedTimestamps, '[]') "
        // Rows an earlier release's `oauthd user create` wrote: Mattermost always writes Props.
        "WHERE Props IS NULL");
    users.setString(1, kDefaultNotifyProps);
    users.setString(2, kDefaultTimezone);
    const int filled = users.executeUpdate();
    if (filled > 0)
      progress(absl::StrCat("layout: Users: Mattermost's defaults filled in ", filled, " rows"));
    return absl::OkStatus();
  });
}

}  // namespace

absl::StatusOr<bool> SharedWithMattermost(ConnectionPool& pool) {
  return pool.Run([](DbConn& c) -> absl::StatusOr<bool> {
    return Count(c,
                 "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                 "AND TABLE_NAME IN ('Channels', 'Posts', 'Teams')") > 0;
  });
}

absl::Status UpgradeLayout(ConnectionPool& pool, const SecretCipher& cipher,
                           const std::function<void(absl::string_view)>& progress) {
  if (absl::Status st = FreezeOldColumns(pool, progress); !st.ok()) return st;
  if (absl::Status st = MoveSealedValues(pool, cipher, progress); !st.ok()) return st;
  if (absl::Status st = MoveOldColumns(pool, progress); !st.ok()) return st;
  if (absl::Status st = RestoreMattermostColumnsAndIndexes(pool, progress); !st.ok()) return st;
  auto shared = SharedWithMattermost(pool);
  if (!shared.ok()) return shared.status();
  if (*shared) {
    progress("layout: the database is a Mattermost server's: its tables are left as they are");
    return absl::OkStatus();
  }
  return ReshapeOwnTables(pool, progress);
}

}  // namespace oauthd::storage
