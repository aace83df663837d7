#include "server/app/json_body.h"

#include "absl/strings/ascii.h"
#include "common/json_reader.h"

namespace oauthd::app {

absl::Status DecodeJsonBody(const google::api::HttpBody& body, google::protobuf::Message* out) {
  out->Clear();
  // Go's decoder answers EOF for an empty body; the shared reader reads `null` as the empty
  // message.
  if (absl::StripAsciiWhitespace(body.data()).empty())
    return absl::InvalidArgumentError("empty body");
  return ReadJson(body.data(), out);
}

}  // namespace oauthd::app
