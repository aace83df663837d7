// Token exchanges in batches against the real MariaDB (storage/batch_queue.h). Writes that wait
// while a write is on the wire go together in one transaction (storage/issue_batch.h), and every
// exchange gets exactly the answer its own CALL would have given, whether the batch commits or
// must be split. Reads of one app's codes (or refresh tokens) that wait go as one query, and each
// exchange reads what it would have read alone.
//
// To make a batch form, the tests hold a lock from another connection: a row lock on the first
// exchange's code (its lone CALL waits), or a table lock on OAuthApps (its read waits). The next
// exchanges queue behind it (one in flight), and when the lock goes they are sent as one batch.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/mattermost_id.h"
#include "storage/async_db.h"
#include "storage/db_url.h"
#include "storage/grant_store.h"
#include "storage/identity_store.h"
#include "storage/issue_batch.h"
#include "tests/lib/seed.h"
#include "tests/lib/test_database.h"

namespace oauthd::testing {
namespace {

using storage::AccessDataRow;
using storage::GrantStore;
using storage::SessionRow;

class ExchangeBatchTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    storage::AsyncDbOptions o;
    o.url = *storage::ParseDbUrl(db().url());
    o.connections = 4;
    async_ = std::make_unique<storage::AsyncDb>(o);
    // One write on the wire at a time: whatever arrives meanwhile waits for the next batch.
    grants_ = std::make_unique<GrantStore>(&db().pool(), &storage::SecretCipher::ClearText(),
                                           async_.get(), absl::Seconds(15),
                                           /*in_flight=*/1);
  }
  void TearDown() override {
    grants_.reset();
    async_.reset();
    DbTest::TearDown();
  }

  // A stored code of `client` for `user`, with a PKCE row (OAuthdAuthData).
  std::string NewCode(const std::string& client, const std::string& user) {
    storage::AuthDataRow code;
    code.code = NewId() + NewId();
    code.client_id = client;
    code.user_id = user;
    code.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    code.code_challenge_method = "S256";
    const absl::Status st = grants_->SaveAuthData(code);
    EXPECT_TRUE(st.ok()) << st;
    return code.code;
  }

  // A grant already issued (a lone CALL on the blocking pool).
  AccessDataRow Issued(const std::string& client, const std::string& user) {
    auto [session, grant] = NewGrant(client, user);
    grant.refresh_token = NewId();
    EXPECT_TRUE(grants_->IssueToken(session, grant, std::nullopt).ok());
    return grant;
  }

