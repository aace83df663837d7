#include "storage/connection_pool.h"

#include <cppconn/connection.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <algorithm>
#include <random>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace oauthd::storage {
namespace {

// Connector/C++ wants threadInit()/threadEnd() around its use in every thread.
void EnsureThreadInit(sql::mysql::MySQL_Driver* driver) {
  struct ThreadGuard {
    sql::mysql::MySQL_Driver* driver;
    ~ThreadGuard() { driver->threadEnd(); }
  };
  thread_local ThreadGuard guard{[driver] {
    driver->threadInit();
    return driver;
  }()};
  (void)guard;
}

}  // namespace

DbConn::DbConn(std::unique_ptr<sql::Connection> conn) : conn_(std::move(conn)) {}

DbConn::~DbConn() {
  statements_.clear();  // statements before their connection
  try {
    if (conn_ && !broken_) conn_->close();
  } catch (...) {
    // Closing a dead connection may throw; there is nothing left to clean up.
  }
}

namespace {

// Whether a statement only reads: its verb (after a "SET STATEMENT … FOR" prefix) is SELECT, SHOW
// or one that opens a transaction or sets a session variable. Anything else may write.
bool OnlyReads(absl::string_view sql) {
  sql = absl::StripLeadingAsciiWhitespace(sql);
  if (absl::StartsWithIgnoreCase(sql, "SET STATEMENT ")) {
    const size_t f = absl::AsciiStrToUpper(sql).find(" FOR ");
    if (f != std::string::npos) sql = absl::StripLeadingAsciiWhitespace(sql.substr(f + 5));
  }
  for (absl::string_view verb :
       {"SELECT ", "SHOW ", "START TRANSACTION", "BEGIN", "SET SESSION "}) {
    if (absl::StartsWithIgnoreCase(sql, verb)) return true;
  }
  return false;
}

}  // namespace

sql::PreparedStatement& DbConn::Prepare(const std::string& sql) {
  last_sql_ = sql;
  if (!OnlyReads(sql)) may_have_written_ = true;
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    it = statements_
             .emplace(sql, std::unique_ptr<sql::PreparedStatement>(conn_->prepareStatement(sql)))
             .first;
  }
  return *it->second;
}

void DbConn::Execute(const std::string& sql) {
  last_sql_ = sql;
  if (!OnlyReads(sql)) may_have_written_ = true;
  std::unique_ptr<sql::Statement> st(conn_->createStatement());
  st->execute(sql);
  // Drain any result so the connection is ready for the next statement.
  do {
    std::unique_ptr<sql::ResultSet> rs(st->getResultSet());
  } while (st->getMoreResults());
}

std::string GetStr(sql::ResultSet& rs, int col) { return std::string(rs.getString(col)); }
int64_t GetInt(sql::ResultSet& rs, int col) { return rs.getInt64(col); }

ConnectionPool::ConnectionPool(PoolOptions options)
    : options_(std::move(options)),
      driver_(sql::mysql::get_mysql_driver_instance()),
      hosts_(HostsOf(options_.url)) {}

ConnectionPool::~ConnectionPool() {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.clear();
}

absl::StatusOr<std::unique_ptr<DbConn>> ConnectionPool::Connect() {
  // The preferred live server first, then each other one once (DbHosts).
  const size_t first = hosts_.Pick();
  std::string errors;
  for (size_t n = 0; n < hosts_.size(); ++n) {
    const size_t i = (first + n) % hosts_.size();
    auto conn = ConnectTo(i);
    if (conn.ok()) return conn;
    hosts_.MarkDown(i);
    absl::StrAppend(&errors, errors.empty() ? "" : "; ", conn.status().message());
  }
  return absl::UnavailableError(errors);
}

absl::StatusOr<std::unique_ptr<DbConn>> ConnectionPool::ConnectTo(size_t host) {
  const DbHost& h = hosts_[host];
  sql::ConnectOptionsMap opts;
  opts["hostName"] = sql::SQLString(h.host);
  opts["port"] = h.port;
  opts["userName"] = sql::SQLString(options_.url.user);
  opts["password"] = sql::SQLString(options_.url.password);
  opts["schema"] = sql::SQLString(options_.url.database);
  opts["OPT_RECONNECT"] =
      false;  // we replace dead connections ourselves; silent reconnects lose session state
  opts["OPT_CONNECT_TIMEOUT"] = options_.connect_timeout_seconds;
  opts["OPT_READ_TIMEOUT"] = options_.read_timeout_seconds;
  opts["OPT_WRITE_TIMEOUT"] = options_.read_timeout_seconds;
  opts["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  try {
    std::unique_ptr<sql::Connection> conn(driver_->connect(opts));
    auto db = std::make_unique<DbConn>(std::move(conn));
    db->host_ = host;
    {
      std::unique_ptr<sql::Statement> st(db->raw().createStatement());
      std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SHOW VARIABLES LIKE 'wsrep_on'"));
      db->galera_ = rs->next() && rs->getString(2) == "ON";
    }
    galera_.store(db->galera_, std::memory_order_relaxed);
    return db;
  } catch (const sql::SQLException& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to MySQL at ", h.host, ":", h.port, ": ", e.what()));
  }
}

