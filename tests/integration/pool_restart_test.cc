// The pool survives a MariaDB restart: connections made before it are replaced, not handed out
// broken. This test restarts the shared private MariaDB, so ctest runs it alone (RUN_SERIAL).
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <thread>

#include "common/mattermost_id.h"
#include "storage/app_store.h"
#include "storage/async_db.h"
#include "tests/lib/test_database.h"
#include "tests/lib/test_env.h"

namespace oauthd::testing {
namespace {

TEST(PoolRestart, QueriesWorkAgainAfterTheServerRestarts) {
  TestDatabase db;
  storage::AppStore apps(&db.pool());
  storage::OAuthAppRow app;
  app.id = NewId();
  app.name = "survivor";
  ASSERT_TRUE(apps.Save(app).ok());
  // Warm several connections so the pool holds more than one stale one after the restart.
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([&] { EXPECT_TRUE(apps.Get(app.id).ok()); });
  for (auto& t : threads) t.join();
  ASSERT_GE(db.pool().Stats().open, 1);

  std::string out;
  ASSERT_EQ(RunCommand(MariadbCtlCommand("restart") + " 2>&1", &out), 0) << out;

  // Every call after the restart succeeds: stale connections are detected and replaced.
  for (int i = 0; i < 10; ++i) {
    auto got = apps.Get(app.id);
    ASSERT_TRUE(got.ok()) << "call " << i << ": " << got.status();
    EXPECT_EQ(got->name, "survivor");
  }
  EXPECT_GE(db.pool().Stats().reconnects, 1);
}

// The non-blocking client too: its idle connections die with the server, and a query sent on one
// that is found dead goes once more on a fresh connection.
TEST(PoolRestart, AsyncQueriesWorkAgainAfterTheServerRestarts) {
  TestDatabase db;
  storage::AsyncDbOptions options;
  options.url = *storage::ParseDbUrl(db.url());
  options.connections = 2;
  options.loops = 1;
  storage::AsyncDb async(options);
  storage::AppStore apps(&db.pool(), &storage::SecretCipher::ClearText(), &async);
  storage::OAuthAppRow app;
  app.id = NewId();
  app.name = "async survivor";
  ASSERT_TRUE(apps.Save(app).ok());
  auto get = [&] {
    std::promise<absl::StatusOr<storage::OAuthAppRow>> p;
    auto f = p.get_future();
    apps.GetAsync(app.id,
                  [&p](absl::StatusOr<storage::OAuthAppRow> r) { p.set_value(std::move(r)); });
    return f.get();
  };
  ASSERT_TRUE(get().ok());

  std::string out;
  ASSERT_EQ(RunCommand(MariadbCtlCommand("restart") + " 2>&1", &out), 0) << out;

  for (int i = 0; i < 10; ++i) {
    auto got = get();
    ASSERT_TRUE(got.ok()) << "call " << i << ": " << got.status();
    EXPECT_EQ(got->name, "async survivor");
  }
}

TEST(PoolRestart, UnreachableDatabaseIsUnavailableNotACrash) {
  storage::PoolOptions options;
  options.url = *storage::ParseDbUrl("mysql://oauthd:oauthd@127.0.0.1:1/nothing");
  options.connect_timeout_seconds = 1;
  storage::ConnectionPool pool(options);
  absl::Status st = pool.Ping();
  EXPECT_TRUE(absl::IsUnavailable(st)) << st;
}

TEST(PoolRestart, ExhaustedPoolAnswersUnavailableAfterTheTimeout) {
  TestDatabase db;
  storage::PoolOptions options;
  options.url = *storage::ParseDbUrl(db.url());
  options.max_connections = 1;
  options.acquire_timeout = absl::Milliseconds(200);
  storage::ConnectionPool pool(options);
  absl::Status inner;
  absl::Status outer = pool.Run([&](storage::DbConn&) -> absl::Status {
    inner = pool.Ping();  // needs a second connection while the only one is held
    return absl::OkStatus();
  });
  EXPECT_TRUE(outer.ok());
  EXPECT_TRUE(absl::IsUnavailable(inner)) << inner;
  EXPECT_EQ(pool.Stats().waits, 0);  // a timed-out wait is not counted as a served wait
}

// A write whose reply does not come in time (here a row lock holds it past the read timeout, as a
// commit waiting for a cluster would) may still take effect. It is answered "outcome unknown" (503)
// and not sent again on a fresh connection, so it takes effect at most once.
TEST(PoolRestart, AWriteHeldPastTheTimeoutIsNotSentAgain) {
  TestDatabase db;
  db.Exec("CREATE TABLE held_counter (Id int PRIMARY KEY, N int NOT NULL)");
  db.Exec("INSERT INTO held_counter VALUES (1, 0)");
  storage::PoolOptions options;
  options.url = *storage::ParseDbUrl(db.url());
  options.read_timeout_seconds = 1;
  storage::ConnectionPool pool(options);
  storage::PoolOptions holder_options = options;
  holder_options.read_timeout_seconds = 30;
  storage::ConnectionPool holder(holder_options);

  std::promise<void> locked, release;
  std::thread lock_holder([&] {
    absl::Status st = holder.Run([&](storage::DbConn& c) -> absl::Status {
      c.Execute("START TRANSACTION");
      std::unique_ptr<sql::ResultSet> rs(
          c.Prepare("SELECT N FROM held_counter WHERE Id = 1 FOR UPDATE").executeQuery());
      locked.set_value();
      release.get_future().wait();
      c.Execute("COMMIT");
      return absl::OkStatus();
    });
    EXPECT_TRUE(st.ok()) << st;
  });
  locked.get_future().wait();
  absl::Status st = pool.Run([&](storage::DbConn& c) -> absl::Status {
    c.Execute("UPDATE held_counter SET N = N + 1 WHERE Id = 1");
    return absl::OkStatus();
  });
  EXPECT_TRUE(absl::IsUnavailable(st)) << st;
  EXPECT_NE(st.message().find("unknown"), absl::string_view::npos) << st;
  release.set_value();
  lock_holder.join();
  // The server carries on with the statement it was sent once the lock is free; give it the time.
  absl::SleepFor(absl::Seconds(2));
  EXPECT_LE(db.QueryInt("SELECT N FROM held_counter WHERE Id = 1"), 1);
}

}  // namespace
}  // namespace oauthd::testing
