// A bounded pool of MySQL Connector/C++ connections. Callers never see a connection outside Run():
// Run hands one out, turns sql::SQLException into absl::Status, and retries once on a fresh
// connection when the server dropped the old one (e.g. after a MySQL restart), so a broken
// connection is never handed out twice.
#ifndef OAUTHD_STORAGE_CONNECTION_POOL_H_
#define OAUTHD_STORAGE_CONNECTION_POOL_H_

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/db_url.h"

namespace sql {
class Connection;
namespace mysql {
class MySQL_Driver;
}
}  // namespace sql

namespace oauthd::storage {

// One live connection and the prepared statements made on it (kept for its whole life, so each SQL
// text is prepared once per connection, not once per call).
class DbConn {
 public:
  explicit DbConn(std::unique_ptr<sql::Connection> conn);
  ~DbConn();

  // The cached prepared statement for `sql`, parameters still bound from its last use: set them
  // all.
  sql::PreparedStatement& Prepare(const std::string& sql);
  // Runs a statement with no parameters and no result (DDL, locks).
  void Execute(const std::string& sql);
  // The SQL of the statement prepared or run last (what an error is reported against).
  const std::string& last_sql() const { return last_sql_; }
  sql::Connection& raw() { return *conn_; }
  // Whether the server is a node of a Galera cluster (wsrep on): its reads may then miss a write
  // another node committed a moment ago, unless they ask to wait for it (CausalPrefix).
  bool galera() const { return galera_; }
  // Whether a statement that may write was sent since the connection was handed out: if the
  // connection is then lost, that write's outcome is unknown.
  bool may_have_written() const { return may_have_written_; }

 private:
  friend class ConnectionPool;
  std::unique_ptr<sql::Connection> conn_;
  absl::flat_hash_map<std::string, std::unique_ptr<sql::PreparedStatement>> statements_;
  std::string last_sql_;
  absl::Time last_used_;
  int64_t epoch_ = 0;  // the pool's loss epoch when this connection was last known good
  bool broken_ = false;
  bool galera_ = false;
  size_t host_ = 0;  // which of the URL's servers it is connected to
  bool may_have_written_ = false;
};

// What makes one read see every write the cluster committed before it: on a Galera node,
// "SET STATEMENT wsrep_sync_wait=1 FOR " (the node first applies what it has received; a
// round trip within the cluster), else "" (one server is causal already). For the reads a
// client expects to see its own writes in, from whichever node: codes, refresh and access
// tokens, sessions, an app just created. Only outside a transaction: inside one the node does
// not wait (RunInTransaction's start is causal instead).
inline std::string CausalPrefix(bool galera) {
  return galera ? "SET STATEMENT wsrep_sync_wait=1 FOR " : "";
}
// Makes every later read on `c` causal (for a connection kept for one task, like migrating).
void CausalReads(DbConn& c);

struct PoolOptions {
  DbUrl url;
  int max_connections = 8;
  absl::Duration acquire_timeout = absl::Seconds(5);
  // An idle connection older than this is pinged before use; a fresher one is trusted unless
  // another connection was lost since, and if it turns out dead anyway, Run retries on a validated
  // or new connection.
  absl::Duration validate_after_idle = absl::Seconds(2);
  int connect_timeout_seconds = 5;
  int read_timeout_seconds = 30;
};

struct PoolStats {
  int max = 0;
  int open = 0;
  int in_use = 0;
  int64_t waits = 0;       // acquisitions that had to wait for a free connection
  int64_t reconnects = 0;  // connections replaced because they were found broken
};

// ER_DUP_ENTRY: an INSERT or UPDATE met a unique key already taken.
inline constexpr int kDuplicateKeyError = 1062;

// A MySQL/MariaDB error code that means the connection is gone (the server restarted, killed it or
// cannot be reached): the query may be sent again on a fresh connection.
bool IsConnectionLostCode(int code);

// A statement's name for logs: its verb and the table it works on ("UPDATE OAuthAccessData",
// "SELECT OAuthApps"), from our own SQL text, so never a value.
std::string StatementName(absl::string_view sql);
// What a MySQL error says in a status (and so in the request log of a 5xx): its code, SQLSTATE, the
// statement's name and, for errors whose text names only identifiers (an unknown column, a missing
// table, a lock timeout…), that text. Never a value: a duplicate key's text, say, quotes the key.
std::string DescribeSqlError(int code, absl::string_view sqlstate, absl::string_view message,
                             absl::string_view sql);

// Reads column `col` (1-based) as text; SQL NULL reads as "".
std::string GetStr(sql::ResultSet& rs, int col);
int64_t GetInt(sql::ResultSet& rs, int col);

class ConnectionPool {
 public:
  explicit ConnectionPool(PoolOptions options);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Calls fn(DbConn&) -> absl::Status or absl::StatusOr<T>. Database errors become statuses: lost
  // connection and pool exhaustion → UNAVAILABLE, duplicate key → ALREADY_EXISTS, anything else →
  // INTERNAL.
  // A lost connection (the server restarted, say) is replaced and `fn` run again, but only if it
  // had sent nothing that may write: otherwise whether that write took effect is unknown, and the
  // answer is UNAVAILABLE saying so, never a second attempt that could do it twice or report a
  // failure for what succeeded. `idempotent` fn (one that, sent again, finds its own earlier
  // result) are run again all the same.
  template <typename Fn>
  auto Run(Fn&& fn, bool idempotent = false) -> decltype(fn(std::declval<DbConn&>()));

