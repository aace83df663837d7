#include "gateway/http_types.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/json_writer.h"

namespace oauthd::gateway {

const std::string& HttpRequest::Header(const std::string& name) const {
  static const std::string kEmpty;
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return kEmpty;
}

void HttpResponse::SetHeader(const std::string& name, const std::string& value) {
  for (auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) {
      v = value;
      return;
    }
  }
  headers.emplace_back(name, value);
}

const std::string* HttpResponse::FindHeader(absl::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) return &v;
  }
  return nullptr;
}

HttpResponse AppErrorResponse(int status, const std::string& id, const std::string& message,
                              const std::string& request_id) {
  HttpResponse r;
  r.status = status;
  r.body = "{\"id\":";
  AppendJsonString(id, &r.body);
  r.body += ",\"message\":";
  AppendJsonString(message, &r.body);
  r.body += ",\"detailed_error\":\"\"";
  if (!request_id.empty()) {
    r.body += ",\"request_id\":";
    AppendJsonString(request_id, &r.body);
  }
  absl::StrAppend(&r.body, ",\"status_code\":", status, "}");
  r.SetHeader("Content-Type", "application/json");
  return r;
}

}  // namespace oauthd::gateway
