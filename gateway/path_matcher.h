// Routes (HTTP method, path) to a binding, most specific template first (a literal beats a
// variable, a single segment beats `**`). Tells "no such path" (404) from "path exists, wrong
// method" (405, with the allowed ones).
#ifndef OAUTHD_GATEWAY_PATH_MATCHER_H_
#define OAUTHD_GATEWAY_PATH_MATCHER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/http_template.h"

namespace oauthd::gateway {

struct PathMatch {
  int binding = -1;  // index given to Add
  // Variable bindings: field path (dotted) → percent-decoded value.
  std::vector<std::pair<std::string, std::string>> variables;
};

class PathMatcher {
 public:
  void Add(const std::string& http_method, HttpTemplate tmpl, int binding);

  enum class Result { kMatched, kNoPath, kWrongMethod };
  // `path` is the raw request path (no query), still percent-encoded.
  Result Match(absl::string_view http_method, absl::string_view path, PathMatch* out,
               std::vector<std::string>* allowed_methods) const;

 private:
  struct Entry {
    std::string method;
    HttpTemplate tmpl;
    int binding;
  };
  std::vector<Entry> entries_;
};

// Percent-decodes; returns false on a malformed escape.
bool PercentDecode(absl::string_view in, std::string* out, bool plus_as_space = false);

}  // namespace oauthd::gateway

#endif  // OAUTHD_GATEWAY_PATH_MATCHER_H_
