// Pure functions of storage/: the database URL, Mattermost ids, the CallbackUrls JSON and statement
// splitting.
#include <gtest/gtest.h>

#include <set>

#include "common/mattermost_id.h"
#include "storage/db_url.h"
#include "storage/migrator.h"
#include "storage/string_list_json.h"

namespace oauthd::storage {
namespace {

TEST(DbUrl, ParsesAllParts) {
  auto u = ParseDbUrl("mysql://app:p%40ss@db.example:3307/oauth");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->user, "app");
  EXPECT_EQ(u->password, "p@ss");
  EXPECT_EQ(u->host, "db.example");
  EXPECT_EQ(u->port, 3307);
  EXPECT_EQ(u->database, "oauth");
}

TEST(DbUrl, DefaultsPortAndAllowsEmptyPassword) {
  auto u = ParseDbUrl("mysql://root:@localhost/x");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->port, 3306);
  EXPECT_EQ(u->password, "");
}

TEST(DbUrl, RejectsMalformed) {
  for (const char* bad :
       {"postgres://a:b@h/d", "mysql://h:1/d", "mysql://a:b@h:99999/d", "mysql://a:b@h:1/",
        "mysql://a:b@:1/d", "mysql://a:b@h:x/d", "mysql://a:%zz@h/d", "mysql://a:b@h/d`x"}) {
    EXPECT_FALSE(ParseDbUrl(bad).ok()) << bad;
  }
}

TEST(MattermostId, NewIdIsValidUniqueAndUsesTheAlphabet) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    std::string id = NewId();
    ASSERT_EQ(id.size(), 26u);
    EXPECT_TRUE(IsValidId(id));
    EXPECT_EQ(id.find_first_not_of("ybndrfg8ejkmcpqxot1uwisza345h769"), std::string::npos) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 2000u);
}

TEST(MattermostId, IsValidIdFollowsMattermost) {
  EXPECT_TRUE(IsValidId("abcdefghijklmnopqrstuvwxyz"));
  EXPECT_TRUE(IsValidId("ABCDEFGHIJKLMNOPQRSTUVWX12"));  // never generated, still valid
  EXPECT_FALSE(IsValidId("junk"));
  EXPECT_FALSE(IsValidId("abcdefghijklmnopqrstuvwxy"));
  EXPECT_FALSE(IsValidId("abcdefghijklmnopqrstuvwxyz1"));
  EXPECT_FALSE(IsValidId("abcdefghijklmnopqrstuvwxy-"));
}

TEST(StringListJson, RoundTripsEscapes) {
  std::vector<std::string> in = {"https://a/cb?x=\"1\"", "back\\slash", "tab\there", "ünï", ""};
  auto out = DecodeStringList(EncodeStringList(in));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, in);
}

TEST(StringListJson, ReadsWhatGoWrites) {
  auto out = DecodeStringList(R"([ "https://x/\u0026y" , "a\/b", "\ud83d\ude00" ])");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, (std::vector<std::string>{"https://x/&y", "a/b", "\xF0\x9F\x98\x80"}));
  EXPECT_TRUE(DecodeStringList("").ok());
  EXPECT_TRUE(DecodeStringList("null")->empty());
  EXPECT_TRUE(DecodeStringList("[]")->empty());
}

TEST(StringListJson, RejectsGarbage) {
  for (const char* bad : {"[", "[\"a\"", "[\"a\",]", "{}", "[1]", "[\"\\q\"]"}) {
    EXPECT_FALSE(DecodeStringList(bad).ok()) << bad;
  }
}

TEST(SplitStatements, SplitsAtLineEndingSemicolonsAndDropsComments) {
  auto stmts = SplitStatements(
      "-- comment\nCREATE TABLE a (x int);\n\nINSERT INTO a VALUES (';');\n  -- x\nDO 1");
  ASSERT_EQ(stmts.size(), 3u);
  EXPECT_EQ(stmts[0], "CREATE TABLE a (x int)");
  EXPECT_EQ(stmts[1], "INSERT INTO a VALUES (';')");
  EXPECT_EQ(stmts[2], "DO 1\n");
}

}  // namespace
}  // namespace oauthd::storage

namespace oauthd {
namespace {

TEST(MattermostId, RequestIdsAreValidAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    std::string id = NewRequestId();
    ASSERT_TRUE(IsValidId(id)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 2000u);
}

}  // namespace
}  // namespace oauthd