  // Like Run, inside BEGIN … COMMIT; any error (status or exception) rolls back. A transaction the
  // server chose as a deadlock victim (or that timed out on a lock, or that failed certification on
  // a Galera cluster) rolled back whole, so it is run again, up to `attempts` times.
  template <typename Fn>
  auto RunInTransaction(Fn&& fn, int attempts = 3) -> decltype(fn(std::declval<DbConn&>()));

  // Like Run, for a statement that is a transaction of its own (a CALL of a procedure that commits
  // or rolls back itself) and idempotent: run again, up to 3 times, when the server chose it as a
  // deadlock victim or it timed out on a lock, both of which rolled it back whole, and once more
  // on a fresh connection when the connection was lost.
  template <typename Fn>
  auto RunRetryingConflicts(Fn&& fn) -> decltype(fn(std::declval<DbConn&>()));

  // Checks that the database answers (used at start-up and by health checks).
  absl::Status Ping();
  // Whether the database is a Galera node (known once a connection was made; false before).
  bool galera() const { return galera_.load(std::memory_order_relaxed); }
  PoolStats Stats();

 private:
  absl::StatusOr<std::unique_ptr<DbConn>> Acquire();
  void Release(std::unique_ptr<DbConn> conn);
  absl::StatusOr<std::unique_ptr<DbConn>> Connect();
  absl::StatusOr<std::unique_ptr<DbConn>> ConnectTo(size_t host);
  static absl::Status FromException(const sql::SQLException& e, const std::string& sql);
  static absl::Status OutcomeUnknown(const sql::SQLException& e, const std::string& sql);
  static bool IsConnectionLost(const sql::SQLException& e);
  static bool IsRetryableTransactionError(const sql::SQLException& e);
  // Before running again a transaction that lost a conflict: a random wait that grows with
  // `attempt` (up to 50 ms), so that writers of one row on several cluster nodes take turns
  // instead of colliding again at once.
  static void BackOff(int attempt);
  void Begin(DbConn& c);
  void Commit(DbConn& c);
  void Rollback(DbConn& c);

  PoolOptions options_;
  sql::mysql::MySQL_Driver* driver_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<DbConn>> idle_;
  int open_ = 0;
  int64_t waits_ = 0;
  int64_t reconnects_ = 0;
  // Bumped whenever a connection is found dead: the server probably restarted, so every idle
  // connection from an older epoch is pinged before it is handed out again.
  int64_t loss_epoch_ = 0;
  std::atomic<bool> galera_{false};
  DbHosts hosts_;
};

template <typename Fn>
auto ConnectionPool::Run(Fn&& fn, bool idempotent) -> decltype(fn(std::declval<DbConn&>())) {
  for (int attempt = 0;; ++attempt) {
    auto conn = Acquire();
    if (!conn.ok()) return conn.status();
    try {
      auto result = fn(**conn);
      Release(std::move(*conn));
      return result;
    } catch (const sql::SQLException& e) {
      const bool lost = IsConnectionLost(e);
      const bool unknown = lost && (*conn)->may_have_written() && !idempotent;
      (*conn)->broken_ = lost;
      const std::string sql = (*conn)->last_sql();
      Release(std::move(*conn));
      if (unknown) return OutcomeUnknown(e, sql);
      if (lost && attempt == 0) continue;
      return FromException(e, sql);
    } catch (const std::exception& e) {
      (*conn)->broken_ = true;
      Release(std::move(*conn));
      return absl::InternalError(e.what());
    }
  }
}

template <typename Fn>
auto ConnectionPool::RunInTransaction(Fn&& fn, int attempts)
    -> decltype(fn(std::declval<DbConn&>())) {
  for (int attempt = 1;; ++attempt) {
    bool retry = false;
    auto result = Run([&](DbConn& c) -> decltype(fn(c)) {
      Begin(c);
      try {
        auto inner = fn(c);
        if (inner.ok()) {
          Commit(c);
        } else {
          Rollback(c);
        }
        return inner;
      } catch (const sql::SQLException& e) {
        try {
          Rollback(c);
        } catch (...) {
          // The connection is gone; the server rolls back on its own.
        }
        if (attempt < attempts && IsRetryableTransactionError(e)) {
          retry = true;
          return absl::AbortedError(e.what());
        }
        throw;
      }
    });
    if (!retry) return result;
    BackOff(attempt);
  }
}

template <typename Fn>
auto ConnectionPool::RunRetryingConflicts(Fn&& fn) -> decltype(fn(std::declval<DbConn&>())) {
  for (int attempt = 1;; ++attempt) {
    bool retry = false;
    auto result = Run(
        [&](DbConn& c) -> decltype(fn(c)) {
          try {
            return fn(c);
          } catch (const sql::SQLException& e) {
            if (attempt < 3 && IsRetryableTransactionError(e)) {
              retry = true;
              return absl::AbortedError(e.what());
            }
            throw;
          }
        },
        /*idempotent=*/true);
    if (!retry) return result;
    BackOff(attempt);
  }
}

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_CONNECTION_POOL_H_
