// oauthd with an asynchronous read replica (--db-replica): a MariaDB primary and a replica fed by
// binary-log replication on this machine (deploy/lib/replica.sh). The app lists are read from the
// replica while a heartbeat proves it within --db-replica-max-lag of the primary; a replica that
// stops applying or dies is left for the primary within that bound, and reads that must see the
// caller's own writes, or check a secret, never go there.
//
// Which server answered is told by a row written on the replica alone (the replica is read-only to
// clients, but the test's user may write there): a list showing it came from the replica.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/mattermost_id.h"
#include "oauthd/v1/apps.grpc.pb.h"
#include "storage/app_store.h"
#include "storage/migrator.h"
#include "storage/replica_reads.h"
#include "tests/lib/grpc_call.h"
#include "tests/lib/oauthd_process.h"
#include "tests/lib/seed.h"
#include "tests/lib/test_env.h"

namespace oauthd::testing {
namespace {

using storage::AppStore;
using storage::ConnectionPool;
using storage::OAuthAppRow;
using storage::ReplicaReads;

// Wide enough that a replica on a loaded machine (the suite runs two tests at once, and again under
// ASan) stays fresh, narrow enough that the stale-replica test stays short.
constexpr absl::Duration kMaxLag = absl::Seconds(2);

// The primary and its replica, started once for every test of this binary and stopped at the end.
class Servers : public ::testing::Environment {
 public:
  static Servers* instance;
  void SetUp() override {
    const char* env = std::getenv("OAUTHD_TEST_REPLICA_DIR");
    dir_ = env != nullptr ? env : "/tmp/oauthd-replica-test";
    std::string out;
    const int rc = RunCommand(absl::StrCat(Script(), " start ", dir_, " 2>&1"), &out);
    ASSERT_EQ(rc, 0) << out;
    for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
      if (std::isdigit(static_cast<unsigned char>(line[0]))) ports_.emplace_back(line);
    }
    ASSERT_EQ(ports_.size(), 2u) << out;
  }
  void TearDown() override { RunCommand(absl::StrCat(Script(), " stop ", dir_, " 2>&1")); }
  std::string Url(bool replica, const std::string& db) const {
    return absl::StrCat("mysql://oauthd:oauthd@127.0.0.1:", ports_[replica ? 1 : 0], "/", db);
  }
  // `verb`: stop-replica or start-replica.
  void Replica(const std::string& verb) {
    std::string out;
    ASSERT_EQ(RunCommand(absl::StrCat(Script(), " ", verb, " ", dir_, " 2>&1"), &out), 0) << out;
  }

 private:
  static std::string Script() { return absl::StrCat(OAUTHD_SOURCE_DIR, "/deploy/lib/replica.sh"); }
  std::string dir_;
  std::vector<std::string> ports_;
};
Servers* Servers::instance = nullptr;
::testing::Environment* const kServers =
    ::testing::AddGlobalTestEnvironment(Servers::instance = new Servers);

storage::PoolOptions Options(const std::string& url) {
  storage::PoolOptions o;
  o.url = *storage::ParseDbUrl(url);
  o.max_connections = 4;
  o.read_timeout_seconds = 5;
  o.connect_timeout_seconds = 2;
  return o;
}

// Polls `done` every 10 ms until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return done();
}

OAuthAppRow App(const std::string& name, const std::string& creator = "") {
  OAuthAppRow a;
  a.id = NewId();
  a.creator_id = creator.empty() ? NewId() : creator;
  a.create_at = a.update_at = absl::ToUnixMillis(absl::Now());
  a.client_secret = NewId();
  a.name = name;
  a.callback_urls = {"https://example.com/cb"};
  a.homepage = "https://example.com";
  return a;
}

bool Lists(const absl::StatusOr<std::vector<OAuthAppRow>>& apps, const std::string& id) {
  if (!apps.ok()) return false;
  for (const OAuthAppRow& a : *apps) {
    if (a.id == id) return true;
  }
  return false;
}