  // Holds a row lock on `code` from a connection of its own until Release: a write that deletes
  // the code waits for it.
  void Hold(const std::string& code) {
    HoldWhile(
        "SELECT Code FROM OAuthAuthData WHERE Code = " + storage::SqlQuote(code) + " FOR UPDATE",
        "");
  }
  // Holds OAuthApps locked for writing until Release: every exchange read waits for it.
  void HoldApps() { HoldWhile("LOCK TABLES OAuthApps WRITE", "UNLOCK TABLES"); }
  void HoldWhile(const std::string& lock, const std::string& unlock) {
    holder_ = std::thread([this, lock, unlock] {
      auto st = db().pool().RunInTransaction([&](storage::DbConn& c) -> absl::Status {
        std::unique_ptr<sql::ResultSet>(c.Prepare(lock).executeQuery());
        std::unique_lock<std::mutex> l(mu_);
        held_ = true;
        cv_.notify_all();
        cv_.wait(l, [&] { return released_; });
        if (!unlock.empty()) c.Prepare(unlock).execute();
        return absl::OkStatus();
      });
      EXPECT_TRUE(st.ok()) << st;
    });
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return held_; });
  }
  void Release() {
    {
      std::lock_guard<std::mutex> l(mu_);
      released_ = true;
    }
    cv_.notify_all();
    holder_.join();
  }
  // Waits until `n` statements that start with `start` wait on the lock (the lone CALL's delete of
  // its code, which the process list shows rather than the CALL, or the first reads).
  void WaitUntilBlocked(const std::string& start = "DELETE d, x FROM OAuthAuthData", int n = 1) {
    for (int i = 0; i < 200; ++i) {
      if (db().QueryInt(absl::StrCat("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE "
                                     "INFO LIKE '",
                                     start, "%'")) >= n) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "the first statement never reached the database";
  }

  using Result = std::future<absl::Status>;
  Result Redeem(const std::string& code, const SessionRow& s, const AccessDataRow& a,
                const std::optional<std::string>& replaced) {
    auto p = std::make_shared<std::promise<absl::Status>>();
    grants_->RedeemCodeAsync(code, s, a, replaced, [p](absl::Status st) { p->set_value(st); });
    return p->get_future();
  }
  Result Issue(const SessionRow& s, const AccessDataRow& a,
               const std::optional<std::string>& replaced) {
    auto p = std::make_shared<std::promise<absl::Status>>();
    grants_->IssueTokenAsync(s, a, replaced, [p](absl::Status st) { p->set_value(st); });
    return p->get_future();
  }
  static absl::Status Get(Result& r) {
    if (r.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      return absl::DeadlineExceededError("no answer in 20 s");
    }
    return r.get();
  }

  using ReadResult = std::future<absl::StatusOr<storage::Exchange>>;
  ReadResult ReadCode(const std::string& client, const std::string& code) {
    auto p = std::make_shared<std::promise<absl::StatusOr<storage::Exchange>>>();
    grants_->ReadCodeExchangeAsync(client, code, [p](auto r) { p->set_value(std::move(r)); });
    return p->get_future();
  }
  ReadResult ReadRefresh(const std::string& client, const std::string& refresh) {
    auto p = std::make_shared<std::promise<absl::StatusOr<storage::Exchange>>>();
    grants_->ReadRefreshExchangeAsync(client, refresh, [p](auto r) { p->set_value(std::move(r)); });
    return p->get_future();
  }
  // What an exchange read says, in one line, to compare a batched read with a lone one.
  static std::string Describe(const absl::StatusOr<storage::Exchange>& e) {
    if (!e.ok()) return e.status().ToString();
    return absl::StrCat(
        "app=", e->app ? e->app->id : "-", " code=", e->code ? e->code->code : "-",
        " challenge=", e->code ? e->code->code_challenge : "-",
        " user=", e->user ? e->user->id : "-", " grant=", e->grant ? e->grant->token : "-",
        " refresh=", e->grant ? e->grant->refresh_token : "-", " session=", e->session_exists);
  }
  static std::string Describe(ReadResult& r) {
    if (r.wait_for(std::chrono::seconds(20)) != std::future_status::ready) return "no answer";
    return Describe(r.get());
  }

  int64_t Count(const std::string& table, const std::string& where) {
    return db().QueryInt(absl::StrCat("SELECT COUNT(*) FROM ", table, " WHERE ", where));
  }
  std::string TokenOf(const std::string& client, const std::string& user) {
    auto row = grants_->GetAccessDataByClientUser(client, user);
    return row.ok() ? row->token : "";
  }

  std::unique_ptr<storage::AsyncDb> async_;
  std::unique_ptr<GrantStore> grants_;

 private:
  std::thread holder_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false, released_ = false;
};

