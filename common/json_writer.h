// Prints a protobuf message as JSON by the gateway's wire rules: proto field names, 64-bit integers
// as JSON numbers, fields with presence (proto3 `optional`, messages) only when set, other scalars
// and repeated fields always ("" / 0 / false / []), enums by name, bytes as base64, strings escaped
// as Go's encoder does.
#ifndef OAUTHD_COMMON_JSON_WRITER_H_
#define OAUTHD_COMMON_JSON_WRITER_H_

#include <google/protobuf/message.h>

#include <string>

namespace oauthd {

void WriteJson(const google::protobuf::Message& message, std::string* out);
// One field of `message` as a JSON value (for response_body): a repeated field prints as an array.
void WriteFieldJson(const google::protobuf::Message& message,
                    const google::protobuf::FieldDescriptor* field, std::string* out);
void AppendJsonString(const std::string& s, std::string* out);

}  // namespace oauthd

#endif  // OAUTHD_COMMON_JSON_WRITER_H_