// A database of the test's own, created and migrated on the primary, and there on the replica too
// before the test starts.
class ReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = absl::StrCat("oauthd_r_", NewId().substr(0, 10));
    admin_ = std::make_unique<ConnectionPool>(Options(Servers::instance->Url(false, "mysql")));
    ASSERT_TRUE(Exec(*admin_, absl::StrCat("CREATE DATABASE ", name_)).ok());
    primary_ = std::make_unique<ConnectionPool>(Options(Url(false)));
    ASSERT_TRUE(storage::Migrate(*primary_, [](absl::string_view) {}).ok());
    on_replica_ = std::make_unique<ConnectionPool>(Options(Url(true)));
    const int64_t migrations = Migrations(*primary_);
    ASSERT_GT(migrations, 0);
    ASSERT_TRUE(WaitFor([&] { return Migrations(*on_replica_) == migrations; }))
        << "the migrated schema did not reach the replica";
  }
  void TearDown() override {
    (void)Exec(*on_replica_, "START SLAVE SQL_THREAD");
    (void)Exec(*admin_, absl::StrCat("DROP DATABASE IF EXISTS ", name_));
  }
  static int64_t Migrations(ConnectionPool& pool) {
    auto n = pool.Run([](storage::DbConn& c) -> absl::StatusOr<int64_t> {
      std::unique_ptr<sql::ResultSet> rs(
          c.Prepare("SELECT COUNT(*) FROM oauthd_migrations").executeQuery());
      return rs->next() ? storage::GetInt(*rs, 1) : 0;
    });
    return n.ok() ? *n : -1;
  }
  std::string Url(bool replica) const { return Servers::instance->Url(replica, name_); }
  static absl::Status Exec(ConnectionPool& pool, const std::string& sql) {
    return pool.Run([&](storage::DbConn& c) -> absl::Status {
      c.Execute(sql);
      return absl::OkStatus();
    });
  }
  std::unique_ptr<ReplicaReads> Reads() {
    storage::ReplicaOptions o;
    o.pool = Options(Url(true));
    o.max_lag = kMaxLag;
    auto reads = std::make_unique<ReplicaReads>(primary_.get(), std::move(o));
    EXPECT_TRUE(WaitFor([&] { return reads->fresh(); })) << "no heartbeat came back";
    return reads;
  }
  // An app that exists on the replica alone.
  OAuthAppRow OnReplicaOnly(const std::string& creator = "") {
    OAuthAppRow a = App("on the replica only", creator);
    EXPECT_TRUE(AppStore(on_replica_.get()).Save(a).ok());
    return a;
  }

  std::string name_;
  std::unique_ptr<ConnectionPool> admin_, primary_, on_replica_;
};

TEST_F(ReplicaTest, ListsAreReadFromTheReplicaWhileItIsFresh) {
  auto reads = Reads();
  AppStore apps(primary_.get(), &storage::SecretCipher::ClearText(), nullptr, reads.get());
  const OAuthAppRow created = App("created on the primary");
  ASSERT_TRUE(apps.Save(created).ok());
  // Written on the primary, replicated: the list shows it once the replica applied it.
  EXPECT_TRUE(WaitFor([&] { return Lists(apps.List({0, 100}), created.id); }));

  const OAuthAppRow only = OnReplicaOnly(created.creator_id);
  EXPECT_TRUE(Lists(apps.List({0, 100}), only.id)) << "the list was not read from the replica";
  EXPECT_TRUE(Lists(apps.ListByCreator(created.creator_id, {0, 100}), only.id));
  EXPECT_TRUE(Lists(apps.ListByCreator(created.creator_id, {0, 100}), created.id));
  // A read by id (what every secret check and every read after one's own write is) is the
  // primary's: the replica's row is not there.
  EXPECT_TRUE(absl::IsNotFound(apps.Get(only.id).status()));
  EXPECT_TRUE(apps.Get(created.id).ok());
  EXPECT_GE(reads->stats().replica_reads, 3);
  EXPECT_GE(reads->stats().lag, absl::ZeroDuration());
  EXPECT_LT(reads->stats().lag, kMaxLag);
}

