// Tokens stay single-use when clients race: the same refresh token or code sent several times at
// the same instant, through one oauthd or through two on the same database, is honoured exactly
// once; every pair the grant ever issued dies with a deauthorization; and no OAuth session is left
// that its access data does not name (such a session would outlive the user's revocation).
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/mattermost_id.h"
#include "tests/lib/flow_fixture.h"

namespace oauthd::testing {
namespace {

using oauthd::v1::AccessTokenResponse;
using oauthd::v1::Authorization;
using oauthd::v1::OAuthApp;

constexpr int kRacers = 8;
constexpr int kRounds = 10;

struct Outcome {
  CallResult result;
  AccessTokenResponse token;
};

class TokenRaceTest : public FlowTest {
 protected:
  // Runs fn(i, &outcome) on `n` threads released at the same moment.
  template <typename Fn>
  std::vector<Outcome> Together(int n, Fn fn) {
    std::vector<Outcome> out(n);
    std::mutex mu;
    std::condition_variable cv;
    bool go = false;
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        {
          std::unique_lock<std::mutex> lock(mu);
          cv.wait(lock, [&] { return go; });
        }
        fn(i, &out[i]);
      });
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      go = true;
    }
    cv.notify_all();
    for (auto& t : threads) t.join();
    return out;
  }

  // The one winner of a race; every loser must have been refused as invalid_grant.
  const Outcome& OneWinner(const std::vector<Outcome>& outcomes) {
    const Outcome* winner = nullptr;
    int wins = 0;
    for (const Outcome& o : outcomes) {
      if (o.result.ok()) {
        ++wins;
        winner = &o;
      } else {
        EXPECT_EQ(o.result.app_error.error(), "invalid_grant") << o.result.Describe();
      }
    }
    EXPECT_EQ(wins, 1);
    static const Outcome kNone;
    return winner ? *winner : kNone;
  }

  // The invariant the races must keep: the user holds exactly one OAuth session for the app, and
  // it is the one the access data names.
  void ExpectOneSessionNamedByTheGrant(const SeededUser& who, const OAuthApp& app) {
    EXPECT_EQ(db().QueryInt(absl::StrCat("SELECT COUNT(*) FROM Sessions WHERE IsOAuth = 1 AND "
                                         "UserId = '",
                                         who.id, "'")),
              1);
    EXPECT_EQ(db().QueryInt(absl::StrCat("SELECT COUNT(*) FROM Sessions s JOIN OAuthAccessData a "
                                         "ON a.Token = s.Token WHERE a.ClientId = '",
                                         app.id(), "' AND a.UserId = '", who.id, "'")),
              1);
  }

  // Refresh races of `rounds` rounds, each round's racers spread over `flows`; returns every pair
  // a winner got.
  std::vector<AccessTokenResponse> RefreshRaces(const OAuthApp& app, AccessTokenResponse current,
                                                const std::vector<Authorization::Stub*>& flows,
                                                int rounds = kRounds) {
    std::vector<AccessTokenResponse> issued = {current};
    for (int round = 0; round < rounds && !HasFailure(); ++round) {
      const std::string rt = current.refresh_token();
      auto outcomes = Together(kRacers, [&](int i, Outcome* o) {
        o->result = Refresh(app, rt, &o->token, flows[i % flows.size()]);
      });
      current = OneWinner(outcomes).token;
      issued.push_back(current);
      ExpectOneSessionNamedByTheGrant(user_, app);
      // The winner's pair works; the spent one does not.
      EXPECT_EQ(UseToken(current.access_token()), 200) << "round " << round;
      EXPECT_EQ(UseToken(issued[issued.size() - 2].access_token()), 401) << "round " << round;
    }
    return issued;
  }
};

TEST_F(TokenRaceTest, ConcurrentRefreshesOfOneTokenThroughOneServerSucceedOnce) {
  OAuthApp app = NewApp();
  AccessTokenResponse first;
  ASSERT_TRUE(CodeToken(app, Code(Request(app), user_), &first).ok());
  RefreshRaces(app, first, {flow_.get()});
}

TEST_F(TokenRaceTest, ConcurrentRefreshesThroughTwoServersSucceedOnce) {
  auto second = StartServer({});
  auto second_flow = Authorization::NewStub(
      grpc::CreateChannel(second->target(), grpc::InsecureChannelCredentials()));
  OAuthApp app = NewApp();
  AccessTokenResponse first;
  ASSERT_TRUE(CodeToken(app, Code(Request(app), user_), &first).ok());
  RefreshRaces(app, first, {flow_.get(), second_flow.get()});
}

