// Building request messages and rendering responses and errors, on a test-only API (library.proto):
// nothing here is specific to oauthd's contract.
#include <google/rpc/status.pb.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "gateway/request_builder.h"
#include "gateway/response_renderer.h"
#include "gateway/route_table.h"
#include "library.pb.h"

namespace oauthd::gateway {
namespace {

namespace lib = test::library::v1;

class TranscodingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ifstream in(LIBRARY_DESCRIPTORS, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto t = RouteTable::FromDescriptorSet(ss.str());
    ASSERT_TRUE(t.ok()) << t.status();
    table_ = *std::move(t);
  }

  // Routes and builds; parses the dynamic request into the generated type `T`.
  template <typename T>
  BuildError Build(const std::string& method, const std::string& target, const std::string& body,
                   T* out, const std::string& content_type = "application/json") {
    const size_t q = target.find('?');
    PathMatch match;
    std::vector<std::string> allowed;
    const Binding* b = nullptr;
    EXPECT_EQ(table_->Match(method, target.substr(0, q), &b, &match, &allowed),
              PathMatcher::Result::kMatched)
        << target;
    if (b == nullptr) return {RequestPart::kPath, absl::NotFoundError("no route")};
    binding_ = b;
    auto msg = table_->NewMessage(b->method->input_type());
    BuildError e = BuildRequest(*b, match, q == std::string::npos ? "" : target.substr(q + 1),
                                content_type, body, msg.get());
    out->ParseFromString(msg->SerializeAsString());
    return e;
  }

  // A generated message as the dynamic type of the same name, for rendering.
  std::unique_ptr<google::protobuf::Message> Dynamic(const google::protobuf::Message& m) {
    auto d =
        table_->NewMessage(table_->pool().FindMessageTypeByName(m.GetDescriptor()->full_name()));
    d->ParseFromString(m.SerializeAsString());
    return d;
  }

