// Path templates, route matching and the route table, on a test-only API (library.proto).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "gateway/http_template.h"
#include "gateway/path_matcher.h"
#include "gateway/route_table.h"

namespace oauthd::gateway {
namespace {

std::string LibraryDescriptors() {
  std::ifstream in(LIBRARY_DESCRIPTORS, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(HttpTemplate, ParsesLiteralsVariablesAndVerbs) {
  auto t = ParseHttpTemplate("/v1/{name=shelves/*/books/*}/pages/{page.number}:publish");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->segments.size(), 7u);
  EXPECT_EQ(t->segments[0].literal, "v1");
  EXPECT_EQ(t->segments[2].kind, HttpTemplate::Kind::kSingle);
  EXPECT_EQ(t->verb, "publish");
  ASSERT_EQ(t->variables.size(), 2u);
  EXPECT_EQ(t->variables[0].field_path, std::vector<std::string>{"name"});
  EXPECT_EQ(t->variables[0].begin, 1);
  EXPECT_EQ(t->variables[0].end, 5);
  EXPECT_EQ(t->variables[1].field_path, (std::vector<std::string>{"page", "number"}));
  auto multi = ParseHttpTemplate("/files/{path=**}");
  ASSERT_TRUE(multi.ok());
  EXPECT_EQ(multi->segments.back().kind, HttpTemplate::Kind::kMulti);
  EXPECT_TRUE(ParseHttpTemplate("/").ok());
  EXPECT_TRUE(ParseHttpTemplate("/.well-known/oauth-authorization-server").ok());
}

TEST(HttpTemplate, RejectsMalformed) {
  for (const char* bad :
       {"", "v1/x", "/v1//x", "/v1/{x", "/v1/{x=}", "/v1/**/x", "/v1/{a={b}}", "/v1/x:", "/{}"}) {
    EXPECT_FALSE(ParseHttpTemplate(bad).ok()) << bad;
  }
}

class MatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Add("GET", "/v1/shelves/{shelf}/books/{book.id}", 0);
    Add("GET", "/v1/shelves/special/books/{book.id}", 1);
    Add("POST", "/v1/shelves/{shelf}/books", 2);
    Add("GET", "/v1/shelves/{shelf}/books", 3);
    Add("GET", "/v1/files/{path=**}", 4);
    Add("POST", "/v1/books/{id}:publish", 5);
  }
  void Add(const char* method, const char* tmpl, int id) {
    m_.Add(method, *ParseHttpTemplate(tmpl), id);
  }
  PathMatcher::Result Match(const char* method, const char* path) {
    allowed_.clear();
    return m_.Match(method, path, &match_, &allowed_);
  }
  PathMatcher m_;
  PathMatch match_;
  std::vector<std::string> allowed_;
};

TEST_F(MatcherTest, BindsVariablesPercentDecoded) {
  ASSERT_EQ(Match("GET", "/v1/shelves/my%20shelf/books/42"), PathMatcher::Result::kMatched);
  EXPECT_EQ(match_.binding, 0);
  ASSERT_EQ(match_.variables.size(), 2u);
  EXPECT_EQ(match_.variables[0], std::make_pair(std::string("shelf"), std::string("my shelf")));
  EXPECT_EQ(match_.variables[1], std::make_pair(std::string("book.id"), std::string("42")));
}

TEST_F(MatcherTest, LiteralBeatsVariable) {
  ASSERT_EQ(Match("GET", "/v1/shelves/special/books/7"), PathMatcher::Result::kMatched);
  EXPECT_EQ(match_.binding, 1);
  ASSERT_EQ(Match("GET", "/v1/shelves/other/books/7"), PathMatcher::Result::kMatched);
  EXPECT_EQ(match_.binding, 0);
}

TEST_F(MatcherTest, NoPathVersusWrongMethod) {
  EXPECT_EQ(Match("GET", "/v1/nothing"), PathMatcher::Result::kNoPath);
  EXPECT_EQ(Match("GET", "/v1/shelves/a/books/"), PathMatcher::Result::kNoPath);  // empty segment
  EXPECT_EQ(Match("DELETE", "/v1/shelves/a/books"), PathMatcher::Result::kWrongMethod);
  std::sort(allowed_.begin(), allowed_.end());
  EXPECT_EQ(allowed_, (std::vector<std::string>{"GET", "POST"}));
  EXPECT_EQ(Match("GET", "/v1/shelves/a%zz/books"), PathMatcher::Result::kNoPath);  // bad escape
  EXPECT_EQ(Match("GET", "relative"), PathMatcher::Result::kNoPath);
}

TEST_F(MatcherTest, MultiSegmentWildcardAndVerb) {
  ASSERT_EQ(Match("GET", "/v1/files/a/b/c.txt"), PathMatcher::Result::kMatched);
  EXPECT_EQ(match_.variables[0].second, "a/b/c.txt");
  ASSERT_EQ(Match("POST", "/v1/books/9:publish"), PathMatcher::Result::kMatched);
  EXPECT_EQ(match_.binding, 5);
  EXPECT_EQ(match_.variables[0].second, "9");
  EXPECT_EQ(Match("POST", "/v1/books/9"), PathMatcher::Result::kNoPath);
}

TEST(RouteTable, BuildsABindingPerRuleIncludingAdditionalBindings) {
  auto table = RouteTable::FromDescriptorSet(LibraryDescriptors());
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ((*table)->bindings().size(), 9u);  // 8 rules + 1 additional binding
  const Binding* b = nullptr;
  PathMatch m;
  std::vector<std::string> allowed;
  ASSERT_EQ((*table)->Match("GET", "/v2/books/5", &b, &m, &allowed), PathMatcher::Result::kMatched);
  EXPECT_EQ(b->grpc_path, "/test.library.v1.Library/GetBook");
  ASSERT_EQ((*table)->Match("GET", "/v1/shelves/s/books", &b, &m, &allowed),
            PathMatcher::Result::kMatched);
  EXPECT_EQ(b->response_body, "books");
  ASSERT_EQ((*table)->Match("PATCH", "/v1/shelves/s/books/b", &b, &m, &allowed),
            PathMatcher::Result::kMatched);
  EXPECT_EQ(b->body, "*");
  EXPECT_EQ(m.variables[0].second, "shelves/s/books/b");
}

TEST(RouteTable, RejectsBadInput) {
  EXPECT_FALSE(RouteTable::FromDescriptorSet("not a descriptor set").ok());
  EXPECT_FALSE(RouteTable::FromDescriptorSet("").ok());  // parses, but has no rules
}

}  // namespace
}  // namespace oauthd::gateway