void CausalReads(DbConn& c) {
  if (c.galera()) c.Execute("SET SESSION wsrep_sync_wait = 1");
}

absl::StatusOr<std::unique_ptr<DbConn>> ConnectionPool::Acquire() {
  EnsureThreadInit(driver_);
  const absl::Time now = absl::Now();
  {
    std::unique_lock<std::mutex> lock(mu_);
    const auto deadline =
        std::chrono::steady_clock::now() + absl::ToChronoMilliseconds(options_.acquire_timeout);
    bool waited = false;
    while (idle_.empty() && open_ >= options_.max_connections) {
      waited = true;
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
          open_ >= options_.max_connections) {
        return absl::UnavailableError("database connection pool exhausted");
      }
    }
    if (waited) ++waits_;
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());  // LIFO: the warmest connection
      idle_.pop_back();
      const int64_t epoch = loss_epoch_;
      lock.unlock();
      bool valid = conn->epoch_ == epoch && now - conn->last_used_ < options_.validate_after_idle;
      if (!valid) {
        try {
          valid = conn->conn_->isValid();
        } catch (...) {
          valid = false;
        }
      }
      if (valid) {
        conn->epoch_ = epoch;
        return conn;
      }
      conn->broken_ = true;
      conn.reset();
      std::lock_guard<std::mutex> relock(mu_);
      ++reconnects_;
      ++loss_epoch_;
      // The slot stays reserved for the replacement made below.
    } else {
      ++open_;  // reserve a slot, then connect without holding the lock
    }
  }
  auto fresh = Connect();
  if (fresh.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    (*fresh)->epoch_ = loss_epoch_;
  } else {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    cv_.notify_one();
  }
  return fresh;
}

