#include "storage/cluster_lease.h"

#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <unistd.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/mattermost_id.h"

namespace oauthd::storage {
namespace {

constexpr int kDeadlock = 1213;  // also Galera's certification failure

// Milliseconds on the database's clock.
constexpr char kNowMs[] = "ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000)";

}  // namespace

void EnsureLeaseTable(DbConn& c) {
  c.Execute(
      "CREATE TABLE IF NOT EXISTS oauthd_locks (Name varchar(64) NOT NULL PRIMARY KEY, "
      "Holder varchar(128) NOT NULL DEFAULT '', ExpiresAt bigint NOT NULL DEFAULT 0) "
      "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  // Pods starting together on several nodes insert the same rows: one insert per node wins
  // certification, and the others find the rows there on their next try.
  for (int attempt = 1;; ++attempt) {
    try {
      c.Execute(absl::StrCat("INSERT IGNORE INTO oauthd_locks (Name) VALUES ('", kMigrateLease,
                             "'), ('", kReaperLease, "'), ('", kRegistrationGuard, "')"));
      return;
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != kDeadlock || attempt == 5) throw;
    }
  }
}

absl::StatusOr<bool> TakeLease(DbConn& c, const std::string& name, const std::string& holder,
                               absl::Duration ttl) {
  auto& st = c.Prepare(absl::StrCat(
      "UPDATE oauthd_locks SET Holder = ?, ExpiresAt = ", kNowMs,
      " + ? WHERE Name = ? AND (Holder = '' OR Holder = ? OR ExpiresAt < ", kNowMs, ")"));
  st.setString(1, holder);
  st.setInt64(2, absl::ToInt64Milliseconds(ttl));
  st.setString(3, name);
  st.setString(4, holder);
  try {
    if (st.executeUpdate() > 0) return true;
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() == kDeadlock) return false;  // another node took it at the same moment
    throw;
  }
  // MySQL counts changed rows, not matched ones: a holder renewing within the same millisecond
  // writes the values already there and reads 0. Ask whether the lease is ours.
  auto& held = c.Prepare(absl::StrCat(
      "SELECT COUNT(*) FROM oauthd_locks WHERE Name = ? AND Holder = ? AND ExpiresAt >= ", kNowMs));
  held.setString(1, name);
  held.setString(2, holder);
  std::unique_ptr<sql::ResultSet> rs(held.executeQuery());
  return rs->next() && rs->getInt64(1) > 0;
}

void ReleaseLease(DbConn& c, const std::string& name, const std::string& holder) {
  auto& st =
      c.Prepare("UPDATE oauthd_locks SET Holder = '', ExpiresAt = 0 WHERE Name = ? AND Holder = ?");
  st.setString(1, name);
  st.setString(2, holder);
  st.executeUpdate();
}

void TouchGuard(DbConn& c, const std::string& name) {
  // An upsert, not an UPDATE: on a node that has not yet applied the row's insert (a database
  // migrated through another node a moment ago), an UPDATE would match nothing and write nothing,
  // and the transaction would conflict with no one.
  auto& st = c.Prepare(
      "INSERT INTO oauthd_locks (Name, ExpiresAt) VALUES (?, 1) "
      "ON DUPLICATE KEY UPDATE ExpiresAt = ExpiresAt + 1");
  st.setString(1, name);
  st.executeUpdate();
}

std::string LeaseHolderId() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  return absl::StrCat(host, "/", getpid(), "/", NewId().substr(0, 8));
}

}  // namespace oauthd::storage
