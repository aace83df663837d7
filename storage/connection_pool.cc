#include "storage/connection_pool.h"

#include <cppconn/connection.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include "absl/strings/str_cat.h"

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

sql::PreparedStatement& DbConn::Prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    it = statements_
             .emplace(sql, std::unique_ptr<sql::PreparedStatement>(conn_->prepareStatement(sql)))
             .first;
  }
  return *it->second;
}

void DbConn::Execute(const std::string& sql) {
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
    : options_(std::move(options)), driver_(sql::mysql::get_mysql_driver_instance()) {}

ConnectionPool::~ConnectionPool() {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.clear();
}

absl::StatusOr<std::unique_ptr<DbConn>> ConnectionPool::Connect() {
  sql::ConnectOptionsMap opts;
  opts["hostName"] = sql::SQLString(options_.url.host);
  opts["port"] = options_.url.port;
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
    return std::make_unique<DbConn>(std::move(conn));
  } catch (const sql::SQLException& e) {
    return absl::UnavailableError(absl::StrCat("cannot connect to MySQL at ", options_.url.host,
                                               ":", options_.url.port, ": ", e.what()));
  }
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

absl::Status ConnectionPool::FromException(const sql::SQLException& e) {
  const std::string msg = absl::StrCat("MySQL error ", e.getErrorCode(), ": ", e.what());
  if (IsConnectionLost(e)) return absl::UnavailableError(msg);
  if (e.getErrorCode() == kDuplicateKeyError) return absl::AlreadyExistsError(msg);
  return absl::InternalError(msg);
}

// An explicit transaction with autocommit left on: two round trips (START, COMMIT) where
// setAutoCommit(false) … commit() … setAutoCommit(true) took three.
void ConnectionPool::Begin(DbConn& c) { c.Execute("START TRANSACTION"); }
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
