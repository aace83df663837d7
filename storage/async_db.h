// Queries without a parked thread: a few event-loop threads each drive their share of MariaDB
// Connector/C connections in non-blocking mode (mysql_real_query_start/_cont,
// mysql_store_result_start/_cont), waiting on all their sockets in one epoll_wait. A caller hands
// over SQL text and a completion; the completion runs on a loop thread, so it must not block (it
// may queue another query).
//
// This exists to take the worker hand-off out of the hottest single-statement reads
// (bench/README.md, sessions 5 and 6): on the blocking pool every query parks a worker on its
// socket and wakes it again. Connections are opened lazily and replaced when the server drops
// them; a query on a lost connection is sent once more, as ConnectionPool::Run does, so only
// statements safe to repeat belong here. Every query has a deadline covering its wait in the queue
// and for the reply.
#ifndef OAUTHD_STORAGE_ASYNC_DB_H_
#define OAUTHD_STORAGE_ASYNC_DB_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "storage/db_url.h"

typedef struct st_mysql_res MYSQL_RES;

namespace oauthd::storage {

struct AsyncDbOptions {
  DbUrl url;
  int loops = 2;         // threads, each driving its share of the connections
  int connections = 16;  // in all
  // Longest wait for a query: queued for a connection, connecting, and for the reply. Past it the
  // query fails UNAVAILABLE (and a connection that did not answer is closed).
  absl::Duration timeout = absl::Seconds(5);
  size_t max_queued = 4096;  // past this, Query fails UNAVAILABLE at once
};

// A whole result held in memory (mysql_store_result), read row by row.
class QueryResult {
 public:
  QueryResult(MYSQL_RES* res, uint64_t affected_rows);
  QueryResult(QueryResult&& other) noexcept;
  QueryResult& operator=(QueryResult&&) = delete;
  QueryResult(const QueryResult&) = delete;
  ~QueryResult();

  // Moves to the next row; false after the last (or for a statement without rows).
  bool Next();
  // Back to before the first row, so that the rows can be read again (several readers share a
  // batched read's result).
  void Rewind();
  // Column `col` (1-based) of the current row; SQL NULL reads as "" and 0.
  std::string Str(int col) const;
  int64_t Int(int col) const;
  uint64_t affected_rows() const { return affected_rows_; }

 private:
  MYSQL_RES* res_;
  char** row_ = nullptr;
  unsigned long* lengths_ = nullptr;
  uint64_t affected_rows_;
};

// The same accessors as the blocking pool's (connection_pool.h), so one row reader serves both.
inline std::string GetStr(const QueryResult& r, int col) { return r.Str(col); }
inline int64_t GetInt(const QueryResult& r, int col) { return r.Int(col); }

// `value` as a single-quoted SQL string literal, for the text protocol: quotes doubled, and the
// characters MariaDB's escaping rule gives meaning to (backslash, NUL, CR, LF, ^Z) escaped. Safe
// for utf8mb4, where no multi-byte character contains an ASCII byte.
std::string SqlQuote(absl::string_view value);

class AsyncDb {
 public:
  using Done = std::function<void(absl::StatusOr<QueryResult>)>;

  explicit AsyncDb(AsyncDbOptions options);
  // Stops taking queries, fails the queued ones, lets those on the wire finish (or time out).
  ~AsyncDb();
  AsyncDb(const AsyncDb&) = delete;
  AsyncDb& operator=(const AsyncDb&) = delete;

  // Sends `sql` on a free connection (or queues it). `done` gets the rows (a CALL's first result;
  // the rest are read and dropped), or UNAVAILABLE (no connection, timed out, lost twice, too many
  // queued, shutting down), ALREADY_EXISTS (duplicate key), ABORTED (chosen as a deadlock victim or
  // timed out on a lock: the transaction rolled back whole) or INTERNAL. It runs on a loop thread,
  // except when the query is refused at once: then on the calling thread.
  // `resend`: whether the query may be sent once more on a fresh connection when its connection
  // is lost (reads, and writes that find their own earlier result); otherwise a lost connection
  // answers UNAVAILABLE, the outcome unknown.
  // `timeout`, if set, replaces the options' for this query (a commit may wait for a cluster).
  void Query(std::string sql, Done done, bool resend = true,
             absl::Duration timeout = absl::ZeroDuration());

  struct Stats {
    int64_t queries = 0;   // answered with rows or a database error
    int64_t failures = 0;  // answered UNAVAILABLE (refused, timed out, no connection, lost twice)
  };
  Stats stats() const;

 private:
  // One loop thread with its epoll set, its connections and its queue (async_db.cc). Queries are
  // dealt round-robin over the loops.
  class Loop;
  const AsyncDbOptions options_;  // the loops hold a reference: declared first, destroyed last
  DbHosts hosts_;                 // shared by the loops: which server a new connection goes to
  std::vector<std::unique_ptr<Loop>> loops_;
  std::atomic<unsigned> next_{0};
};

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_ASYNC_DB_H_