// Every kind of write in one batch: first grants by code, a code that replaces a live grant, a
// refresh (a replacement without a code) and a grant without a code that carries an audience. All
// commit together, and the rows are what their CALLs would have written.
TEST_F(ExchangeBatchTest, ExchangesThatWaitTogetherAreWrittenInOneBatch) {
  // Every row the exchanges need, written before the lock is taken.
  const std::string client = NewId();
  const std::string blocker_user = NewId();
  const std::string blocker_code = NewCode(client, blocker_user);
  std::vector<std::string> first_users, codes = {blocker_code};
  for (int i = 0; i < 3; ++i) {
    first_users.push_back(NewId());
    codes.push_back(NewCode(client, first_users.back()));
  }
  const std::string repeat_user = NewId(), refresh_user = NewId(), audience_user = NewId();
  const AccessDataRow live = Issued(client, repeat_user);
  const std::string repeat_code = NewCode(client, repeat_user);
  codes.push_back(repeat_code);
  const AccessDataRow old = Issued(client, refresh_user);

  Hold(blocker_code);
  auto [bs, bg] = NewGrant(client, blocker_user);
  Result blocker = Redeem(blocker_code, bs, bg, std::nullopt);
  WaitUntilBlocked();

  std::vector<Result> results;
  std::vector<std::string> new_tokens;
  for (int i = 0; i < 3; ++i) {
    auto [s, g] = NewGrant(client, first_users[i]);
    g.refresh_token = NewId();
    new_tokens.push_back(g.token);
    results.push_back(Redeem(codes[i + 1], s, g, std::nullopt));
  }
  auto [rs, rg] = NewGrant(client, repeat_user);
  results.push_back(Redeem(repeat_code, rs, rg, live.token));
  auto [fs, fg] = NewGrant(client, refresh_user);
  fg.refresh_token = NewId();
  results.push_back(Issue(fs, fg, old.token));
  auto [as, ag] = NewGrant(client, audience_user);
  ag.audience = "https://api.example.com";
  results.push_back(Issue(as, ag, std::nullopt));

  Release();
  EXPECT_TRUE(Get(blocker).ok());
  for (Result& r : results) EXPECT_TRUE(Get(r).ok());
  const auto stats = grants_->write_batches();
  EXPECT_EQ(stats.sent.batches, 1);
  EXPECT_EQ(stats.sent.batched, 6);
  EXPECT_EQ(stats.split, 0);

  const std::string users =
      absl::StrCat("UserId IN ('", absl::StrJoin(first_users, "', '"), "', '", blocker_user, "', '",
                   repeat_user, "', '", refresh_user, "', '", audience_user, "')");
  EXPECT_EQ(Count("OAuthAuthData", users), 0);
  // The codes' PKCE rows went with them.
  EXPECT_EQ(Count("OAuthdAuthData", absl::StrCat("Code IN ('", absl::StrJoin(codes, "', '"), "')")),
            0);
  // One session per user, the one its grant names; the replaced sessions are gone.
  EXPECT_EQ(Count("Sessions", users), 7);
  EXPECT_EQ(
      Count("Sessions s JOIN OAuthAccessData a ON a.Token = s.Token", absl::StrCat("s.", users)),
      7);
  for (size_t i = 0; i < first_users.size(); ++i) {
    EXPECT_EQ(TokenOf(client, first_users[i]), new_tokens[i]);
  }
  EXPECT_EQ(TokenOf(client, repeat_user), rg.token);
  EXPECT_EQ(TokenOf(client, refresh_user), fg.token);
  EXPECT_EQ(grants_->GetAccessDataByClientUser(client, refresh_user)->refresh_token,
            fg.refresh_token);
  EXPECT_EQ(Count("Sessions", absl::StrCat("Token IN ('", live.token, "', '", old.token, "')")), 0);
  EXPECT_EQ(grants_->GetAccessDataByClientUser(client, audience_user)->audience,
            "https://api.example.com");
  storage::IdentityStore identity(&db().pool());
  auto session = identity.GetSessionByToken(fs.token);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_TRUE(session->is_oauth);
  EXPECT_EQ(session->user_id, refresh_user);
}

