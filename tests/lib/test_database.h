// A fresh, migrated database per test on the private MariaDB, dropped afterwards, so tests never
// see each other's rows and can run in parallel.
#ifndef OAUTHD_TESTS_LIB_TEST_DATABASE_H_
#define OAUTHD_TESTS_LIB_TEST_DATABASE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "storage/connection_pool.h"

namespace oauthd::testing {

// Where the migrated database starts from: empty (oauthd makes every table), or Mattermost's own
// MySQL schema with rows Mattermost wrote (tests/data/mattermost-*.sql), as when oauthd shares a
// Mattermost server's database.
enum class Origin { kEmpty, kMattermost };

// The origin a test run uses by default: kMattermost when OAUTHD_TEST_SCHEMA=mattermost (ctest runs
// the integration tests a second time that way).
Origin DefaultOrigin();

// Runs every statement of a .sql file of tests/data on `pool` (SplitStatements' rules).
void LoadSqlFile(storage::ConnectionPool& pool, const std::string& name);

class TestDatabase {
 public:
  // Creates database oauthd_t_<random>; runs the migrations when `migrate`, after loading
  // Mattermost's schema and rows first when `origin` says so. Throws on failure.
  explicit TestDatabase(bool migrate = true, Origin origin = DefaultOrigin());
  ~TestDatabase();

  const std::string& name() const { return name_; }
  // mysql://oauthd:oauthd@HOST:PORT/<name>
  const std::string& url() const { return url_; }
  storage::ConnectionPool& pool() { return *pool_; }

  // Runs a statement with no parameters (test set-up only).
  void Exec(const std::string& sql);
  // Runs a query returning one integer, e.g. SELECT COUNT(*) FROM ...
  int64_t QueryInt(const std::string& sql);

 private:
  std::string name_;
  std::string url_;
  std::unique_ptr<storage::ConnectionPool> admin_;
  std::unique_ptr<storage::ConnectionPool> pool_;
};

// Base fixture: `db()` is a fresh migrated database for each test.
class DbTest : public ::testing::Test {
 protected:
  void SetUp() override { db_ = std::make_unique<TestDatabase>(); }
  void TearDown() override { db_.reset(); }
  TestDatabase& db() { return *db_; }

 private:
  std::unique_ptr<TestDatabase> db_;
};

}  // namespace oauthd::testing

#endif  // OAUTHD_TESTS_LIB_TEST_DATABASE_H_
