// The non-blocking MariaDB client (storage/async_db.*) against the private MariaDB: the answers it
// gives equal the blocking pool's, quoting survives every awkward byte, errors map like the pool's,
// and no query is ever lost — each completion runs exactly once, whether the query succeeds, times
// out, finds no server, or is still queued when the client shuts down.
#include "storage/async_db.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/mattermost_id.h"
#include "storage/app_store.h"
#include "tests/lib/test_database.h"

namespace oauthd::testing {
namespace {

using storage::AsyncDb;
using storage::QueryResult;

// Collects completions and waits for a number of them.
class Outcomes {
 public:
  AsyncDb::Done Slot(int i) {
    return [this, i](absl::StatusOr<QueryResult> r) {
      std::lock_guard<std::mutex> lock(mu_);
      ++calls_[i];
      if (r.ok() && r->Next()) {
        values_[i] = r->Str(1);
      } else {
        statuses_[i] = r.status();
      }
      cv_.notify_all();
    };
  }
  // Waits until `n` completions arrived (or 20 s).
  bool WaitFor(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(20), [&] {
      int total = 0;
      for (const auto& [i, c] : calls_) total += c;
      return total >= n;
    });
  }
  std::map<int, int> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  std::string value(int i) {
    std::lock_guard<std::mutex> lock(mu_);
    return values_[i];
  }
  absl::Status status(int i) {
    std::lock_guard<std::mutex> lock(mu_);
    return statuses_.count(i) ? statuses_[i] : absl::OkStatus();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<int, int> calls_;
  std::map<int, std::string> values_;
  std::map<int, absl::Status> statuses_;
};

storage::AsyncDbOptions Options(const std::string& url, int connections = 2, int loops = 2) {
  storage::AsyncDbOptions o;
  o.url = *storage::ParseDbUrl(url);
  o.connections = connections;
  o.loops = loops;
  o.timeout = absl::Seconds(5);
  return o;
}

// Runs one query and waits for its outcome.
absl::StatusOr<std::string> QueryOne(AsyncDb& db, const std::string& sql) {
  Outcomes out;
  db.Query(sql, out.Slot(0));
  if (!out.WaitFor(1)) return absl::DeadlineExceededError("no completion");
  if (!out.status(0).ok()) return out.status(0);
  return out.value(0);
}

class AsyncDbTest : public DbTest {};

TEST_F(AsyncDbTest, GetAsyncAnswersAsGetDoes) {
  AsyncDb async(Options(db().url()));
  storage::AppStore blocking(&db().pool());
  storage::AppStore nonblocking(&db().pool(), &storage::SecretCipher::ClearText(), &async);
  storage::OAuthAppRow app;
  app.id = NewId();
  app.creator_id = NewId();
  app.create_at = 1700000000123;
  app.update_at = 1700000000456;
  app.client_secret = NewId();
  app.name = "Ünïcode 'quoted' \\ app 😀";
  app.description = "line\nbreak";
  app.callback_urls = {"https://a.example.com/cb", "https://b.example.com/cb"};
  app.homepage = "https://a.example.com";
  app.is_trusted = true;
  app.is_dynamically_registered = true;
  ASSERT_TRUE(blocking.Save(app).ok());

  std::mutex mu;
  std::condition_variable cv;
  std::optional<absl::StatusOr<storage::OAuthAppRow>> got, missing;
  nonblocking.GetAsync(app.id, [&](absl::StatusOr<storage::OAuthAppRow> r) {
    std::lock_guard<std::mutex> lock(mu);
    got = std::move(r);
    cv.notify_all();
  });
  nonblocking.GetAsync(NewId(), [&](absl::StatusOr<storage::OAuthAppRow> r) {
    std::lock_guard<std::mutex> lock(mu);
    missing = std::move(r);
    cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return got && missing; }));
  ASSERT_TRUE(got->ok()) << got->status();
  auto want = blocking.Get(app.id);
  ASSERT_TRUE(want.ok());
  EXPECT_EQ((*got)->id, want->id);
  EXPECT_EQ((*got)->creator_id, want->creator_id);
  EXPECT_EQ((*got)->create_at, want->create_at);
  EXPECT_EQ((*got)->update_at, want->update_at);
  EXPECT_EQ((*got)->client_secret, want->client_secret);
  EXPECT_EQ((*got)->name, app.name);
  EXPECT_EQ((*got)->description, want->description);
  EXPECT_EQ((*got)->callback_urls, want->callback_urls);
  EXPECT_EQ((*got)->homepage, want->homepage);
  EXPECT_EQ((*got)->is_trusted, true);
  EXPECT_EQ((*got)->mattermost_app_id, want->mattermost_app_id);
  EXPECT_EQ((*got)->is_dynamically_registered, true);
  EXPECT_TRUE(absl::IsNotFound(missing->status())) << missing->status();
}

TEST_F(AsyncDbTest, QuotedValuesComeBackByteForByte) {
  AsyncDb async(Options(db().url()));
  const std::string awkward[] = {"O'Brien",
                                 "back\\slash",
                                 std::string("nul\0byte", 8),
                                 "cr\rlf\nctrl-z\x1a",
                                 "\"double\"",
                                 "ü😀 — utf8mb4",
                                 "'; DROP TABLE OAuthApps; --",
                                 "\\'",
                                 ""};
  for (const std::string& value : awkward) {
    auto got = QueryOne(async, "SELECT " + storage::SqlQuote(value));
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, value);
  }
  EXPECT_EQ(db().QueryInt("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                          "DATABASE() AND TABLE_NAME = 'OAuthApps'"),
            1);
}

TEST_F(AsyncDbTest, ErrorsMapAsThePoolsDo) {
  AsyncDb async(Options(db().url(), 1, 1));
  const std::string id = NewId();
  const std::string insert = absl::StrCat(
      "INSERT INTO OAuthApps (Id, CreatorId, CreateAt, UpdateAt, ClientSecret, Name, Description, "
      "IconURL, CallbackUrls, Homepage, IsTrusted) VALUES ('",
      id, "', '', 0, 0, '', 'n', '', '', '[]', '', 0)");
  EXPECT_TRUE(QueryOne(async, insert).ok());
  auto dup = QueryOne(async, insert);
  EXPECT_TRUE(absl::IsAlreadyExists(dup.status())) << dup.status();
  auto bad = QueryOne(async, "SELEKT 1");
  EXPECT_TRUE(absl::IsInternal(bad.status())) << bad.status();
  // After an error the one connection is still usable.
  auto fine = QueryOne(async, "SELECT 41 + 1");
  ASSERT_TRUE(fine.ok()) << fine.status();
  EXPECT_EQ(*fine, "42");
}

// A CALL answers its rows and then a status: the caller gets the rows, and the connection is
// ready for the next query (with one connection, a status left unread would fail it). An error
// raised inside the procedure reaches the caller; a deadlock is ABORTED (the pool runs it again).
TEST_F(AsyncDbTest, ACallAnswersItsRowsAndLeavesTheConnectionReady) {
  db().Exec("DROP PROCEDURE IF EXISTS oauthd_test_call");
  db().Exec(
      "CREATE PROCEDURE oauthd_test_call(IN p INT) BEGIN "
      "IF p < 0 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'negative'; END IF; "
      "IF p = 1213 THEN SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'dl'; "
      "END IF; SELECT p * 2 AS doubled; END");
  AsyncDb async(Options(db().url(), 1, 1));
  for (int i = 1; i <= 3; ++i) {
    auto r = QueryOne(async, absl::StrCat("CALL oauthd_test_call(", 20 + i, ")"));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(*r, absl::StrCat(2 * (20 + i)));
  }
  auto negative = QueryOne(async, "CALL oauthd_test_call(-1)");
  EXPECT_TRUE(absl::IsInternal(negative.status())) << negative.status();
  auto deadlock = QueryOne(async, "CALL oauthd_test_call(1213)");
  EXPECT_TRUE(absl::IsAborted(deadlock.status())) << deadlock.status();
  auto after = QueryOne(async, "SELECT 7");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, "7");
  db().Exec("DROP PROCEDURE oauthd_test_call");
}