  std::unique_ptr<RouteTable> table_;
  const Binding* binding_ = nullptr;
};

TEST_F(TranscodingTest, PathVariablesAndQueryParameters) {
  lib::GetBookRequest req;
  auto e = Build(
      "GET",
      "/v1/shelves/fic%2Fnew/books/123?fields=a&fields=b&filter.name=Ann+Lee&limit=5&genre=POETRY"
      "&unknown=1&filter.nope=2&book.id=999&shelf=other",
      "", &req);
  ASSERT_TRUE(e.status.ok()) << e.status;
  EXPECT_EQ(req.shelf(), "fic/new");
  EXPECT_EQ(req.book().id(), 123);  // the query cannot override what the path bound
  EXPECT_EQ(req.fields_size(), 2);
  EXPECT_EQ(req.filter().name(), "Ann Lee");
  EXPECT_EQ(req.limit(), 5);
  EXPECT_EQ(req.genre(), lib::POETRY);
}

TEST_F(TranscodingTest, BadValuesAreAttributedToTheirPart) {
  lib::GetBookRequest req;
  auto path = Build("GET", "/v1/shelves/s/books/notanumber", "", &req);
  EXPECT_EQ(path.part, RequestPart::kPath);
  auto query = Build("GET", "/v1/shelves/s/books/1?limit=lots", "", &req);
  EXPECT_EQ(query.part, RequestPart::kQuery);
  lib::CreateBookRequest create;
  auto body = Build("POST", "/v1/shelves/s/books", "{not json", &create);
  EXPECT_EQ(body.part, RequestPart::kBody);
  auto empty = Build("POST", "/v1/shelves/s/books", "", &create);
  EXPECT_EQ(empty.part, RequestPart::kBody);
}

TEST_F(TranscodingTest, BodyIntoOneFieldLeavesTheQueryForTheRest) {
  lib::CreateBookRequest req;
  auto e = Build("POST", "/v1/shelves/s1/books?validate_only=true&book.title=ignored",
                 R"({"id":"42","title":"Dune","tags":["sf"]})", &req);
  ASSERT_TRUE(e.status.ok()) << e.status;
  EXPECT_EQ(req.shelf(), "s1");
  EXPECT_EQ(req.book().id(), 42);
  EXPECT_EQ(req.book().title(), "Dune");
  EXPECT_TRUE(req.validate_only());
}

TEST_F(TranscodingTest, NullBodyLeavesItsMessageFieldUnsetButEmptyObjectSetsIt) {
  lib::CreateBookRequest null_body;
  ASSERT_TRUE(Build("POST", "/v1/shelves/s1/books", " null\n", &null_body).status.ok());
  EXPECT_FALSE(null_body.has_book());
  EXPECT_EQ(null_body.shelf(), "s1");
  lib::CreateBookRequest empty_object;
  ASSERT_TRUE(Build("POST", "/v1/shelves/s1/books", "{}", &empty_object).status.ok());
  EXPECT_TRUE(empty_object.has_book());
}

TEST_F(TranscodingTest, WholeBodyWithPathWinningAndNoQueryBinding) {
  lib::UpdateBookRequest req;
  auto e = Build("PATCH", "/v1/shelves/a/books/b?title=fromquery",
                 R"({"name":"spoofed","title":"T","id":7})", &req);
  ASSERT_TRUE(e.status.ok()) << e.status;
  EXPECT_EQ(req.name(), "shelves/a/books/b");
  EXPECT_EQ(req.title(), "T");
  EXPECT_EQ(req.id(), 7);
  lib::UpdateBookRequest null_body;
  ASSERT_TRUE(Build("PATCH", "/v1/shelves/a/books/b", "null", &null_body).status.ok());
  EXPECT_EQ(null_body.title(), "");
}

TEST_F(TranscodingTest, HttpBodyCarriesRawBytesAndContentType) {
  lib::UploadRequest req;
  auto e = Build("POST", "/v1/uploads/cover", "grant_type=x&code=y", &req,
                 "application/x-www-form-urlencoded");
  ASSERT_TRUE(e.status.ok()) << e.status;
  EXPECT_EQ(req.kind(), "cover");
  EXPECT_EQ(req.body().content_type(), "application/x-www-form-urlencoded");
  EXPECT_EQ(req.body().data(), "grant_type=x&code=y");
}

TEST_F(TranscodingTest, RendersResponseBodyAsABareArray) {
  lib::GetBookRequest unused;
  Build("GET", "/v1/shelves/s/books", "", &unused);
  lib::ListBooksResponse resp;
  resp.set_next_page_token("never printed");
  resp.add_books()->set_id(1);
  MetadataMap md = {{"x-http-code", "203"}, {"cache-control", "no-store"}, {"grpc-internal", "x"}};
  HttpResponse r = RenderSuccess(*binding_, *Dynamic(resp), md);
  EXPECT_EQ(r.status, 203);
  ASSERT_EQ(r.body.front(), '[');
  EXPECT_EQ(r.body.find("next_page_token"), std::string::npos);
  EXPECT_NE(r.body.find("\"id\":1"), std::string::npos);
  EXPECT_TRUE(r.HasHeader("cache-control"));
  EXPECT_FALSE(r.HasHeader("grpc-internal"));
  lib::ListBooksResponse none;
  EXPECT_EQ(RenderSuccess(*binding_, *Dynamic(none), {}).body, "[]");
}

TEST_F(TranscodingTest, RendersHttpBodyResponsesRaw) {
  lib::FileRequest req;
  Build("GET", "/v1/files/x/y.html", "", &req);
  EXPECT_EQ(req.path(), "x/y.html");
  google::api::HttpBody page;
  page.set_content_type("text/html; charset=utf-8");
  page.set_data("<h1>hi</h1>");
  HttpResponse r = RenderSuccess(*binding_, *Dynamic(page),
                                 {{"x-http-code", "302"}, {"location", "https://x/cb"}});
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.body, "<h1>hi</h1>");
  EXPECT_EQ(r.headers[0].second, "text/html; charset=utf-8");
  EXPECT_TRUE(r.HasHeader("Location"));
}

TEST_F(TranscodingTest, ErrorDetailOfAnyTypeInTheSetWithItsStatusCode) {
  // Any message of the descriptor set can be the error body; this one has no status_code, so the
  // gRPC code decides (NOT_FOUND → 404).
  lib::Author detail;
  detail.set_name("missing");
  google::rpc::Status st;
  st.set_code(5);
  st.add_details()->PackFrom(detail);
  HttpResponse r = RenderFailure(*table_, 5, "nope", st.SerializeAsString(), {}, "rid");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "{\"name\":\"missing\",\"born\":0}");
}

TEST_F(TranscodingTest, ErrorsWithoutDetailFallBackToTheTable) {
  HttpResponse unavailable =
      RenderFailure(*table_, 14, "connection refused 10.0.0.1", "", {}, "rid");
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_EQ(unavailable.body.find("10.0.0.1"), std::string::npos);  // transport text stays out
  EXPECT_NE(unavailable.body.find("\"request_id\":\"rid\""), std::string::npos);
  EXPECT_EQ(RenderFailure(*table_, 4, "", "", {}, "").status, 504);
  EXPECT_EQ(RenderFailure(*table_, 16, "", "", {}, "").status, 401);
  EXPECT_EQ(RenderFailure(*table_, 12, "", "", {}, "").status, 501);
  EXPECT_EQ(RenderFailure(*table_, 13, "", "garbage", {}, "").status, 500);
  EXPECT_EQ(HttpStatusForGrpcCode(8), 429);
  EXPECT_EQ(HttpStatusForGrpcCode(99), 500);
}

}  // namespace
}  // namespace oauthd::gateway
