// Decoding a JSON request body that travelled undecoded (google.api.HttpBody) into a message,
// leniently like Go's encoding/json: unknown keys ignored, `null` is the zero message.
#ifndef OAUTHD_SERVER_APP_JSON_BODY_H_
#define OAUTHD_SERVER_APP_JSON_BODY_H_

#include <google/protobuf/message.h>

#include "absl/status/status.h"
#include "google/api/httpbody.pb.h"

namespace oauthd::app {

// INVALID_ARGUMENT with the parser's complaint when the body is not a JSON object of the message's
// shape.
absl::Status DecodeJsonBody(const google::api::HttpBody& body, google::protobuf::Message* out);

}  // namespace oauthd::app

#endif  // OAUTHD_SERVER_APP_JSON_BODY_H_
