// The database's own rate through the same connector and pool oauthd uses: a primary-key SELECT on
// OAuthApps and a single-row INSERT, from N threads for a fixed time. Prints one JSON line.
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/tools/latency_histogram.h"
#include "common/flag_set.h"
#include "common/mattermost_id.h"
#include "common/runtime.h"
#include "storage/connection_pool.h"

int main(int argc, char** argv) {
  oauthd::ConfigureRuntimeForProduction();
  std::string db, op = "select";
  int threads = 2, seconds = 5, apps = 100000;
  oauthd::FlagSet flags("OAUTHD_BENCH_",
                        "Usage: oauthd-bench-db --db=URL --op=select|insert [flags]\n\n"
                        "Measures the database's own rate through MySQL Connector/C++.\n");
  flags.String("db", &db, "the bench database (seeded by bench/seed.sql)");
  flags.String(
      "op", &op,
      "select: SELECT by primary key from OAuthApps; insert: one-row INSERT into bench_kv");
  flags.Int("threads", &threads, "threads, each with its own connection");
  flags.Int("seconds", &seconds, "how long to run");
  flags.Int("apps", &apps, "how many seeded apps to pick ids from");
  std::vector<std::string> pos;
  absl::Status st = flags.Parse(std::vector<std::string>(argv + 1, argv + argc), &pos);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  auto url = oauthd::storage::ParseDbUrl(db);
  if (!st.ok() || !url.ok() || (op != "select" && op != "insert")) {
    std::fprintf(stderr, "oauthd-bench-db: bad flags (see --help)\n");
    return 2;
  }
  oauthd::storage::PoolOptions options;
  options.url = *url;
  options.max_connections = threads;
  oauthd::storage::ConnectionPool pool(options);
  if (op == "insert") {
    absl::Status create = pool.Run([](oauthd::storage::DbConn& c) -> absl::Status {
      c.Execute(
          "CREATE TABLE IF NOT EXISTS bench_kv (Id varchar(26) NOT NULL PRIMARY KEY, Name "
          "varchar(64), "
          "Value bigint) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
      return absl::OkStatus();
    });
    if (!create.ok()) return 1;
  }
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> errors{0};
  std::vector<oauthd::bench::LatencyHistogram> hists(threads);
  std::vector<std::thread> workers;
  const absl::Time start = absl::Now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      uint64_t i = static_cast<uint64_t>(t) * 7919;
      while (!stop) {
        const absl::Time s = absl::Now();
        absl::Status r = pool.Run([&](oauthd::storage::DbConn& c) -> absl::Status {
          if (op == "select") {
            auto& q =
                c.Prepare("SELECT Id, Name, CallbackUrls, CreateAt FROM OAuthApps WHERE Id = ?");
            q.setString(1, absl::StrFormat("app%023d", static_cast<int>(i++ % apps) + 1));
            std::unique_ptr<sql::ResultSet> rs(q.executeQuery());
            return rs->next() ? absl::OkStatus() : absl::NotFoundError("no row");
          }
          auto& q = c.Prepare("INSERT INTO bench_kv (Id, Name, Value) VALUES (?, ?, ?)");
          q.setString(1, oauthd::NewId());
          q.setString(2, "bench");
          q.setInt64(3, static_cast<int64_t>(i++));
          q.executeUpdate();
          return absl::OkStatus();
        });
        if (!r.ok()) ++errors;
        hists[t].Record(static_cast<uint64_t>(absl::ToInt64Microseconds(absl::Now() - s)));
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
  oauthd::bench::LatencyHistogram all;
  for (auto& h : hists) all.Merge(h);
  std::printf(
      "{\"op\":\"db_%s\",\"rps\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"count\":%llu,\"errors\":%"
      "llu}\n",
      op.c_str(), static_cast<double>(all.count()) / elapsed, all.Percentile(0.5) / 1000,
      all.Percentile(0.99) / 1000, static_cast<unsigned long long>(all.count()),
      static_cast<unsigned long long>(errors.load()));
  return errors.load() > all.count() / 100 ? 1 : 0;
}
