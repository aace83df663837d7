// oauthd on a MariaDB Galera cluster: three nodes on this machine (deploy/lib/galera.sh), pods
// attached to different nodes. Each test is something a single server gives for free and a
// cluster does not, unless oauthd asks for it: one migration run at a time, an exact registration
// cap, reads that see a write just made on another node, single-use refresh tokens, one reaper per
// round, and, when a node dies under load, no acknowledged write lost, no write reported failed
// that committed, and pods that move to a live node by themselves.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/mattermost_id.h"
#include "storage/app_store.h"
#include "storage/grant_store.h"
#include "storage/identity_store.h"
#include "storage/migrator.h"
#include "tests/lib/seed.h"
#include "tests/lib/test_env.h"

namespace oauthd::testing {
namespace {

using storage::ConnectionPool;
using storage::OAuthAppRow;

// The cluster, started once for every test of this binary and stopped at the end.
class Cluster : public ::testing::Environment {
 public:
  static Cluster* instance;
  void SetUp() override {
    dir_ =
        absl::StrCat(std::getenv("OAUTHD_TEST_GALERA_DIR") ? std::getenv("OAUTHD_TEST_GALERA_DIR")
                                                           : "/tmp/oauthd-galera-test");
    std::string out;
    const int rc = RunCommand(absl::StrCat(Script(), " start ", dir_, " 3 2>&1"), &out);
    ASSERT_EQ(rc, 0) << out;
    for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
      if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0])))
        ports_.emplace_back(line);
    }
    ASSERT_EQ(ports_.size(), 3u) << out;
  }
  void TearDown() override {
    std::string out;
    RunCommand(absl::StrCat(Script(), " stop ", dir_, " 2>&1"), &out);
  }
  // mysql://oauthd:oauthd@127.0.0.1:PORT[,…]/DB for nodes `nodes` (1-based), in that order.
  std::string Url(const std::string& db, std::vector<int> nodes) const {
    std::vector<std::string> hosts;
    for (int n : nodes) hosts.push_back(absl::StrCat("127.0.0.1:", ports_[n - 1]));
    return absl::StrCat("mysql://oauthd:oauthd@", absl::StrJoin(hosts, ","), "/", db);
  }
  void Kill(int node) {
    std::string out;
    ASSERT_EQ(RunCommand(absl::StrCat(Script(), " kill ", dir_, " ", node, " 2>&1"), &out), 0)
        << out;
  }
  void Rejoin(int node) {
    std::string out;
    ASSERT_EQ(RunCommand(absl::StrCat(Script(), " rejoin ", dir_, " ", node, " 2>&1"), &out), 0)
        << out;
  }

 private:
  static std::string Script() { return absl::StrCat(OAUTHD_SOURCE_DIR, "/deploy/lib/galera.sh"); }
  std::string dir_;
  std::vector<std::string> ports_;
};
Cluster* Cluster::instance = nullptr;
::testing::Environment* const kCluster =
    ::testing::AddGlobalTestEnvironment(Cluster::instance = new Cluster);

std::unique_ptr<ConnectionPool> Pool(const std::string& url, int size = 8) {
  storage::PoolOptions o;
  o.url = *storage::ParseDbUrl(url);
  o.max_connections = size;
  o.read_timeout_seconds = 5;
  o.connect_timeout_seconds = 2;
  return std::make_unique<ConnectionPool>(std::move(o));
}

// A database of the test's own, created through node 1 (DDL reaches every node before it returns).
class GaleraTest : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = absl::StrCat("oauthd_g_", NewId().substr(0, 10));
    admin_ = Pool(Cluster::instance->Url("mysql", {1}), 1);
    ASSERT_TRUE(admin_
                    ->Run([&](storage::DbConn& c) -> absl::Status {
                      c.Execute(absl::StrCat("CREATE DATABASE ", name_));
                      return absl::OkStatus();
                    })
                    .ok());
  }
  void TearDown() override {
    (void)admin_->Run([&](storage::DbConn& c) -> absl::Status {
      c.Execute(absl::StrCat("DROP DATABASE IF EXISTS ", name_));
      return absl::OkStatus();
    });
  }
  std::string Url(std::vector<int> nodes) const { return Cluster::instance->Url(name_, nodes); }
  // Migrates through node 1, then waits until nodes 2 and 3 have applied it too, as a pod's
  // start-up schema check would (a node applies DDL made through another a little later: a CALL
  // through node 2 a moment after the migration found no procedure, error 1305).
  void Migrate() {
    auto pool = Pool(Url({1}));
    auto report = storage::Migrate(*pool, [](absl::string_view) {});
    ASSERT_TRUE(report.ok()) << report.status();
    for (int node : {2, 3}) {
      auto other = Pool(Url({node}), 1);
      ASSERT_EQ(Count(*other, "SELECT COUNT(*) FROM oauthd_migrations"),
                storage::LatestMigrationVersion());
    }
  }
  int64_t Count(ConnectionPool& pool, const std::string& sql) {
    auto n = pool.Run([&](storage::DbConn& c) -> absl::StatusOr<int64_t> {
      storage::CausalReads(c);
      std::unique_ptr<sql::ResultSet> rs(c.Prepare(sql).executeQuery());
      return rs->next() ? storage::GetInt(*rs, 1) : -1;
    });
    return n.ok() ? *n : -1;
  }

  std::string name_;
  std::unique_ptr<ConnectionPool> admin_;
};

