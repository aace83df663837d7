#include "server/rpc/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"

namespace oauthd::rpc {
namespace {

// Ids and addresses only ever hold printable ASCII; anything else (a hostile app id in a URL) is
// replaced, and long values are cut, so that a record stays one valid line.
std::string Field(absl::string_view s) {
  std::string out = "\"";
  for (char c : s.substr(0, 128)) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(c);
    } else {
      out.push_back('?');
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path) {
  if (path == "-") return std::unique_ptr<AuditLog>(new AuditLog(stderr, false));
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  std::FILE* f = fd < 0 ? nullptr : ::fdopen(fd, "a");
  if (f == nullptr) {
    if (fd >= 0) ::close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat("--audit-log: cannot open ", path, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<AuditLog>(new AuditLog(f, true));
}

AuditLog::~AuditLog() {
  if (owned_) std::fclose(out_);
}

std::string AuditLog::Format(const AuditRecord& r) {
  const bool ok = r.http_status < 400;
  // A call that succeeded but changed nothing it was asked to (revoking another client's token, an
  // introspection of a token the caller may not see) names why: refused.
  const absl::string_view outcome = !ok ? "failure" : r.error.empty() ? "success" : "refused";
  const bool client_event =
      r.event == "oauth.token" || r.event == "oauth.revoke" || r.event == "oauth.introspect";
  const absl::string_view actor_type = !r.user_id.empty()                  ? "user"
                                       : client_event && !r.app_id.empty() ? "client"
                                                                           : "anonymous";
  const absl::string_view actor = !r.user_id.empty()       ? r.user_id
                                  : actor_type == "client" ? r.app_id
                                                           : absl::string_view();
  return absl::StrCat(
      "{\"ts\":\"", absl::FormatTime(absl::RFC3339_full, r.time, absl::UTCTimeZone()),
      "\",\"audit\":", Field(r.event), ",\"actor_type\":\"", actor_type,
      "\",\"actor\":", Field(actor), ",\"app_id\":", Field(r.app_id),
      ",\"client_ip\":", Field(r.client_ip), ",\"request_id\":", Field(r.request_id),
      ",\"outcome\":\"", outcome, "\",\"status\":", r.http_status,
      r.error.empty() ? "" : absl::StrCat(",\"error\":", Field(r.error)), "}");
}

void AuditLog::Write(const AuditRecord& r) {
  const std::string line = absl::StrCat(Format(r), "\n");
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace oauthd::rpc
