// Parses a google.api.http path template, e.g. "/v1/{name=shelves/*}/books/{id}:publish" (HttpRule
// syntax):
//   Template = "/" Segments [ ":" Verb ] ; Segment = "*" | "**" | LITERAL | "{" FieldPath [ "="
//   Segments ] "}"
#ifndef OAUTHD_GATEWAY_HTTP_TEMPLATE_H_
#define OAUTHD_GATEWAY_HTTP_TEMPLATE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace oauthd::gateway {

struct HttpTemplate {
  enum class Kind { kLiteral, kSingle /* * */, kMulti /* ** */ };
  struct Segment {
    Kind kind;
    std::string literal;  // for kLiteral
  };
  // A variable binds segments [begin, end) to a field path; a `**` variable ends at the path's end.
  struct Variable {
    std::vector<std::string> field_path;
    int begin = 0;
    int end = 0;
  };
  std::vector<Segment> segments;
  std::vector<Variable> variables;
  std::string verb;  // the custom verb after ':', or ""
};

absl::StatusOr<HttpTemplate> ParseHttpTemplate(absl::string_view text);

}  // namespace oauthd::gateway

#endif  // OAUTHD_GATEWAY_HTTP_TEMPLATE_H_