OAuthAppRow App(bool dynamic = false) {
  OAuthAppRow a;
  a.id = NewId();
  a.create_at = a.update_at = absl::ToUnixMillis(absl::Now());
  a.client_secret = NewId();
  a.name = "Galera app";
  a.callback_urls = {"https://example.com/cb"};
  a.homepage = "https://example.com";
  a.is_dynamically_registered = dynamic;
  return a;
}

// Pods starting together run `oauthd migrate` through different nodes: both succeed, and each
// migration is applied once (GET_LOCK, which earlier releases used, is per node).
TEST_F(GaleraTest, MigrateFromTwoNodesAtOnceAppliesEachMigrationOnce) {
  for (int round = 0; round < 3; ++round) {
    const std::string db = absl::StrCat(name_, "_", round);
    ASSERT_TRUE(admin_
                    ->Run([&](storage::DbConn& c) -> absl::Status {
                      c.Execute(absl::StrCat("CREATE DATABASE ", db));
                      return absl::OkStatus();
                    })
                    .ok());
    auto run = [&](int node) {
      std::string out;
      const int rc = RunCommand(absl::StrCat(BinDir(), "/oauthd migrate --db=",
                                             Cluster::instance->Url(db, {node}), " 2>&1"),
                                &out);
      return std::make_pair(rc, out);
    };
    auto a = std::async(std::launch::async, run, 1);
    auto b = std::async(std::launch::async, run, 2);
    auto ra = a.get(), rb = b.get();
    EXPECT_EQ(ra.first, 0) << ra.second;
    EXPECT_EQ(rb.first, 0) << rb.second;
    auto pool = Pool(Cluster::instance->Url(db, {3}));
    EXPECT_EQ(Count(*pool, "SELECT COUNT(*) FROM oauthd_migrations"),
              storage::LatestMigrationVersion());
    EXPECT_EQ(Count(*pool, "SELECT COUNT(*) FROM Roles"), 2);
    (void)admin_->Run([&](storage::DbConn& c) -> absl::Status {
      c.Execute(absl::StrCat("DROP DATABASE ", db));
      return absl::OkStatus();
    });
  }
}