TEST_F(TokenRaceTest, EveryPairEverIssuedDiesWithDeauthorize) {
  OAuthApp app = NewApp();
  AccessTokenResponse first;
  ASSERT_TRUE(CodeToken(app, Code(Request(app), user_), &first).ok());
  auto issued = RefreshRaces(app, first, {flow_.get()}, 4);
  // A session the old code could leave behind (an OAuth session of this app that no access data
  // names): deauthorizing must reach it too.
  const std::string orphan = NewId();
  db().Exec(absl::StrCat(
      "INSERT INTO Sessions (Id, Token, CreateAt, ExpiresAt, LastActivityAt, UserId, DeviceId, "
      "Roles, IsOAuth, ExpiredNotify, Props) VALUES ('",
      NewId(), "', '", orphan, "', 1, 0, 1, '", user_.id, "', '', 'system_user', 1, 0, ",
      "'{\"oauth_app_id\":\"", app.id(), "\"}')"));
  ASSERT_EQ(UseToken(orphan), 200);
  // Another app's session of the same user stays.
  OAuthApp other = NewApp();
  AccessTokenResponse other_token;
  ASSERT_TRUE(CodeToken(other, Code(Request(other), user_), &other_token).ok());

  auto r = Deauthorize(user_, app.id());
  ASSERT_TRUE(r.ok()) << r.Describe();
  for (const auto& pair : issued) {
    EXPECT_EQ(UseToken(pair.access_token()), 401);
    EXPECT_TOKEN_ERROR(Refresh(app, pair.refresh_token()), 404,
                       "api.oauth.get_access_token.refresh_token.app_error", "invalid_grant");
  }
  EXPECT_EQ(UseToken(orphan), 401);
  EXPECT_EQ(UseToken(other_token.access_token()), 200);
}

TEST_F(TokenRaceTest, ConcurrentRedemptionsOfOneCodeSucceedOnce) {
  OAuthApp app = NewApp();
  for (int round = 0; round < kRounds && !HasFailure(); ++round) {
    const std::string code = Code(Request(app), manager_);
    auto outcomes =
        Together(kRacers, [&](int, Outcome* o) { o->result = CodeToken(app, code, &o->token); });
    const Outcome& winner = OneWinner(outcomes);
    EXPECT_EQ(UseToken(winner.token.access_token()), 200);
    ExpectOneSessionNamedByTheGrant(manager_, app);
  }
}

// Several codes of one user for one app, redeemed at once: each is a valid code, so each gets a
// token; they share the one grant (Mattermost's one access-data row per user and app), so every
// answer carries the same, live token and no extra session is left behind.
TEST_F(TokenRaceTest, ConcurrentCodesOfOneUserShareOneGrant) {
  OAuthApp app = NewApp();
  std::vector<std::string> codes;
  for (int i = 0; i < kRacers; ++i) codes.push_back(Code(Request(app), manager_));
  auto outcomes = Together(
      kRacers, [&](int i, Outcome* o) { o->result = CodeToken(app, codes[i], &o->token); });
  std::set<std::string> tokens;
  for (const Outcome& o : outcomes) {
    EXPECT_TRUE(o.result.ok()) << o.result.Describe();
    tokens.insert(o.token.access_token());
  }
  EXPECT_EQ(tokens.size(), 1u);
  EXPECT_EQ(UseToken(*tokens.begin()), 200);
  ExpectOneSessionNamedByTheGrant(manager_, app);
}

// A refresh token presented after it was rotated is spent: invalid_grant, and nothing changes. The
// grant is not revoked (docs/api.md, "The token endpoint": Mattermost hands one grant per user and
// app to every device, so an old token is no evidence of theft).
TEST_F(TokenRaceTest, ReplayedRefreshTokenIsRefusedAndChangesNothing) {
  OAuthApp app = NewApp();
  AccessTokenResponse first, second;
  ASSERT_TRUE(CodeToken(app, Code(Request(app), user_), &first).ok());
  ASSERT_TRUE(Refresh(app, first.refresh_token(), &second).ok());
  for (int i = 0; i < 3; ++i) {
    EXPECT_TOKEN_ERROR(Refresh(app, first.refresh_token()), 404,
                       "api.oauth.get_access_token.refresh_token.app_error", "invalid_grant");
  }
  EXPECT_EQ(UseToken(second.access_token()), 200);
  AccessTokenResponse third;
  EXPECT_TRUE(Refresh(app, second.refresh_token(), &third).ok());
  ExpectOneSessionNamedByTheGrant(user_, app);
}

}  // namespace
}  // namespace oauthd::testing
