// Calling oauthd over gRPC in tests and reading what came back the way a gateway would: the status,
// the error body in the status details, and the response metadata (x-http-code, x-request-id,
// retry-after…).
#ifndef OAUTHD_TESTS_LIB_GRPC_CALL_H_
#define OAUTHD_TESTS_LIB_GRPC_CALL_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <string>

#include "google/api/httpbody.pb.h"
#include "oauthd/v1/errors.pb.h"

namespace oauthd::testing {

struct CallResult {
  grpc::Status status;
  std::multimap<std::string, std::string> metadata;  // initial + trailing
  bool has_app_error = false;
  oauthd::v1::AppError app_error;
  bool has_oauth_error = false;
  oauthd::v1::OAuthError oauth_error;
  bool has_raw_error = false;
  google::api::HttpBody raw_error;

  bool ok() const { return status.ok(); }
  // The HTTP status the REST API answers: x-http-code / 200 on success, the error body's
  // status_code otherwise.
  int http_status() const;
  std::string Header(const std::string& name) const;
  // "code=... id=... message=..." for failure messages.
  std::string Describe() const;
};

// Metadata a test sends: call Metadata().Bearer(token) etc.
struct Metadata {
  std::multimap<std::string, std::string> entries;
  Metadata& Bearer(const std::string& token) { return Add("authorization", "Bearer " + token); }
  Metadata& Add(const std::string& k, const std::string& v) {
    entries.emplace(k, v);
    return *this;
  }
};

// Calls `method` on `stub` with `md`, filling `resp`.
template <typename Stub, typename Req, typename Resp>
CallResult Call(Stub* stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                const Req& req, Resp* resp, const Metadata& md = {});

void FillResult(grpc::ClientContext& ctx, grpc::Status status, CallResult* out);

template <typename Stub, typename Req, typename Resp>
CallResult Call(Stub* stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                const Req& req, Resp* resp, const Metadata& md) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  for (const auto& [k, v] : md.entries) ctx.AddMetadata(k, v);
  CallResult out;
  FillResult(ctx, (stub->*method)(&ctx, req, resp), &out);
  return out;
}

}  // namespace oauthd::testing

// Expects a failed call with a Mattermost AppError of this HTTP status and id.
#define EXPECT_APP_ERROR(result, http, error_id)               \
  do {                                                         \
    const auto& r_ = (result);                                 \
    EXPECT_FALSE(r_.ok());                                     \
    EXPECT_TRUE(r_.has_app_error) << r_.Describe();            \
    EXPECT_EQ(r_.http_status(), (http)) << r_.Describe();      \
    EXPECT_EQ(r_.app_error.id(), (error_id)) << r_.Describe(); \
  } while (0)

// A failure of the token endpoint: Mattermost's AppError and RFC 6749 §5.2's `error` beside it.
#define EXPECT_TOKEN_ERROR(result, http, error_id, oauth_error)                           \
  do {                                                                                    \
    const auto& t_ = (result);                                                            \
    EXPECT_APP_ERROR(t_, http, error_id);                                                 \
    EXPECT_EQ(t_.app_error.error(), (oauth_error)) << t_.Describe();                      \
    EXPECT_EQ(t_.app_error.error_description(), t_.app_error.message()) << t_.Describe(); \
  } while (0)

#endif  // OAUTHD_TESTS_LIB_GRPC_CALL_H_
