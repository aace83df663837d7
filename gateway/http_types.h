// The gateway's own view of an HTTP exchange, independent of the HTTP library.
#ifndef OAUTHD_GATEWAY_HTTP_TYPES_H_
#define OAUTHD_GATEWAY_HTTP_TYPES_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace oauthd::gateway {

struct HttpRequest {
  std::string method;
  std::string target;                                        // path and query, as sent
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string peer_ip;

  // The first value of a header (name lower-case), or "".
  const std::string& Header(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void SetHeader(const std::string& name, const std::string& value);
  // The value of a header (any case), or nullptr.
  const std::string* FindHeader(absl::string_view name) const;
  bool HasHeader(absl::string_view name) const { return FindHeader(name) != nullptr; }
};

// The Mattermost AppError JSON body for errors the gateway itself produces (no route, bad JSON,
// limits, upstream down): {"id","message","detailed_error","request_id","status_code"}.
HttpResponse AppErrorResponse(int status, const std::string& id, const std::string& message,
                              const std::string& request_id);

}  // namespace oauthd::gateway

#endif  // OAUTHD_GATEWAY_HTTP_TYPES_H_
