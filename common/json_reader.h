// Fills a protobuf message from JSON the way Go's encoding/json fills a struct (what Mattermost's
// server does): a key matches a field's proto name, else its JSON name, else case-insensitively;
// unknown keys are skipped; `null` leaves a field unset (and a whole-body `null` is the empty
// message); only the first JSON value of the text is read. Type mismatches and malformed JSON are
// errors.
#ifndef OAUTHD_COMMON_JSON_READER_H_
#define OAUTHD_COMMON_JSON_READER_H_

#include <google/protobuf/message.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace oauthd {

absl::Status ReadJson(absl::string_view text, google::protobuf::Message* message);

// Sets a scalar field (or adds to a repeated one) from its text form, as path variables and query
// parameters carry values: numbers in decimal, bools as true/false, enums by name or number, bytes
// as base64.
absl::Status SetFieldFromText(google::protobuf::Message* message,
                              const google::protobuf::FieldDescriptor* field,
                              absl::string_view text);

}  // namespace oauthd

#endif  // OAUTHD_COMMON_JSON_READER_H_