// A batch that cannot be written whole writes nothing, and each exchange is then decided alone:
// of two redemptions of one code exactly one wins (the other: NOT_FOUND), of two refreshes of one
// grant exactly one (the other: ABORTED), and the exchanges that raced with nobody succeed.
TEST_F(ExchangeBatchTest, ABatchThatCannotBeWrittenWholeIsDecidedExchangeByExchange) {
  const std::string client = NewId();
  const std::string blocker_user = NewId();
  const std::string blocker_code = NewCode(client, blocker_user);
  const std::string code_user = NewId(), refresh_user = NewId(), lone_user = NewId();
  const std::string code = NewCode(client, code_user), lone_code = NewCode(client, lone_user);
  const AccessDataRow old = Issued(client, refresh_user);

  Hold(blocker_code);
  auto [bs, bg] = NewGrant(client, blocker_user);
  Result blocker = Redeem(blocker_code, bs, bg, std::nullopt);
  WaitUntilBlocked();

  auto [s1, g1] = NewGrant(client, code_user);
  auto [s2, g2] = NewGrant(client, code_user);
  Result redeem1 = Redeem(code, s1, g1, std::nullopt);
  Result redeem2 = Redeem(code, s2, g2, std::nullopt);
  auto [r1s, r1g] = NewGrant(client, refresh_user);
  auto [r2s, r2g] = NewGrant(client, refresh_user);
  Result refresh1 = Issue(r1s, r1g, old.token);
  Result refresh2 = Issue(r2s, r2g, old.token);
  auto [ls, lg] = NewGrant(client, lone_user);
  Result lone = Redeem(lone_code, ls, lg, std::nullopt);

  Release();
  EXPECT_TRUE(Get(blocker).ok());
  const absl::Status c1 = Get(redeem1), c2 = Get(redeem2);
  EXPECT_EQ(c1.ok() + c2.ok(), 1) << c1 << " / " << c2;
  EXPECT_TRUE(absl::IsNotFound(c1.ok() ? c2 : c1)) << c1 << " / " << c2;
  const absl::Status f1 = Get(refresh1), f2 = Get(refresh2);
  EXPECT_EQ(f1.ok() + f2.ok(), 1) << f1 << " / " << f2;
  EXPECT_TRUE(absl::IsAborted(f1.ok() ? f2 : f1)) << f1 << " / " << f2;
  EXPECT_TRUE(Get(lone).ok());
  const auto stats = grants_->write_batches();
  EXPECT_EQ(stats.sent.batches, 1);
  EXPECT_EQ(stats.sent.batched, 5);
  EXPECT_EQ(stats.split, 1);

  EXPECT_EQ(TokenOf(client, code_user), c1.ok() ? g1.token : g2.token);
  EXPECT_EQ(TokenOf(client, refresh_user), f1.ok() ? r1g.token : r2g.token);
  for (const std::string& user : {code_user, refresh_user, lone_user}) {
    EXPECT_EQ(Count("Sessions", absl::StrCat("UserId = '", user, "'")), 1) << user;
  }
}

// A code redeemed between an exchange's read and its write: the batch finds it gone and writes
// nothing, although the grant the late exchange would replace still holds the token it read (so
// the swap alone would succeed); alone, the late exchange is refused and the other one succeeds.
TEST_F(ExchangeBatchTest, ACodeRedeemedMeanwhileSplitsTheBatch) {
  const std::string client = NewId();
  const std::string blocker_user = NewId(), spent_user = NewId(), lone_user = NewId();
  const std::string blocker_code = NewCode(client, blocker_user);
  const std::string spent = NewCode(client, spent_user), lone_code = NewCode(client, lone_user);
  auto [ws, winner] = NewGrant(client, spent_user);
  ASSERT_TRUE(grants_->RedeemCode(spent, ws, winner, std::nullopt).ok());

  Hold(blocker_code);
  auto [bs, bg] = NewGrant(client, blocker_user);
  Result blocker = Redeem(blocker_code, bs, bg, std::nullopt);
  WaitUntilBlocked();
  auto [ls, lg] = NewGrant(client, lone_user);
  Result lone = Redeem(lone_code, ls, lg, std::nullopt);
  auto [ss, sg] = NewGrant(client, spent_user);
  Result late = Redeem(spent, ss, sg, winner.token);

  Release();
  EXPECT_TRUE(Get(blocker).ok());
  EXPECT_TRUE(Get(lone).ok());
  const absl::Status st = Get(late);
  EXPECT_TRUE(absl::IsNotFound(st)) << st;
  EXPECT_EQ(grants_->write_batches().split, 1);
  EXPECT_EQ(TokenOf(client, spent_user), winner.token);
  EXPECT_EQ(Count("Sessions", absl::StrCat("UserId = '", spent_user, "'")), 1);
}

// Two refreshes of one grant in one batch: the second finds the grant changed by the first, the
// batch writes nothing, and alone one of them wins and the other is refused (ABORTED).
TEST_F(ExchangeBatchTest, RefreshesOfOneGrantSplitTheBatch) {
  const std::string client = NewId();
  const std::string blocker_user = NewId(), user = NewId(), other = NewId();
  const std::string blocker_code = NewCode(client, blocker_user);
  const AccessDataRow old = Issued(client, user), other_old = Issued(client, other);

  Hold(blocker_code);
  auto [bs, bg] = NewGrant(client, blocker_user);
  Result blocker = Redeem(blocker_code, bs, bg, std::nullopt);
  WaitUntilBlocked();
  auto [os, og] = NewGrant(client, other);
  Result unrelated = Issue(os, og, other_old.token);
  auto [s1, g1] = NewGrant(client, user);
  auto [s2, g2] = NewGrant(client, user);
  Result first = Issue(s1, g1, old.token);
  Result second = Issue(s2, g2, old.token);

  Release();
  EXPECT_TRUE(Get(blocker).ok());
  EXPECT_TRUE(Get(unrelated).ok());
  const absl::Status a = Get(first), b = Get(second);
  EXPECT_EQ(a.ok() + b.ok(), 1) << a << " / " << b;
  EXPECT_TRUE(absl::IsAborted(a.ok() ? b : a)) << a << " / " << b;
  EXPECT_EQ(grants_->write_batches().split, 1);
  EXPECT_EQ(TokenOf(client, user), a.ok() ? g1.token : g2.token);
  EXPECT_EQ(TokenOf(client, other), og.token);
  EXPECT_EQ(Count("Sessions", absl::StrCat("UserId = '", user, "'")), 1);
}

