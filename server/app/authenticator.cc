#include "server/app/authenticator.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "server/app/api_error.h"
#include "server/model/authorize_request.h"

namespace oauthd::app {
namespace {

std::string CookieValue(absl::string_view header, absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(header, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, name) && absl::ConsumePrefix(&part, "="))
      return std::string(part);
  }
  return "";
}

}  // namespace

ExtractedToken ExtractToken(const Caller& c) {
  if (std::string t = CookieValue(c.cookie, "MMAUTHTOKEN"); !t.empty()) return {t, true, false};
  const std::string& auth = c.authorization;
  if (auth.size() > 6 && absl::AsciiStrToUpper(auth.substr(0, 6)) == "BEARER")
    return {auth.substr(7), false, false};
  if (auth.size() > 5 && absl::AsciiStrToLower(auth.substr(0, 5)) == "token")
    return {auth.substr(6), false, false};
  if (!c.query_access_token.empty()) return {c.query_access_token, false, true};
  return {};
}

std::string CsrfFromProps(const std::string& props) {
  size_t k = props.find("\"csrf\"");
  if (k == std::string::npos) return "";
  size_t colon = props.find(':', k + 6);
  if (colon == std::string::npos) return "";
  size_t q1 = props.find('"', colon + 1);
  if (q1 == std::string::npos) return "";
  size_t q2 = props.find('"', q1 + 1);
  if (q2 == std::string::npos) return "";
  return props.substr(q1 + 1, q2 - q1 - 1);
}

Authenticator::Authenticator(storage::IdentityStore* identity, absl::Duration cache_ttl,
                             size_t cache_entries)
    : identity_(identity),
      sessions_(cache_ttl, cache_entries),
      users_(cache_ttl, cache_entries),
      role_permissions_(cache_ttl, 1000) {}

absl::StatusOr<storage::SessionAndUser> Authenticator::LookupSessionAndUser(
    const std::string& token) {
  if (auto cached = sessions_.Get(token)) {
    storage::SessionAndUser out{*std::move(cached), std::nullopt};
    auto user = LookupUser(out.session.user_id);
    if (user.ok()) {
      out.user = *std::move(user);
    } else if (!absl::IsNotFound(user.status())) {
      return user.status();
    }
    return out;
  }
  auto both = identity_->GetSessionAndUserByToken(token);
  if (!both.ok()) return both.status();
  // OAuth sessions are never cached: deauthorizing or deleting an app must end its tokens at once,
  // on every pod.
  if (!both->session.is_oauth) sessions_.Put(token, both->session);
  if (both->user) users_.Put(both->user->id, *both->user);
  return both;
}

absl::StatusOr<storage::UserRow> Authenticator::LookupUser(const std::string& user_id) {
  if (auto cached = users_.Get(user_id)) return *cached;
  auto row = identity_->GetUser(user_id);
  if (row.ok()) users_.Put(user_id, *row);
  return row;
}

void Authenticator::ForgetSession(const std::string& token) { sessions_.Erase(token); }

absl::StatusOr<Session> Authenticator::RequireSession(Caller* caller) {
  const ExtractedToken t = ExtractToken(*caller);
  if (t.token.empty()) return SessionExpired("UserRequired");
  auto found = LookupSessionAndUser(t.token);
  if (!found.ok()) {
    if (absl::IsNotFound(found.status())) return SessionExpired("token=" + t.token);
    return found.status();  // the database is down: 503, not "log in again"
  }
  if (absl::Status st = CheckSession(caller, t, *found); !st.ok()) return st;
  auto permissions = PermissionsOf(found->session.roles);
  if (!permissions.ok()) return permissions.status();
  return MakeSession(std::move(found->session), *std::move(permissions));
}

std::optional<absl::StatusOr<Session>> Authenticator::RequireCachedSession(Caller* caller) {
  const ExtractedToken t = ExtractToken(*caller);
  if (t.token.empty()) return SessionExpired("UserRequired");
  auto session = sessions_.Get(t.token);
  if (!session) return std::nullopt;
  auto user = users_.Get(session->user_id);
  if (!user) return std::nullopt;
  auto permissions = role_permissions_.Get(session->roles);
  if (!permissions) return std::nullopt;
  storage::SessionAndUser found{*std::move(session), *std::move(user)};
  if (absl::Status st = CheckSession(caller, t, found); !st.ok()) return st;
  return MakeSession(std::move(found.session), *std::move(permissions));
}

absl::Status Authenticator::CheckSession(Caller* caller, const ExtractedToken& t,
                                         const storage::SessionAndUser& found) {
  const storage::SessionRow& row = found.session;
  const int64_t now = absl::ToUnixMillis(absl::Now());
  if (row.expires_at != 0 && now > row.expires_at) return SessionExpired("token=" + t.token);
  if (!found.user || found.user->delete_at != 0) return SessionExpired("token=" + t.token);
  if (t.from_query && !row.is_oauth) {
    return AppError(401, "api.context.token_provided.app_error", "token=" + t.token);
  }
  if (t.from_cookie && !caller->safe_method) {
    const std::string csrf = CsrfFromProps(row.props_json);
    const bool token_ok = !csrf.empty() && model::ConstantTimeEquals(caller->csrf_token, csrf);
    if (!token_ok && caller->requested_with != "XMLHttpRequest")
      return SessionExpired("CSRF check failed");
  }
  caller->user_id = row.user_id;
  return absl::OkStatus();
}

Session Authenticator::MakeSession(storage::SessionRow row,
                                   std::shared_ptr<const std::set<std::string>> permissions) {
  Session s;
  s.row = std::move(row);
  s.roles = absl::StrSplit(s.row.roles, ' ', absl::SkipEmpty());
  s.permissions = std::move(permissions);
  return s;
}

absl::StatusOr<std::shared_ptr<const std::set<std::string>>> Authenticator::PermissionsOf(
    const std::string& roles) {
  if (auto cached = role_permissions_.Get(roles)) return *cached;
  auto perms = std::make_shared<std::set<std::string>>();
  for (absl::string_view name : absl::StrSplit(roles, ' ', absl::SkipEmpty())) {
    auto role = identity_->GetRoleByName(std::string(name));
    if (absl::IsNotFound(role.status())) continue;  // an unknown role grants nothing
    if (!role.ok()) return role.status();
    for (absl::string_view p : absl::StrSplit(role->permissions, ' ', absl::SkipEmpty())) {
      perms->insert(std::string(p));
    }
  }
  std::shared_ptr<const std::set<std::string>> out = std::move(perms);
  role_permissions_.Put(roles, out);
  return out;
}

bool Authenticator::HasPermission(const Session& session, const std::string& permission) const {
  return session.permissions != nullptr && session.permissions->count(permission) > 0;
}

absl::StatusOr<bool> Authenticator::HasPermissionToUser(const Session& session,
                                                        const std::string& user_id) {
  if (user_id.empty()) return false;
  if (HasPermission(session, "manage_system")) return true;
  if (user_id == session.user_id()) return true;
  if (!HasPermission(session, "edit_other_users")) return false;
  auto target = LookupUser(user_id);
  if (absl::IsNotFound(target.status())) return false;
  if (!target.ok()) return target.status();
  std::vector<absl::string_view> target_roles =
      absl::StrSplit(target->roles, ' ', absl::SkipEmpty());
  return std::find(target_roles.begin(), target_roles.end(), "system_admin") == target_roles.end();
}

}  // namespace oauthd::app