TEST_F(ReplicaTest, AReplicaThatStopsApplyingIsLeftWithinTheBound) {
  auto reads = Reads();
  AppStore apps(primary_.get(), &storage::SecretCipher::ClearText(), nullptr, reads.get());
  const OAuthAppRow only = OnReplicaOnly();
  ASSERT_TRUE(Lists(apps.List({0, 100}), only.id));

  ASSERT_TRUE(Exec(*on_replica_, "STOP SLAVE SQL_THREAD").ok());
  const absl::Time stopped = absl::Now();
  const OAuthAppRow later = App("created after the replica stopped");
  ASSERT_TRUE(apps.Save(later).ok());
  const absl::Time written = absl::Now();
  // The replica is read until the last heartbeat it applied is max_lag old, then never again.
  ASSERT_TRUE(WaitFor([&] { return !Lists(apps.List({0, 100}), only.id); }, absl::Seconds(5)));
  const absl::Duration left_after = absl::Now() - stopped;
  EXPECT_LE(left_after, kMaxLag + absl::Milliseconds(250)) << "stale reads went on too long";
  absl::SleepFor(written + kMaxLag - absl::Now());
  // From here on, a list must show everything written max_lag ago: the primary answers.
  for (int i = 0; i < 20; ++i) {
    auto listed = apps.List({0, 100});
    ASSERT_TRUE(listed.ok()) << listed.status();
    EXPECT_TRUE(Lists(listed, later.id));
    EXPECT_FALSE(Lists(listed, only.id));
    absl::SleepFor(absl::Milliseconds(25));
  }
  EXPECT_GT(reads->stats().primary_reads, 0);

  // Applying again, it catches up and is read again.
  ASSERT_TRUE(Exec(*on_replica_, "START SLAVE SQL_THREAD").ok());
  EXPECT_TRUE(WaitFor([&] {
    auto listed = apps.List({0, 100});
    return Lists(listed, only.id) && Lists(listed, later.id);
  }));
}

TEST_F(ReplicaTest, ADeadReplicaIsNotWaitedFor) {
  auto reads = Reads();
  AppStore apps(primary_.get(), &storage::SecretCipher::ClearText(), nullptr, reads.get());
  const OAuthAppRow only = OnReplicaOnly();
  ASSERT_TRUE(Lists(apps.List({0, 100}), only.id));

  Servers::instance->Replica("stop-replica");
  // Still within the heartbeat's bound: the read fails on the replica and is answered by the
  // primary, at once and without an error.
  const absl::Time asked = absl::Now();
  auto listed = apps.List({0, 100});
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_FALSE(Lists(listed, only.id));
  EXPECT_LT(absl::Now() - asked, absl::Seconds(1));
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(apps.List({0, 100}).ok());

  // Back up, it is read again.
  Servers::instance->Replica("start-replica");
  EXPECT_TRUE(WaitFor([&] { return Lists(apps.List({0, 100}), only.id); }));
}

// The real binary: --db-replica serves GetOAuthApps from the replica, GetOAuthApp from the primary.
TEST_F(ReplicaTest, ServeReadsTheListsFromTheReplica) {
  const SeededUser admin = SeedUser(*primary_, "system_user system_admin");
  OauthdProcess server(Url(false),
                       {"--cache-ttl=0s", "--db-replica=" + Url(true), "--db-replica-max-lag=2s"});
  auto stub = oauthd::v1::OAuthApps::NewStub(
      grpc::CreateChannel(server.target(), grpc::InsecureChannelCredentials()));
  // The admin's session is read from the primary: it works before the replica has it.
  const OAuthAppRow only = OnReplicaOnly(admin.id);
  EXPECT_TRUE(WaitFor([&] {
    oauthd::v1::OAuthAppList list;
    const CallResult r =
        Call(stub.get(), &oauthd::v1::OAuthApps::Stub::GetOAuthApps,
             oauthd::v1::GetOAuthAppsRequest(), &list, Metadata().Bearer(admin.token));
    if (!r.ok()) return false;
    for (const auto& a : list.apps()) {
      if (a.id() == only.id) return true;
    }
    return false;
  })) << server.Log();
  oauthd::v1::OAuthAppIdRequest by_id;
  by_id.set_app_id(only.id);
  oauthd::v1::OAuthApp app;
  const CallResult got = Call(stub.get(), &oauthd::v1::OAuthApps::Stub::GetOAuthApp, by_id, &app,
                              Metadata().Bearer(admin.token));
  EXPECT_EQ(got.http_status(), 404) << got.Describe();
  EXPECT_NE(server.Log().find("app lists are read from the replica"), std::string::npos)
      << server.Log();
}

TEST_F(ReplicaTest, ServeRefusesAnUnusableReplicaSetting) {
  std::string out;
  EXPECT_EQ(RunCommand(absl::StrCat(BinDir(), "/oauthd serve --db=", Url(false),
                                    " --db-replica=", Url(true), " --db-replica-max-lag=10ms 2>&1"),
                       &out),
            2)
      << out;
  EXPECT_NE(out.find("--db-replica-max-lag must be at least 100ms"), std::string::npos) << out;
  EXPECT_EQ(RunCommand(absl::StrCat(BinDir(), "/oauthd serve --db=", Url(false),
                                    " --db-replica=postgres://x 2>&1"),
                       &out),
            2)
      << out;
  EXPECT_NE(out.find("--db-replica: "), std::string::npos) << out;
}

}  // namespace
}  // namespace oauthd::testing