// Two new grants for the same client and user in one batch: the second collides with the first
// (a duplicate key), nothing of the batch is written, and alone the first wins and the second is
// refused as a grant that changed.
TEST_F(ExchangeBatchTest, NewGrantsThatCollideSplitTheBatch) {
  const std::string client = NewId();
  const std::string blocker_user = NewId();
  const std::string blocker_code = NewCode(client, blocker_user);
  Hold(blocker_code);
  auto [bs, bg] = NewGrant(client, blocker_user);
  Result blocker = Redeem(blocker_code, bs, bg, std::nullopt);
  WaitUntilBlocked();

  const std::string user = NewId(), other = NewId();
  auto [s1, g1] = NewGrant(client, user);
  auto [s2, g2] = NewGrant(client, user);
  auto [so, go] = NewGrant(client, other);
  Result first = Issue(s1, g1, std::nullopt);
  Result second = Issue(s2, g2, std::nullopt);
  Result unrelated = Issue(so, go, std::nullopt);

  Release();
  EXPECT_TRUE(Get(blocker).ok());
  const absl::Status a = Get(first), b = Get(second);
  EXPECT_EQ(a.ok() + b.ok(), 1) << a << " / " << b;
  EXPECT_TRUE(absl::IsAborted(a.ok() ? b : a)) << a << " / " << b;
  EXPECT_TRUE(Get(unrelated).ok());
  EXPECT_EQ(grants_->write_batches().split, 1);
  EXPECT_EQ(Count("Sessions", absl::StrCat("UserId = '", user, "'")), 1);
  EXPECT_EQ(TokenOf(client, user), a.ok() ? g1.token : g2.token);
}

// A batch whose answer was lost is sent again on a fresh connection. Sent again after it
// committed, it writes nothing ('split'), and each exchange's CALL then finds its own token: OK.
TEST_F(ExchangeBatchTest, ABatchSentAgainAfterItCommittedWritesNothingMore) {
  const std::string client = NewId(), user = NewId(), holder = NewId();
  const std::string code = NewCode(client, user);
  const AccessDataRow old = Issued(client, holder);
  auto [s1, g1] = NewGrant(client, user);
  auto [s2, g2] = NewGrant(client, holder);
  g2.refresh_token = NewId();
  auto args = [&](const std::optional<std::string>& code_value, const SessionRow& s,
                  const AccessDataRow& g, const std::optional<std::string>& replaced) {
    storage::IssueArgs a(storage::kIssueArgCount);
    a[storage::kArgCode] = code_value;
    a[storage::kArgClient] = g.client_id;
    a[storage::kArgUser] = g.user_id;
    a[storage::kArgReplaced] = replaced;
    a[storage::kArgSession] = s.id;
    a[storage::kArgToken] = s.token;
    a[storage::kArgCreateAt] = "1";
    a[storage::kArgExpiresAt] = "2";
    a[storage::kArgGrantExpiresAt] = "3";
    a[storage::kArgRoles] = "system_user";
    a[storage::kArgProps] = "{}";
    a[storage::kArgRefresh] = g.refresh_token;
    a[storage::kArgRedirect] = g.redirect_uri;
    a[storage::kArgScope] = g.scope;
    a[storage::kArgAudience] = "";
    return a;
  };
  const storage::IssueArgs redeem = args(code, s1, g1, std::nullopt);
  const storage::IssueArgs refresh = args(std::nullopt, s2, g2, old.token);
  const std::string sql = storage::IssueBatchSql({&redeem, &refresh});
  auto outcome = [&]() -> std::string {
    std::promise<std::string> p;
    async_->Query(sql, [&](absl::StatusOr<storage::QueryResult> rs) {
      p.set_value(!rs.ok() ? rs.status().ToString() : rs->Next() ? rs->Str(1) : "(no row)");
    });
    return p.get_future().get();
  };
  EXPECT_EQ(outcome(), "ok");
  EXPECT_EQ(outcome(), "split");
  EXPECT_EQ(Count("Sessions", absl::StrCat("UserId IN ('", user, "', '", holder, "')")), 2);
  EXPECT_EQ(TokenOf(client, user), g1.token);
  EXPECT_EQ(TokenOf(client, holder), g2.token);
  // Each exchange alone, as the batcher sends them after a split: OK, and nothing more written.
  EXPECT_TRUE(grants_->RedeemCode(code, s1, g1, std::nullopt).ok());
  EXPECT_TRUE(grants_->IssueToken(s2, g2, old.token).ok());
  EXPECT_EQ(Count("Sessions", absl::StrCat("UserId IN ('", user, "', '", holder, "')")), 2);
  EXPECT_EQ(Count("OAuthAccessData", absl::StrCat("UserId IN ('", user, "', '", holder, "')")), 2);
}

