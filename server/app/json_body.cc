#include "server/app/json_body.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"

namespace oauthd::app {

absl::Status DecodeJsonBody(const google::api::HttpBody& body, google::protobuf::Message* out) {
  out->Clear();
  const std::string data(absl::StripAsciiWhitespace(body.data()));
  if (data.empty()) return absl::InvalidArgumentError("empty body");
  if (data == "null") return absl::OkStatus();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto st = google::protobuf::util::JsonStringToMessage(data, out, options);
  if (!st.ok()) return absl::InvalidArgumentError(std::string(st.message()));
  return absl::OkStatus();
}

}  // namespace oauthd::app