TEST_F(AsyncDbTest, ManyConcurrentQueriesEachGetTheirOwnAnswer) {
  AsyncDb async(Options(db().url(), 3, 2));
  Outcomes out;
  constexpr int kThreads = 4, kPerThread = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int n = t * kPerThread + i;
        async.Query(absl::StrCat("SELECT ", n), out.Slot(n));
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(out.WaitFor(kThreads * kPerThread));
  for (int n = 0; n < kThreads * kPerThread; ++n) {
    EXPECT_EQ(out.calls()[n], 1) << n;
    EXPECT_EQ(out.value(n), absl::StrCat(n)) << n << ": " << out.status(n);
  }
  EXPECT_EQ(async.stats().queries, kThreads * kPerThread);
  EXPECT_EQ(async.stats().failures, 0);
}

TEST_F(AsyncDbTest, ASlowReplyTimesOutAndTheNextQueryWorks) {
  storage::AsyncDbOptions o = Options(db().url(), 1, 1);
  o.timeout = absl::Seconds(1);
  AsyncDb async(o);
  const absl::Time start = absl::Now();
  auto slow = QueryOne(async, "SELECT SLEEP(4)");
  const absl::Duration took = absl::Now() - start;
  EXPECT_TRUE(absl::IsUnavailable(slow.status())) << slow.status();
  EXPECT_LT(took, absl::Seconds(3));
  EXPECT_GE(took, absl::Milliseconds(900));
  auto next = QueryOne(async, "SELECT 'again'");
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(*next, "again");
}