// Reads of one app's codes that wait together share one query, and each finds exactly what it
// finds alone: its code, user and grant, a code nobody holds as absent, the same code twice twice.
// Reads of another app, or of refresh tokens, do not wait for them.
TEST_F(ExchangeBatchTest, ReadsOfOneAppThatWaitTogetherShareOneQueryAndReadWhatTheyWouldAlone) {
  const std::string client = NewId(), other_client = NewId();
  for (const std::string& id : {client, other_client}) {
    db().Exec(
        absl::StrCat("INSERT INTO OAuthApps (Id, CreatorId, CreateAt, UpdateAt, "
                     "ClientSecret, Name, CallbackUrls, Homepage) VALUES ('",
                     id, "', '", NewId(), "', 1, 1, 'secret', 'App', '[]', '')"));
  }
  const std::string alone = NewId(), granted = NewId(), other = NewId();
  const std::string first_code = NewCode(client, alone);
  const AccessDataRow live = Issued(client, granted);
  const std::string granted_code = NewCode(client, granted);
  const std::string other_code = NewCode(other_client, other);
  // What each reads alone (the blocking path, one query each).
  const std::string want_first = Describe(grants_->ReadCodeExchange(client, first_code));
  const std::string want_granted = Describe(grants_->ReadCodeExchange(client, granted_code));
  const std::string want_nope = Describe(grants_->ReadCodeExchange(client, "nope"));
  const std::string want_other = Describe(grants_->ReadCodeExchange(other_client, other_code));
  const std::string want_refresh =
      Describe(grants_->ReadRefreshExchange(client, live.refresh_token));
  ASSERT_NE(want_granted.find("grant=" + live.token), std::string::npos) << want_granted;
  ASSERT_NE(want_nope.find("code=- "), std::string::npos) << want_nope;

  HoldApps();
  ReadResult first = ReadCode(client, first_code);
  ReadResult other_app = ReadCode(other_client, other_code);
  ReadResult refresh = ReadRefresh(client, live.refresh_token);
  // The three lanes' first reads wait on the lock; the next reads of the first lane queue.
  WaitUntilBlocked("SELECT o.Id", 3);
  ReadResult granted_read = ReadCode(client, granted_code);
  ReadResult again = ReadCode(client, first_code);
  ReadResult nope = ReadCode(client, "nope");
  Release();

  EXPECT_EQ(Describe(first), want_first);
  EXPECT_EQ(Describe(other_app), want_other);
  EXPECT_EQ(Describe(refresh), want_refresh);
  EXPECT_EQ(Describe(granted_read), want_granted);
  EXPECT_EQ(Describe(again), want_first);
  EXPECT_EQ(Describe(nope), want_nope);
  const storage::BatchStats stats = grants_->read_batches();
  EXPECT_EQ(stats.batches, 1);
  EXPECT_EQ(stats.batched, 3);
}

}  // namespace
}  // namespace oauthd::testing
