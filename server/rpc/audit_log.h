// One JSON line per state change (create, update, delete, regenerate, register, authorize,
// deauthorize, token issue, revocation) and per refused introspection, success or failure: who,
// which app, from where, the request id and the outcome. Built only from fixed fields (ids, an
// address, an error id), so it never carries a secret, a token or a code.
#ifndef OAUTHD_SERVER_RPC_AUDIT_LOG_H_
#define OAUTHD_SERVER_RPC_AUDIT_LOG_H_

#include <cstdio>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace oauthd::rpc {

struct AuditRecord {
  absl::Time time;
  absl::string_view event;    // e.g. "oauth_app.create"
  absl::string_view user_id;  // the session's user, if any
  absl::string_view app_id;   // the app (client) the call was about
  absl::string_view client_ip;
  absl::string_view request_id;
  int http_status = 0;
  // The error id (Mattermost's, or RFC 6749's) on failure; on success, why nothing changed (then
  // the outcome is "refused").
  absl::string_view error;
};

class AuditLog {
 public:
  // `path`: "-" for standard error, else a file opened for appending (created 0600).
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(const std::string& path);
  ~AuditLog();

  void Write(const AuditRecord& r);
  // Whether records go to standard error, where the caller may write a record's line together
  // with its own log line (one system call, and the two lines never interleave with others').
  bool to_stderr() const { return out_ == stderr; }
  // The JSON line for a record, without the newline (exposed for tests).
  static std::string Format(const AuditRecord& r);

 private:
  explicit AuditLog(std::FILE* out, bool owned) : out_(out), owned_(owned) {}
  std::mutex mu_;
  std::FILE* out_;
  bool owned_;
};

}  // namespace oauthd::rpc

#endif  // OAUTHD_SERVER_RPC_AUDIT_LOG_H_