// --dcr-max-clients holds exactly when registrations arrive through two nodes at once.
TEST_F(GaleraTest, RegistrationCapHoldsAcrossNodes) {
  Migrate();
  std::vector<std::unique_ptr<ConnectionPool>> pools;
  pools.push_back(Pool(Url({1})));
  pools.push_back(Pool(Url({2})));
  for (int round = 0; round < 5; ++round) {
    (void)admin_->Run([&](storage::DbConn& c) -> absl::Status {
      c.Execute(absl::StrCat("DELETE FROM ", name_, ".OAuthApps"));
      c.Execute(absl::StrCat("DELETE FROM ", name_, ".OAuthdApps"));
      // The first round starts without the guard row, as on a node that has not yet applied a
      // migration made through another: each registration must write the row all the same (an
      // UPDATE matched nothing there, and six registered).
      if (round == 0)
        c.Execute(absl::StrCat("DELETE FROM ", name_, ".oauthd_locks WHERE Name = 'dcr_cap'"));
      return absl::OkStatus();
    });
    std::atomic<int> stored{0}, refused{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 20; ++i) {
      threads.emplace_back([&, i] {
        storage::AppStore apps(pools[i % 2].get());
        absl::Status st = apps.SaveDynamic(App(/*dynamic=*/true), 5);
        if (st.ok()) {
          ++stored;
        } else if (absl::IsResourceExhausted(st)) {
          ++refused;
        } else {
          ++other;
          ADD_FAILURE() << st;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(stored.load(), 5) << "round " << round;
    EXPECT_EQ(refused.load(), 15) << "round " << round;
    EXPECT_EQ(Count(*pools[0], "SELECT COUNT(*) FROM OAuthdApps WHERE IsDynamicallyRegistered = 1"),
              5);
  }
}

// The same app updated through two nodes at once: every update succeeds (the ones that lose
// certification run again), as they do one after another on one server.
TEST_F(GaleraTest, UpdatesOfOneAppThroughTwoNodesAtOnceAllSucceed) {
  Migrate();
  std::vector<std::unique_ptr<ConnectionPool>> pools;
  pools.push_back(Pool(Url({1})));
  pools.push_back(Pool(Url({2})));
  OAuthAppRow app = App();
  ASSERT_TRUE(storage::AppStore(pools[0].get()).Save(app).ok());
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      storage::AppStore apps(pools[i % 2].get());
      for (int n = 0; n < 25; ++n) {
        OAuthAppRow update = app;
        update.name = absl::StrCat("Update ", i, "/", n);
        absl::Status st = apps.Update(update);
        if (!st.ok()) {
          ++failed;
          ADD_FAILURE() << st;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
}

// What a client wrote through one node, it finds through another at once: an app, a code, an
// access token's session, a refresh token.
TEST_F(GaleraTest, WritesThroughOneNodeAreReadThroughAnotherAtOnce) {
  Migrate();
  auto one = Pool(Url({1})), two = Pool(Url({2}));
  storage::AppStore apps1(one.get()), apps2(two.get());
  storage::GrantStore grants1(one.get()), grants2(two.get());
  storage::IdentityStore identity2(two.get());
  int missed = 0;
  for (int i = 0; i < 300; ++i) {
    OAuthAppRow app = App();
    ASSERT_TRUE(apps1.Save(app).ok());
    if (!apps2.Get(app.id).ok()) ++missed;

    storage::AuthDataRow code;
    code.code = NewId() + NewId();
    code.client_id = app.id;
    code.user_id = NewId();
    code.expires_in = 600;
    code.redirect_uri = "https://example.com/cb";
    ASSERT_TRUE(grants1.SaveAuthData(code).ok());
    auto found = grants2.ReadCodeExchange(app.id, code.code);
    if (!found.ok() || !found->code) ++missed;

    storage::SessionRow session;
    session.id = NewId();
    session.token = NewId();
    session.user_id = code.user_id;
    session.is_oauth = true;
    storage::AccessDataRow access;
    access.token = session.token;
    access.refresh_token = NewId();
    access.client_id = app.id;
    access.user_id = code.user_id;
    ASSERT_TRUE(grants1.IssueToken(session, access, std::nullopt).ok());
    if (!identity2.GetSessionByToken(session.token).ok()) ++missed;
    auto grant = grants2.ReadRefreshExchange(app.id, access.refresh_token);
    if (!grant.ok() || !grant->grant) ++missed;
  }
  EXPECT_EQ(missed, 0);
}

// The same refresh token spent through two nodes at once: exactly one new pair.
TEST_F(GaleraTest, ARefreshTokenSpentThroughTwoNodesAtOnceWorksOnce) {
  Migrate();
  auto one = Pool(Url({1})), two = Pool(Url({2}));
  storage::GrantStore grants1(one.get()), grants2(two.get());
  Grant grant = NewGrant(NewId(), NewId());
  const std::string user = grant.session.user_id;
  storage::AccessDataRow& access = grant.access;
  access.refresh_token = NewId();
  ASSERT_TRUE(grants1.IssueToken(grant.session, access, std::nullopt).ok());
  for (int round = 0; round < 50; ++round) {
    std::atomic<int> won{0}, lost{0};
    std::string current = access.token;
    std::vector<std::thread> threads;
    std::mutex mu;
    storage::AccessDataRow winner;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&, i] {
        storage::GrantStore& g = i % 2 ? grants2 : grants1;
        storage::SessionRow s;
        s.id = NewId();
        s.token = NewId();
        s.user_id = user;
        storage::AccessDataRow a = access;
        a.token = s.token;
        a.refresh_token = NewId();
        absl::Status st = g.IssueToken(s, a, current);
        if (st.ok()) {
          ++won;
          std::lock_guard<std::mutex> lock(mu);
          winner = a;
        } else if (absl::IsAborted(st)) {
          ++lost;
        } else {
          ADD_FAILURE() << st;
        }
      });
    }
    for (auto& t : threads) t.join();
    ASSERT_EQ(won.load(), 1) << "round " << round;
    EXPECT_EQ(lost.load(), 3);
    access = winner;
  }
  EXPECT_EQ(Count(*one, "SELECT COUNT(*) FROM Sessions"), 1);
}

// Two pods reap at the same moment through different nodes: the clients are reaped once, and
// neither pod fails.
TEST_F(GaleraTest, TwoReapersAtOnceReapOnceWithoutFailing) {
  Migrate();
  auto one = Pool(Url({1})), two = Pool(Url({2}));
  storage::AppStore apps1(one.get()), apps2(two.get());
  for (int i = 0; i < 10; ++i) {
    OAuthAppRow a = App(/*dynamic=*/true);
    a.create_at = 1000;
    ASSERT_TRUE(apps1.Save(a).ok());
  }
  auto reap = [](storage::AppStore* apps) {
    return apps->ReapIdleDynamicClients(absl::ToUnixMillis(absl::Now()), 500, absl::Seconds(30));
  };
  auto a = std::async(std::launch::async, reap, &apps1);
  auto b = std::async(std::launch::async, reap, &apps2);
  auto ra = a.get(), rb = b.get();
  ASSERT_TRUE(ra.ok()) << ra.status();
  ASSERT_TRUE(rb.ok()) << rb.status();
  EXPECT_EQ(*ra + *rb, 10);
  EXPECT_TRUE(*ra == 0 || *rb == 0) << *ra << " " << *rb;
  EXPECT_EQ(Count(*one, "SELECT COUNT(*) FROM OAuthApps"), 0);
}

// A node dies under load. Pods attached to it (URL: that node first, another after) move to the
// other node; every write acknowledged is there afterwards, and no write is reported failed (as
// opposed to unknown: 503) that committed. The node rejoins by incremental state transfer.
TEST_F(GaleraTest, ANodeKilledUnderLoadLosesNothingAndPodsMoveOn) {
  Migrate();
  auto survivor = Pool(Url({1}));
  auto attached = Pool(Url({3, 2}));
  storage::AppStore apps(attached.get());
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::string> acknowledged, unknown, failed;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&] {
      while (!stop) {
        OAuthAppRow a = App();
        absl::Status st = apps.Save(a);
        std::lock_guard<std::mutex> lock(mu);
        if (st.ok()) {
          acknowledged.push_back(a.id);
        } else if (absl::IsUnavailable(st)) {
          unknown.push_back(a.id);  // may or may not have committed: the caller is told so
        } else {
          failed.push_back(absl::StrCat(a.id, ": ", st.ToString()));
        }
      }
    });
  }
  absl::SleepFor(absl::Seconds(2));
  Cluster::instance->Kill(3);
  const absl::Time killed = absl::Now();
  absl::Time served_again = absl::InfiniteFuture();
  size_t before = 0;
  while (absl::Now() - killed < absl::Seconds(20)) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (before == 0) before = acknowledged.size();
      if (acknowledged.size() > before + 20) {
        served_again = absl::Now();
        break;
      }
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  absl::SleepFor(absl::Seconds(1));
  stop = true;
  for (auto& t : writers) t.join();
  std::printf(
      "node 3 killed under load: %zu writes acknowledged, %zu answered outcome unknown (503), "
      "writes served again %s after the kill\n",
      acknowledged.size(), unknown.size(), absl::FormatDuration(served_again - killed).c_str());
  EXPECT_LT(served_again - killed, absl::Seconds(15)) << "the pod moved to a live node";
  EXPECT_EQ(failed, std::vector<std::string>{});
  for (const std::string& id : acknowledged) {
    ASSERT_EQ(
        Count(*survivor, absl::StrCat("SELECT COUNT(*) FROM OAuthApps WHERE Id = '", id, "'")), 1)
        << "acknowledged " << id << " is there";
  }
  Cluster::instance->Rejoin(3);
  auto rejoined = Pool(Url({3}));
  EXPECT_EQ(Count(*rejoined, "SELECT COUNT(*) FROM OAuthApps"),
            Count(*survivor, "SELECT COUNT(*) FROM OAuthApps"));
}

}  // namespace
}  // namespace oauthd::testing
