// Pure functions of storage/: the database URL, Mattermost ids, the CallbackUrls JSON and statement
// splitting.
#include <gtest/gtest.h>

#include <set>

#include "common/mattermost_id.h"
#include "storage/connection_pool.h"
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

TEST(DbUrl, SeveralServersOfOneCluster) {
  auto u = ParseDbUrl("mysql://app:pw@n1:3307,n2,n3:3309/oauth");
  ASSERT_TRUE(u.ok()) << u.status();
  ASSERT_EQ(u->hosts.size(), 3u);
  EXPECT_EQ(u->hosts[0].host, "n1");
  EXPECT_EQ(u->hosts[0].port, 3307);
  EXPECT_EQ(u->hosts[1].host, "n2");
  EXPECT_EQ(u->hosts[1].port, 3306);
  EXPECT_EQ(u->hosts[2].port, 3309);
  EXPECT_EQ(u->host, "n1");
  EXPECT_EQ(u->database, "oauth");
  for (const char* bad : {"mysql://a:b@n1,/d", "mysql://a:b@,n2/d", "mysql://a:b@n1,n2:x/d"}) {
    EXPECT_FALSE(ParseDbUrl(bad).ok()) << bad;
  }
}

// A server that failed is passed over until its time is up; with every one down, they are tried in
// turn rather than not at all.
TEST(DbHosts, PassesOverAFailedServerForAWhile) {
  DbHosts hosts({{"n1", 1}, {"n2", 2}, {"n3", 3}}, absl::Milliseconds(300));
  EXPECT_EQ(hosts.Pick(), 0u);
  hosts.MarkDown(0);
  EXPECT_EQ(hosts.Pick(), 1u);
  hosts.MarkDown(1);
  EXPECT_EQ(hosts.Pick(), 2u);
  hosts.MarkDown(2);
  std::set<size_t> tried;
  for (int i = 0; i < 3; ++i) tried.insert(hosts.Pick());
  EXPECT_EQ(tried.size(), 3u);
  absl::SleepFor(absl::Milliseconds(350));
  EXPECT_EQ(hosts.Pick(), 0u);
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

TEST(SplitStatements, FollowsDelimiterLinesForProcedureBodies) {
  auto stmts = SplitStatements(
      "DO 1;\nDELIMITER $$\nCREATE PROCEDURE p()\nBEGIN\n  DO 2;\n  DO 3;\nEND $$\nDELIMITER ;\nDO "
      "4;");
  ASSERT_EQ(stmts.size(), 3u);
  EXPECT_EQ(stmts[0], "DO 1");
  EXPECT_EQ(stmts[1], "CREATE PROCEDURE p()\nBEGIN\n  DO 2;\n  DO 3;\nEND ");
  EXPECT_EQ(stmts[2], "DO 4");
}

}  // namespace
}  // namespace oauthd::storage

namespace oauthd {
namespace {

// A SQL error in a log names the statement by verb and table, from our own SQL, never a value.
TEST(SqlErrors, NameTheStatementAndNeverAValue) {
  using storage::DescribeSqlError;
  using storage::StatementName;
  EXPECT_EQ(
      StatementName("SELECT o.Id, o.Name FROM OAuthApps o LEFT JOIN OAuthdApps x ON x.AppId = "
                    "o.Id WHERE o.Id = 'hkw3sepb8fgytkwrmn4w5cdmbr'"),
      "SELECT OAuthApps");
  EXPECT_EQ(StatementName("UPDATE OAuthAccessData SET Token = ? WHERE ClientId = ?"),
            "UPDATE OAuthAccessData");
  EXPECT_EQ(StatementName("insert into OAuthdApps (AppId) values (?)"), "INSERT OAuthdApps");
  EXPECT_EQ(StatementName("DELETE d, x FROM OAuthAuthData d LEFT JOIN OAuthdAuthData x ON x.Code"),
            "DELETE OAuthAuthData");
  EXPECT_EQ(StatementName("CREATE TABLE IF NOT EXISTS OAuthdApps (\n AppId varchar(26))"),
            "CREATE OAuthdApps");
  EXPECT_EQ(StatementName("START TRANSACTION"), "START TRANSACTION");
  EXPECT_EQ(DescribeSqlError(1054, "42S22", "Unknown column 'o.IconURL' in 'field list'",
                             "SELECT o.IconURL FROM OAuthApps o WHERE o.Id = ?"),
            "MySQL error 1054 (42S22) in SELECT OAuthApps: Unknown column 'o.IconURL' in 'field "
            "list'");
  // A duplicate key's text quotes the value: left out.
  EXPECT_EQ(DescribeSqlError(1062, "23000", "Duplicate entry 'secretvalue' for key 'PRIMARY'",
                             "INSERT INTO OAuthAuthData (Code) VALUES (?)"),
            "MySQL error 1062 (23000) in INSERT OAuthAuthData: duplicate key");
  // So is any text not known to name identifiers only.
  EXPECT_EQ(DescribeSqlError(1366, "22007", "Incorrect string value: '\\xF0\\x9F' for column",
                             "UPDATE Users SET Nickname = ?"),
            "MySQL error 1366 (22007) in UPDATE Users");
}

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
