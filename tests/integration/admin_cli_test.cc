// The real `oauthd` binary's admin commands against the private MariaDB.
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/mattermost_id.h"
#include "storage/identity_store.h"
#include "tests/lib/test_database.h"
#include "tests/lib/test_env.h"

namespace oauthd::testing {
namespace {

class AdminCliTest : public DbTest {
 protected:
  int Oauthd(const std::string& args, std::string* out) {
    out->clear();
    return RunCommand(
        absl::StrCat("OAUTHD_DB='", db().url(), "' ", BinDir(), "/oauthd ", args, " 2>&1"), out);
  }
};

TEST_F(AdminCliTest, UserAndSessionCreateWorkTogether) {
  std::string out;
  ASSERT_EQ(
      Oauthd(
          "user create --username=admin1 --email=a1@example.com --roles='system_user system_admin'",
          &out),
      0)
      << out;
  const std::string id(absl::StripAsciiWhitespace(out));
  ASSERT_TRUE(IsValidId(id)) << out;
  ASSERT_EQ(Oauthd("session create --user=" + id + " --expires-in=1h", &out), 0) << out;
  const std::string token(absl::StripAsciiWhitespace(out));
  ASSERT_TRUE(IsValidId(token)) << out;

  storage::IdentityStore identity(&db().pool());
  auto session = identity.GetSessionByToken(token);
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(session->user_id, id);
  EXPECT_EQ(session->roles, "system_user system_admin");
  EXPECT_NEAR(static_cast<double>(session->expires_at - session->create_at), 3600000.0, 1000.0);
  EXPECT_NE(session->props_json.find("\"csrf\""), std::string::npos);
}

TEST_F(AdminCliTest, ClearErrorsForBadInput) {
  std::string out;
  EXPECT_EQ(Oauthd("user create --username=x --email=a@b", &out), 2);
  EXPECT_NE(out.find("--username"), std::string::npos) << out;
  EXPECT_EQ(Oauthd("user create --username=bob --email=b@x --roles=no_such_role", &out), 1);
  EXPECT_NE(out.find("no role named \"no_such_role\""), std::string::npos) << out;
  EXPECT_EQ(Oauthd("session create --user=" + NewId(), &out), 1);
  EXPECT_NE(out.find("no user"), std::string::npos) << out;
  EXPECT_EQ(Oauthd("session create --user=junk", &out), 2);
  EXPECT_EQ(Oauthd("role grant system_user", &out), 2);
  EXPECT_EQ(Oauthd("role grant nosuchrole manage_oauth", &out), 1);
  EXPECT_EQ(Oauthd("frobnicate", &out), 2);
  ASSERT_EQ(Oauthd("user create --username=carol --email=c@x", &out), 0) << out;
  EXPECT_EQ(Oauthd("user create --username=carol --email=c2@x", &out), 1);
  EXPECT_NE(out.find("already taken"), std::string::npos) << out;
}

TEST_F(AdminCliTest, RoleGrantAndRevokeAreIdempotent) {
  std::string out;
  storage::IdentityStore identity(&db().pool());
  // What the role held before (nothing on oauthd's own database; Mattermost's list on its).
  const std::string before = identity.GetRoleByName("system_user")->permissions;
  ASSERT_EQ(Oauthd("role grant system_user manage_oauth", &out), 0) << out;
  ASSERT_EQ(Oauthd("role grant system_user manage_oauth", &out), 0) << out;
  EXPECT_EQ(identity.GetRoleByName("system_user")->permissions,
            before.empty() ? "manage_oauth" : before + " manage_oauth");
  ASSERT_EQ(Oauthd("role revoke system_user manage_oauth", &out), 0) << out;
  ASSERT_EQ(Oauthd("role revoke system_user manage_oauth", &out), 0) << out;
  EXPECT_EQ(identity.GetRoleByName("system_user")->permissions, before);
}

TEST_F(AdminCliTest, EveryCommandHasHelp) {
  std::string out;
  for (const char* cmd :
       {"--help", "serve --help", "migrate --help", "user create --help", "session create --help",
        "role grant --help", "role revoke --help", "app resource-server --help",
        "secrets rotate --help", "secrets new-key --help"}) {
    EXPECT_EQ(Oauthd(cmd, &out), 0) << cmd;
    EXPECT_NE(out.find("Usage: oauthd"), std::string::npos) << cmd << ": " << out;
  }
  EXPECT_EQ(RunCommand(BinDir() + "/oauthd-gateway --help", &out), 0);
  EXPECT_NE(out.find("--upstream"), std::string::npos);
  EXPECT_NE(out.find("--response-cache-entries"), std::string::npos);
}

TEST_F(AdminCliTest, AppResourceServerSetsAndClearsTheMark) {
  std::string out;
  db().Exec("INSERT INTO OAuthApps (Id, Name) VALUES ('cliapp0000000000000000000a', 'cli')");
  ASSERT_EQ(Oauthd("app resource-server cliapp0000000000000000000a on", &out), 0) << out;
  EXPECT_EQ(db().QueryInt("SELECT IsResourceServer FROM OAuthdApps WHERE AppId = "
                          "'cliapp0000000000000000000a'"),
            1);
  ASSERT_EQ(Oauthd("app resource-server cliapp0000000000000000000a off", &out), 0) << out;
  EXPECT_EQ(db().QueryInt("SELECT IsResourceServer FROM OAuthdApps WHERE AppId = "
                          "'cliapp0000000000000000000a'"),
            0);
  EXPECT_EQ(Oauthd("app resource-server cliapp0000000000000000000a maybe", &out), 2);
  EXPECT_EQ(Oauthd("app resource-server nosuchapp00000000000000000 on", &out), 1);
}

TEST_F(AdminCliTest, ServeAndGatewayRejectBadSettingsWithExitCode2) {
  std::string out;
  for (const auto& [flags, message] : std::vector<std::pair<std::string, std::string>>{
           {"--cache-entries=0", "--cache-entries must be at least 1"},
           {"--metadata-max-age=-1s", "bad value \"-1s\" for --metadata-max-age"},
           {"--db-pool-size=0", "--db-pool-size must be at least 1"},
       }) {
    EXPECT_EQ(Oauthd("serve " + flags, &out), 2) << flags;
    EXPECT_NE(out.find(message), std::string::npos) << flags << ": " << out;
  }
  EXPECT_EQ(RunCommand(BinDir() + "/oauthd-gateway --response-cache-entries=-1 2>&1", &out), 2);
  EXPECT_NE(out.find("--response-cache-entries must be 0 or more"), std::string::npos) << out;
}

}  // namespace
}  // namespace oauthd::testing
