#include "tests/lib/test_database.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/mattermost_id.h"
#include "storage/migrator.h"
#include "tests/lib/test_env.h"

namespace oauthd::testing {
namespace {

std::unique_ptr<storage::ConnectionPool> Open(const std::string& url) {
  auto parsed = storage::ParseDbUrl(url);
  if (!parsed.ok()) throw std::runtime_error(parsed.status().ToString());
  storage::PoolOptions options;
  options.url = *parsed;
  options.max_connections = 4;
  return std::make_unique<storage::ConnectionPool>(options);
}

void Check(const absl::Status& st, const std::string& what) {
  if (!st.ok()) throw std::runtime_error(absl::StrCat(what, ": ", st.ToString()));
}

}  // namespace

Origin DefaultOrigin() {
  const char* schema = std::getenv("OAUTHD_TEST_SCHEMA");
  return schema != nullptr && std::string(schema) == "mattermost" ? Origin::kMattermost
                                                                  : Origin::kEmpty;
}

void LoadSqlFile(storage::ConnectionPool& pool, const std::string& name) {
  const std::string path = absl::StrCat(OAUTHD_TEST_DATA_DIR, "/", name);
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  for (const std::string& stmt : storage::SplitStatements(text.str())) {
    Check(pool.Run([&](storage::DbConn& c) -> absl::Status {
      c.Execute(stmt);
      return absl::OkStatus();
    }),
          path);
  }
}

TestDatabase::TestDatabase(bool migrate, Origin origin) {
  name_ = absl::StrCat("oauthd_t_", absl::AsciiStrToLower(NewId()));
  const std::string base = absl::StrCat("mysql://oauthd:oauthd@", MysqlAddress(), "/");
  admin_ = Open(base + "mysql");
  Check(admin_->Run([&](storage::DbConn& c) -> absl::Status {
    c.Execute(absl::StrCat("CREATE DATABASE `", name_, "` CHARACTER SET utf8mb4"));
    return absl::OkStatus();
  }),
        "create test database");
  url_ = base + name_;
  pool_ = Open(url_);
  if (origin == Origin::kMattermost) {
    LoadSqlFile(*pool_, "mattermost-mysql-schema.sql");
    LoadSqlFile(*pool_, "mattermost-seed.sql");
  }
  if (migrate) {
    auto report = storage::Migrate(*pool_, [](absl::string_view) {});
    Check(report.status(), "migrate");
  }
}

TestDatabase::~TestDatabase() {
  pool_.reset();
  (void)admin_->Run([&](storage::DbConn& c) -> absl::Status {
    c.Execute(absl::StrCat("DROP DATABASE IF EXISTS `", name_, "`"));
    return absl::OkStatus();
  });
}

void TestDatabase::Exec(const std::string& sql) {
  Check(pool_->Run([&](storage::DbConn& c) -> absl::Status {
    c.Execute(sql);
    return absl::OkStatus();
  }),
        sql);
}

int64_t TestDatabase::QueryInt(const std::string& sql) {
  auto v = pool_->Run([&](storage::DbConn& c) -> absl::StatusOr<int64_t> {
    std::unique_ptr<sql::ResultSet> rs(c.Prepare(sql).executeQuery());
    if (!rs->next()) return absl::NotFoundError("no row");
    return storage::GetInt(*rs, 1);
  });
  Check(v.status(), sql);
  return *v;
}

}  // namespace oauthd::testing
