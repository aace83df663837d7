// The JSON ⇄ protobuf codec of common/ on a test-only message: the wire rules of
// design/architecture.md.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <limits>

#include "common/json_reader.h"
#include "common/json_writer.h"
#include "library.pb.h"

namespace oauthd {
namespace {

using test::library::v1::Book;

std::string Json(const google::protobuf::Message& m) {
  std::string out;
  WriteJson(m, &out);
  return out;
}

TEST(JsonWriter, Int64ExtremesAreNumbers) {
  Book b;
  b.set_id(std::numeric_limits<int64_t>::min());
  b.set_big(std::numeric_limits<uint64_t>::max());
  b.add_ratings(std::numeric_limits<int64_t>::max());
  const std::string j = Json(b);
  EXPECT_NE(j.find("\"id\":-9223372036854775808,"), std::string::npos) << j;
  EXPECT_NE(j.find("\"big\":18446744073709551615,"), std::string::npos) << j;
  EXPECT_NE(j.find("\"ratings\":[9223372036854775807]"), std::string::npos) << j;
}

TEST(JsonWriter, PlainFieldsAlwaysPresenceFieldsOnlyWhenSet) {
  Book b;
  EXPECT_EQ(
      Json(b),
      "{\"id\":0,\"big\":0,\"small\":0,\"price\":0,\"in_stock\":false,\"title\":\"\",\"tags\":[],"
      "\"editors\":[],\"counts\":{},\"genre\":\"GENRE_UNSPECIFIED\",\"cover\":\"\",\"ratings\":[]"
      "}");
  b.set_subtitle("");  // set to the default: still printed (presence, not value)
  b.set_signed_copy(false);
  b.mutable_author();
  const std::string j = Json(b);
  EXPECT_NE(j.find("\"subtitle\":\"\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"signed_copy\":false"), std::string::npos) << j;
  EXPECT_NE(j.find("\"author\":{\"name\":\"\",\"born\":0}"), std::string::npos) << j;
}

TEST(JsonWriter, NestedRepeatedMapsEnumsBytesDoubles) {
  Book b;
  b.set_price(12.5);
  b.set_genre(test::library::v1::POETRY);
  b.set_cover("\x01\x02\xff");
  (*b.mutable_counts())["sold"] = 3;
  b.add_editors()->set_name("Ann");
  b.add_editors()->set_born(1990);
  const std::string j = Json(b);
  EXPECT_NE(j.find("\"price\":12.5"), std::string::npos) << j;
  EXPECT_NE(j.find("\"genre\":\"POETRY\""), std::string::npos);
  EXPECT_NE(j.find("\"cover\":\"AQL/\""), std::string::npos);
  EXPECT_NE(j.find("\"counts\":{\"sold\":3}"), std::string::npos);
  EXPECT_NE(j.find("\"editors\":[{\"name\":\"Ann\",\"born\":0},{\"name\":\"\",\"born\":1990}]"),
            std::string::npos);
}

TEST(JsonWriter, EscapesLikeGo) {
  Book b;
  b.set_title("a\"b\\c\n<&>\x01 \xE2\x80\xA8 ü");
  EXPECT_NE(Json(b).find(R"("title":"a\"b\\c\n\u003c\u0026\u003e\u0001 \u2028 ü")"),
            std::string::npos)
      << Json(b);
}

TEST(JsonWriter, OutputParsesWithProtobufsOwnParser) {
  Book b;
  b.set_id(-5);
  b.set_title("x");
  b.add_tags("t");
  b.set_subtitle("s");
  b.mutable_author()->set_name("n");
  Book back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(Json(b), &back).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(b, back));
}

TEST(JsonReader, KeysMatchExactlyJsonNameOrCaseInsensitively) {
  Book b;
  ASSERT_TRUE(
      ReadJson(
          R"({"TITLE":"a","inStock":true,"Small":3,"unknown":{"deep":[1,{"x":null}]},"tags":["x"]})",
          &b)
          .ok());
  EXPECT_EQ(b.title(), "a");
  EXPECT_TRUE(b.in_stock());
  EXPECT_EQ(b.small(), 3);
  EXPECT_EQ(b.tags_size(), 1);
}

TEST(JsonReader, NullsAndTrailingData) {
  Book b;
  EXPECT_TRUE(ReadJson("null", &b).ok());
  EXPECT_TRUE(ReadJson(R"({"title":null,"author":null,"tags":null,"subtitle":null})", &b).ok());
  EXPECT_FALSE(b.has_author());
  EXPECT_FALSE(b.has_subtitle());
  EXPECT_TRUE(
      ReadJson(R"({"title":"first"} {"title":"second"} garbage)", &b).ok());  // first value only
  EXPECT_EQ(b.title(), "first");
}

TEST(JsonReader, NumbersIncludingExtremesAndQuotedInt64) {
  Book b;
  ASSERT_TRUE(
      ReadJson(R"({"id":-9223372036854775808,"big":18446744073709551615,"ratings":[1,"2",3e2]})",
               &b)
          .ok());
  EXPECT_EQ(b.id(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(b.big(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(b.ratings_size(), 3);
  EXPECT_EQ(b.ratings(2), 300);
  EXPECT_FALSE(ReadJson(R"({"id":9223372036854775808})", &b).ok());
  EXPECT_FALSE(ReadJson(R"({"small":1.5})", &b).ok());
  EXPECT_FALSE(ReadJson(R"({"small":2147483648})", &b).ok());
}

// An exponent form is parsed as a double, and a double cannot hold INT64_MAX: 922337203685477580e1
// rounds to exactly 2^63 (found by json_codec_fuzz). Every end of every integer range, in and out.
TEST(JsonReader, ExponentFormsStopAtEachIntegerRangesEnds) {
  Book b;
  EXPECT_FALSE(ReadJson(R"({"id":922337203685477580e1})", &b).ok());
  EXPECT_FALSE(ReadJson(R"({"id":9.2233720368547758e18})", &b).ok());
  EXPECT_FALSE(ReadJson(R"({"id":-9.223372036854777e18})", &b).ok());
  ASSERT_TRUE(ReadJson(R"({"id":-9.223372036854775808e18})", &b).ok());
  EXPECT_EQ(b.id(), std::numeric_limits<int64_t>::min());
  ASSERT_TRUE(
      ReadJson(R"({"id":9.223372036854774784e18})", &b).ok());  // the largest double below 2^63
  EXPECT_EQ(b.id(), 9223372036854774784);
  EXPECT_FALSE(ReadJson(R"({"big":1.8446744073709551615e19})", &b).ok());
  EXPECT_FALSE(ReadJson(R"({"big":-1e0})", &b).ok());
  EXPECT_FALSE(ReadJson(R"({"small":2.147483648e9})", &b).ok());
  ASSERT_TRUE(ReadJson(R"({"small":2.147483647e9})", &b).ok());
  EXPECT_EQ(b.small(), std::numeric_limits<int32_t>::max());
  ASSERT_TRUE(ReadJson(R"({"small":-2.147483648e9})", &b).ok());
  EXPECT_EQ(b.small(), std::numeric_limits<int32_t>::min());
  EXPECT_FALSE(ReadJson(R"({"small":1e400})", &b).ok());
}

TEST(JsonReader, TypeMismatchesAndMalformedJsonAreErrors) {
  Book b;
  for (const char* bad :
       {"", "{", "{\"title\":}", "{\"title\":1}", "{\"tags\":\"x\"}", "{\"in_stock\":\"yes\"}",
        "{\"author\":[]}", "[1]", "{\"title\":\"a\",}", "{'title':'a'}", "{\"id\":01}",
        "{\"genre\":\"NOPE\"}", "{\"cover\":\"***\"}", "{\"title\":\"\x01\"}"}) {
    EXPECT_FALSE(ReadJson(bad, &b).ok()) << bad;
  }
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "{\"x\":";
  EXPECT_FALSE(ReadJson(deep, &b).ok());
}

TEST(JsonReader, EnumsMapsBytesAndEscapes) {
  Book b;
  ASSERT_TRUE(
      ReadJson(
          R"({"genre":"FICTION","counts":{"a":1,"b":"2"},"cover":"AQL/","title":"\u00fc\ud83d\ude00\n"})",
          &b)
          .ok());
  EXPECT_EQ(b.genre(), test::library::v1::FICTION);
  EXPECT_EQ(b.counts().at("b"), 2);
  EXPECT_EQ(b.cover(), "\x01\x02\xff");
  EXPECT_EQ(b.title(), "ü\xF0\x9F\x98\x80\n");
  ASSERT_TRUE(ReadJson(R"({"genre":2})", &b).ok());
  EXPECT_EQ(b.genre(), test::library::v1::POETRY);
}

TEST(JsonCodec, RoundTrip) {
  Book b;
  b.set_id(1700000000000);
  b.set_title("t & <x>");
  b.add_tags("a");
  b.set_subtitle("s");
  b.mutable_author()->set_name("n");
  b.set_genre(test::library::v1::FICTION);
  Book back;
  ASSERT_TRUE(ReadJson(Json(b), &back).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(b, back)) << Json(back);
}

}  // namespace
}  // namespace oauthd
