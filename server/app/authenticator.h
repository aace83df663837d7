// Who is calling and what they may do (spec §7): token extraction in Mattermost's order, session
// lookup, the CSRF rule for cookie sessions, and permission checks through the session's roles.
// Sessions, users and roles are cached for --cache-ttl, which bounds how long a revoked session or
// a changed role can still be honoured.
#ifndef OAUTHD_SERVER_APP_AUTHENTICATOR_H_
#define OAUTHD_SERVER_APP_AUTHENTICATOR_H_

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/app/ttl_cache.h"
#include "storage/identity_store.h"

namespace oauthd::app {

// What the transport knows about a call, independent of gRPC.
struct Caller {
  std::string request_id;
  std::string cookie;          // the raw Cookie header
  std::string authorization;   // the raw Authorization header
  std::string csrf_token;      // X-CSRF-Token
  std::string requested_with;  // X-Requested-With
  std::string original_uri;  // path and query of the original HTTP request (x-original-uri), if any
  std::string query_access_token;  // ?access_token= of the original HTTP request
  std::string client_ip;     // the peer, or the X-Forwarded-For hop left of the trusted proxies
  bool safe_method = false;  // GET/HEAD: no CSRF check
  std::string user_id;       // set once a session is resolved
  std::string app_id;        // the app the call is about, once known (for the audit log)
  // An audit event the service found this call to be (when the RPC itself is not always one).
  const char* audit_event = nullptr;
  // Why a call that succeeded changed nothing (audited as "refused"), e.g. revoking a token of
  // another client; or the error id of an audited failure the answer does not name.
  const char* audit_error = nullptr;

  // What the service adds to a successful answer: an HTTP status other than the RPC's usual one
  // (e.g. 302) and response headers (Location, Cache-Control, …).
  int http_status = 0;
  std::vector<std::pair<std::string, std::string>> response_headers;
};

struct Session {
  storage::SessionRow row;
  std::vector<std::string> roles;
  // The union of the roles' permissions, resolved with the session (so that a permission check
  // never meets a database failure and mistakes it for "not allowed").
  std::shared_ptr<const std::set<std::string>> permissions;
  bool is_oauth() const { return row.is_oauth; }
  const std::string& user_id() const { return row.user_id; }
};

struct ExtractedToken;

class Authenticator {
 public:
  // Sessions and users are each cached for `cache_ttl`, at most `cache_entries` of each (under a
  // kilobyte apiece, ~850 B measured: the bound keeps the process's memory flat however many
  // sessions call).
  Authenticator(storage::IdentityStore* identity, absl::Duration cache_ttl,
                size_t cache_entries = 10000);

  // The caller's session with its permissions, or the 401 Mattermost answers on a session-required
  // route (503 when the database cannot say). Also records the session's user id in
  // caller->user_id (for the request log).
  absl::StatusOr<Session> RequireSession(Caller* caller);
  // RequireSession answered from the caches alone, for a thread that must not block: nullopt when
  // the session, its user or its roles' permissions would have to be read from the database.
  std::optional<absl::StatusOr<Session>> RequireCachedSession(Caller* caller);
  bool HasPermission(const Session& session, const std::string& permission) const;
  // SessionHasPermissionToUser (spec §7.3); an error when the target user cannot be read.
  absl::StatusOr<bool> HasPermissionToUser(const Session& session, const std::string& user_id);
  // Drops cached sessions (after revoking tokens) so the change shows at once on this pod.
  void ForgetSession(const std::string& token);
  // A user, from the cache when it has them (a session just checked put them there).
  absl::StatusOr<storage::UserRow> LookupUser(const std::string& user_id);

 private:
  // The session for `token` and its user (absent if the user row is gone). On a cache miss both
  // come from one query, which also refreshes the user cache.
  absl::StatusOr<storage::SessionAndUser> LookupSessionAndUser(const std::string& token);
  // What a found session must pass (expiry, live user, token source, CSRF); records the user id in
  // caller->user_id (for the request log) when it does.
  static absl::Status CheckSession(Caller* caller, const ExtractedToken& t,
                                   const storage::SessionAndUser& found);
  static Session MakeSession(storage::SessionRow row,
                             std::shared_ptr<const std::set<std::string>> permissions);
  // The union of the roles' permissions, cached per role string ("system_user system_admin") and
  // shared, so a permission check is one lookup with no set built or copied. A role that does not
  // exist grants nothing; a role that cannot be read is an error (and nothing is cached).
  absl::StatusOr<std::shared_ptr<const std::set<std::string>>> PermissionsOf(
      const std::string& roles);

  storage::IdentityStore* identity_;
  TtlCache<storage::SessionRow> sessions_;
  TtlCache<storage::UserRow> users_;
  TtlCache<std::shared_ptr<const std::set<std::string>>>
      role_permissions_;  // role string → permissions
};

// Mattermost's ParseAuthTokenFromRequest (spec §7.1); `from_cookie` tells whether CSRF applies.
struct ExtractedToken {
  std::string token;
  bool from_cookie = false;
  bool from_query = false;
};
ExtractedToken ExtractToken(const Caller& caller);
// The "csrf" prop of a session's Props JSON, or "".
std::string CsrfFromProps(const std::string& props_json);

}  // namespace oauthd::app

#endif  // OAUTHD_SERVER_APP_AUTHENTICATOR_H_
