#include "common/flag_set.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace oauthd {
namespace {

TEST(FlagSet, ParsesBothFormsAndPositionals) {
  std::string s = "def";
  bool b = false;
  int n = 1;
  absl::Duration d = absl::Seconds(1);
  FlagSet f("OAUTHD_T1_", "usage\n");
  f.String("some-name", &s, "a string");
  f.Bool("flag", &b, "a bool");
  f.Int("count", &n, "an int");
  f.Duration("ttl", &d, "a duration");
  std::vector<std::string> pos;
  ASSERT_TRUE(
      f.Parse({"grant", "--some-name", "x y", "--flag", "--count=7", "--ttl=720h", "last"}, &pos)
          .ok());
  EXPECT_EQ(s, "x y");
  EXPECT_TRUE(b);
  EXPECT_EQ(n, 7);
  EXPECT_EQ(d, absl::Hours(720));
  EXPECT_EQ(pos, (std::vector<std::string>{"grant", "last"}));
  EXPECT_TRUE(f.IsSet("flag"));
}

TEST(FlagSet, EnvironmentIsTheFallbackAndTheCommandLineWins) {
  setenv("OAUTHD_T2_DB_URL", "from-env", 1);
  setenv("OAUTHD_T2_OTHER", "env-other", 1);
  std::string db, other;
  FlagSet f("OAUTHD_T2_", "");
  f.String("db-url", &db, "");
  f.String("other", &other, "");
  std::vector<std::string> pos;
  ASSERT_TRUE(f.Parse({"--other=cli"}, &pos).ok());
  EXPECT_EQ(db, "from-env");
  EXPECT_EQ(other, "cli");
  unsetenv("OAUTHD_T2_DB_URL");
  unsetenv("OAUTHD_T2_OTHER");
}

TEST(FlagSet, ClearErrors) {
  int n = 0;
  bool b = false;
  FlagSet f("OAUTHD_T3_", "");
  f.Int("n", &n, "");
  f.Bool("b", &b, "");
  std::vector<std::string> pos;
  EXPECT_NE(f.Parse({"--nope"}, &pos).message().find("unknown flag --nope"), std::string::npos);
  EXPECT_NE(f.Parse({"--n=x"}, &pos).message().find("bad value"), std::string::npos);
  EXPECT_NE(f.Parse({"--n"}, &pos).message().find("needs a value"), std::string::npos);
  EXPECT_FALSE(f.Parse({"--b=maybe"}, &pos).ok());
  setenv("OAUTHD_T3_N", "seven", 1);
  EXPECT_NE(f.Parse({}, &pos).message().find("OAUTHD_T3_N"), std::string::npos);
  unsetenv("OAUTHD_T3_N");
}

TEST(FlagSet, HelpListsEveryFlagWithDefaultAndVariable) {
  std::string s = "abc";
  FlagSet f("OAUTHD_", "Usage: x\n");
  f.String("grpc-listen", &s, "where to listen");
  std::vector<std::string> pos;
  ASSERT_TRUE(f.Parse({"--help"}, &pos).ok());
  EXPECT_TRUE(f.help_requested());
  const std::string help = f.Help();
  EXPECT_NE(help.find("--grpc-listen"), std::string::npos);
  EXPECT_NE(help.find("where to listen"), std::string::npos);
  EXPECT_NE(help.find("\"abc\""), std::string::npos);
  EXPECT_NE(help.find("OAUTHD_GRPC_LISTEN"), std::string::npos);
}

}  // namespace
}  // namespace oauthd