void ConnectionPool::Release(std::unique_ptr<DbConn> conn) {
  conn->may_have_written_ = false;
  if (conn->broken_) hosts_.MarkDown(conn->host_);
  std::lock_guard<std::mutex> lock(mu_);
  if (conn->broken_) {
    ++reconnects_;
    ++loss_epoch_;
    --open_;
    conn.reset();
  } else {
    conn->last_used_ = absl::Now();
    idle_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

absl::Status ConnectionPool::OutcomeUnknown(const sql::SQLException& e, const std::string& sql) {
  return absl::UnavailableError(absl::StrCat(
      "the connection to the database was lost after a write was sent, so whether it took effect "
      "is unknown; it was not sent again (",
      DescribeSqlError(e.getErrorCode(), std::string(e.getSQLState()), e.what(), sql), ")"));
}

bool IsConnectionLostCode(int code) {
  switch (code) {
    case 2002:  // CR_CONNECTION_ERROR
    case 2003:  // CR_CONN_HOST_ERROR
    case 2006:  // CR_SERVER_GONE_ERROR
    case 2013:  // CR_SERVER_LOST
    case 2055:  // CR_SERVER_LOST_EXTENDED
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1927:  // ER_CONNECTION_KILLED (MariaDB)
    case 4031:  // ER_CLIENT_INTERACTION_TIMEOUT (MariaDB)
      return true;
    default:
      return false;
  }
}

bool ConnectionPool::IsConnectionLost(const sql::SQLException& e) {
  // The connector reports some transport failures with code 0 and SQLSTATE HY000/08xxx.
  return IsConnectionLostCode(e.getErrorCode()) || e.getSQLState().rfind("08", 0) == 0;
}

bool ConnectionPool::IsRetryableTransactionError(const sql::SQLException& e) {
  return e.getErrorCode() == 1213 /* ER_LOCK_DEADLOCK */ ||
         e.getErrorCode() == 1205 /* ER_LOCK_WAIT_TIMEOUT */;
}

void ConnectionPool::BackOff(int attempt) {
  thread_local std::minstd_rand rng(std::random_device{}());
  const int64_t ceiling_us = std::min<int64_t>(int64_t{1000} << std::min(attempt, 6), 50000);
  absl::SleepFor(absl::Microseconds(std::uniform_int_distribution<int64_t>(0, ceiling_us)(rng)));
}

std::string StatementName(absl::string_view sql) {
  std::vector<absl::string_view> words =
      absl::StrSplit(sql, absl::ByAnyChar(" \n\t(),"), absl::SkipEmpty());
  if (words.empty()) return "";
  const std::string verb = absl::AsciiStrToUpper(words[0]);
  // The word that names the table: after FROM (SELECT, DELETE), INTO (INSERT), the verb (UPDATE),
  // or TABLE (DDL). Statements without a table (START TRANSACTION, DO …) are named by their verb.
  const char* marker = verb == "SELECT" || verb == "DELETE"    ? "FROM"
                       : verb == "INSERT" || verb == "REPLACE" ? "INTO"
                       : verb == "UPDATE"                      ? "UPDATE"
                                                               : "TABLE";
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (absl::EqualsIgnoreCase(words[i], marker)) {
      size_t t = i + 1;
      while (t + 1 < words.size() &&
             (absl::EqualsIgnoreCase(words[t], "IF") || absl::EqualsIgnoreCase(words[t], "NOT") ||
              absl::EqualsIgnoreCase(words[t], "EXISTS"))) {
        ++t;
      }
      return absl::StrCat(verb, " ", words[t]);
    }
  }
  return words.size() > 1 ? absl::StrCat(verb, " ", absl::AsciiStrToUpper(words[1])) : verb;
}

std::string DescribeSqlError(int code, absl::string_view sqlstate, absl::string_view message,
                             absl::string_view sql) {
  // Errors whose text names tables, columns, users or hosts only.
  static constexpr int kSafeText[] = {1040, 1045, 1048, 1049, 1054, 1142, 1143, 1146,
                                      1205, 1213, 1290, 1364, 1406, 1927, 4031};
  const bool client_side = code == 0 || (code >= 2000 && code < 3000);
  const bool safe = client_side || std::find(std::begin(kSafeText), std::end(kSafeText), code) !=
                                       std::end(kSafeText);
  std::string out = absl::StrCat("MySQL error ", code);
  if (!sqlstate.empty()) absl::StrAppend(&out, " (", sqlstate, ")");
  const std::string name = StatementName(sql);
  if (!name.empty()) absl::StrAppend(&out, " in ", name);
  if (code == kDuplicateKeyError) absl::StrAppend(&out, ": duplicate key");
  if (safe && !message.empty()) absl::StrAppend(&out, ": ", message);
  return out;
}

absl::Status ConnectionPool::FromException(const sql::SQLException& e, const std::string& sql) {
  const std::string msg = DescribeSqlError(e.getErrorCode(), e.getSQLStateCStr(), e.what(), sql);
  if (IsConnectionLost(e)) return absl::UnavailableError(msg);
  if (e.getErrorCode() == kDuplicateKeyError) return absl::AlreadyExistsError(msg);
  return absl::InternalError(msg);
}

// An explicit transaction with autocommit left on: two round trips (START, COMMIT) where
// setAutoCommit(false) … commit() … setAutoCommit(true) took three. On a Galera node the start is
// causal: a node skips wsrep_sync_wait for every statement inside a transaction (CausalPrefix
// there does nothing), so the wait comes first, and the transaction's reads see every write the
// cluster committed before it began.
void ConnectionPool::Begin(DbConn& c) {
  c.Execute(c.galera() ? "SET STATEMENT wsrep_sync_wait=1 FOR START TRANSACTION"
                       : "START TRANSACTION");
}
void ConnectionPool::Commit(DbConn& c) { c.Execute("COMMIT"); }
void ConnectionPool::Rollback(DbConn& c) { c.Execute("ROLLBACK"); }

absl::Status ConnectionPool::Ping() {
  return Run([](DbConn& c) -> absl::Status {
    std::unique_ptr<sql::ResultSet> rs(c.Prepare("SELECT 1").executeQuery());
    return rs->next() ? absl::OkStatus() : absl::InternalError("SELECT 1 returned nothing");
  });
}

PoolStats ConnectionPool::Stats() {
  std::lock_guard<std::mutex> lock(mu_);
  return PoolStats{options_.max_connections, open_, open_ - static_cast<int>(idle_.size()), waits_,
                   reconnects_};
}

}  // namespace oauthd::storage