TEST(AsyncDbUnreachable, NoServerIsUnavailableNotAHang) {
  storage::AsyncDbOptions o;
  o.url = *storage::ParseDbUrl("mysql://oauthd:oauthd@127.0.0.1:1/nothing");
  o.connections = 2;
  o.timeout = absl::Seconds(2);
  AsyncDb async(o);
  Outcomes out;
  for (int i = 0; i < 5; ++i) async.Query("SELECT 1", out.Slot(i));
  ASSERT_TRUE(out.WaitFor(5));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(out.calls()[i], 1);
    EXPECT_TRUE(absl::IsUnavailable(out.status(i))) << out.status(i);
  }
  EXPECT_EQ(async.stats().failures, 5);
}

TEST_F(AsyncDbTest, ShutdownAnswersEveryQueryOnce) {
  Outcomes out;
  constexpr int kQueries = 20;
  {
    AsyncDb async(Options(db().url(), 2, 1));
    for (int i = 0; i < kQueries; ++i) async.Query("SELECT SLEEP(0.2), 'x'", out.Slot(i));
    absl::SleepFor(absl::Milliseconds(50));  // two on the wire, the rest queued
  }  // the destructor returns only when every completion has run
  const auto calls = out.calls();
  ASSERT_EQ(calls.size(), static_cast<size_t>(kQueries));
  int answered = 0, refused = 0;
  for (int i = 0; i < kQueries; ++i) {
    EXPECT_EQ(calls.at(i), 1) << i;
    if (out.status(i).ok()) {
      ++answered;
    } else {
      EXPECT_TRUE(absl::IsUnavailable(out.status(i))) << out.status(i);
      ++refused;
    }
  }
  EXPECT_GE(answered, 2);  // those on the wire finished
  EXPECT_GE(refused, 1);   // the queued ones were failed, not left hanging
}

TEST_F(AsyncDbTest, AFullQueueRefusesAtOnce) {
  storage::AsyncDbOptions o = Options(db().url(), 1, 1);
  o.max_queued = 3;
  AsyncDb async(o);
  Outcomes out;
  constexpr int kQueries = 30;
  for (int i = 0; i < kQueries; ++i) async.Query("SELECT SLEEP(0.05), 'x'", out.Slot(i));
  ASSERT_TRUE(out.WaitFor(kQueries));
  int refused = 0;
  for (int i = 0; i < kQueries; ++i) {
    EXPECT_EQ(out.calls()[i], 1);
    if (!out.status(i).ok()) {
      EXPECT_TRUE(absl::IsUnavailable(out.status(i))) << out.status(i);
      ++refused;
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_LT(refused, kQueries);
}

}  // namespace
}  // namespace oauthd::testing
