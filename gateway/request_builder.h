// Turns an HTTP request into the RPC's request message for a matched binding: path variables, then
// the body per the rule's `body` (the whole message, one field, or raw bytes into a
// google.api.HttpBody field), then query parameters onto fields the path and body did not bind
// (dotted paths, repeated by repetition, unknown ones ignored).
#ifndef OAUTHD_GATEWAY_REQUEST_BUILDER_H_
#define OAUTHD_GATEWAY_REQUEST_BUILDER_H_

#include <google/protobuf/message.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/path_matcher.h"
#include "gateway/route_table.h"

namespace oauthd::gateway {

// Which part of the request was at fault, for the error the caller sees.
enum class RequestPart { kNone, kPath, kQuery, kBody };

struct BuildError {
  RequestPart part = RequestPart::kNone;
  absl::Status status;
};

BuildError BuildRequest(const Binding& binding, const PathMatch& match, absl::string_view query,
                        absl::string_view content_type, absl::string_view body,
                        google::protobuf::Message* out);

}  // namespace oauthd::gateway

#endif  // OAUTHD_GATEWAY_REQUEST_BUILDER_H_
