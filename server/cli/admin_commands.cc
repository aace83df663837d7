// Admin commands for a stand-alone install: schema migration, users, sessions (tokens) and role
// permissions.
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/mattermost_id.h"
#include "server/cli/command.h"
#include "server/cli/secret_flags.h"
#include "storage/app_store.h"
#include "storage/connection_pool.h"
#include "storage/identity_store.h"
#include "storage/migrator.h"
#include "storage/schema_check.h"

namespace oauthd::cli {
namespace {

int Fail(const absl::Status& st) {
  std::fprintf(stderr, "oauthd: %s\n", std::string(st.message()).c_str());
  return 1;
}

int Usage(const std::string& message) {
  std::fprintf(stderr, "oauthd: %s (see --help)\n", message.c_str());
  return 2;
}

// Mattermost's username rule: 3–22 of a-z, 0-9, '.', '-', '_', starting with a letter.
bool IsValidUsername(const std::string& u) {
  if (u.size() < 3 || u.size() > 22 || !(u[0] >= 'a' && u[0] <= 'z')) return false;
  for (char c : u) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}

int EditRole(const std::vector<std::string>& args, bool grant) {
  std::string db;
  FlagSet flags(
      "OAUTHD_",
      absl::StrCat("Usage: oauthd role ", grant ? "grant" : "revoke",
                   " ROLE PERMISSION [--db=URL]\n\n",
                   grant ? "Adds PERMISSION to ROLE's permissions (no-op if present).\n"
                         : "Removes PERMISSION from ROLE's permissions (no-op if absent).\n"));
  flags.String("db", &db, kDbHelp);
  std::vector<std::string> pos;
  if (int rc = ParseOrExit(flags, args, &pos); rc >= 0) return rc;
  if (pos.size() != 2) return Usage("expected ROLE and PERMISSION");
  const std::string& permission = pos[1];
  if (permission.empty() || permission.find_first_of(" \t\n") != std::string::npos) {
    return Usage("PERMISSION must be one word, e.g. manage_oauth");
  }
  auto pool = OpenDb(db);
  if (!pool.ok()) return Fail(pool.status());
  storage::IdentityStore identity(pool->get());
  auto result = identity.EditRolePermissions(pos[0], [&](const std::string& current) {
    std::vector<std::string> perms = absl::StrSplit(current, ' ', absl::SkipEmpty());
    std::vector<std::string> out;
    for (auto& p : perms) {
      if (p != permission) out.push_back(p);
    }
    if (grant) out.push_back(permission);
    return absl::StrJoin(out, " ");
  });
  if (!result.ok()) return Fail(result.status());
  std::printf("%s: %s\n", pos[0].c_str(), result->c_str());
  return 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<storage::ConnectionPool>> OpenDb(const std::string& db) {
  if (db.empty()) return absl::InvalidArgumentError("--db is required (or OAUTHD_DB)");
  auto url = storage::ParseDbUrl(db);
  if (!url.ok()) return url.status();
  storage::PoolOptions options;
  options.url = *url;
  options.max_connections = 2;
  auto pool = std::make_unique<storage::ConnectionPool>(options);
  if (absl::Status st = pool->Ping(); !st.ok()) return st;
  return pool;
}

int RunMigrate(const std::vector<std::string>& args) {
  std::string db;
  FlagSet flags(
      "OAUTHD_",
      "Usage: oauthd migrate --db=URL\n\n"
      "Creates Mattermost's OAuth, session, user, role and preference tables where missing (in\n"
      "exactly Mattermost's shape; a database Mattermost made keeps its own) and oauthd's own\n"
      "tables, applies pending migrations under a lease row every cluster node agrees on\n"
      "(several pods may run it at once, on one server or a Galera cluster), adds the default "
      "roles system_admin and system_user when missing, and checks that\n"
      "the database has everything `oauthd serve` needs. Re-running is a no-op; an interrupted\n"
      "run resumes. A database of an earlier release moves to this release's layout in place; if\n"
      "that release sealed secrets, give the same keys as the service has.\n");
  flags.String("db", &db, kDbHelp);
  SecretFlags secret_flags;
  secret_flags.Register(flags);
  std::vector<std::string> pos;
  if (int rc = ParseOrExit(flags, args, &pos); rc >= 0) return rc;
  if (!pos.empty()) return Usage("migrate takes no arguments");
  auto cipher = secret_flags.Cipher();
  if (!cipher.ok()) return Usage(std::string(cipher.status().message()));
  auto pool = OpenDb(db);
  if (!pool.ok()) return Fail(pool.status());
  auto report = storage::Migrate(**pool, **cipher, [](absl::string_view line) {
    std::fprintf(stderr, "migrate: %.*s\n", static_cast<int>(line.size()), line.data());
  });
  if (!report.ok()) return Fail(report.status());
  if (absl::Status st = storage::CheckSchema(**pool); !st.ok()) return Fail(st);
  std::fprintf(stderr, "migrate: done (%zu applied, %d already applied, %zu roles created)\n",
               report->applied.size(), report->already_applied, report->roles_created.size());
  return 0;
}

int RunAppResourceServer(const std::vector<std::string>& args) {
  std::string db;
  FlagSet flags(
      "OAUTHD_",
      "Usage: oauthd app resource-server APP_ID on|off [--db=URL]\n\n"
      "Marks an app as a resource server, which may introspect every client's tokens at\n"
      "/oauth/introspect (RFC 7662), or removes the mark. Without it an app learns about\n"
      "its own tokens only. The same as PUT /api/v4/oauth/apps/APP_ID/resource_server by a\n"
      "system admin.\n");
  flags.String("db", &db, kDbHelp);
  std::vector<std::string> pos;
  if (int rc = ParseOrExit(flags, args, &pos); rc >= 0) return rc;
  if (pos.size() != 2 || (pos[1] != "on" && pos[1] != "off"))
    return Usage("expected APP_ID and on or off");
  auto pool = OpenDb(db);
  if (!pool.ok()) return Fail(pool.status());
  storage::AppStore apps(pool->get());
  absl::Status st = apps.SetResourceServer(pos[0], pos[1] == "on");
  if (absl::IsNotFound(st)) return Fail(absl::NotFoundError("no app " + pos[0]));
  if (!st.ok()) return Fail(st);
  std::printf("%s: resource server %s\n", pos[0].c_str(), pos[1].c_str());
  return 0;
}

int RunUserCreate(const std::vector<std::string>& args) {
  std::string db, username, email, roles = "system_user";
  FlagSet flags(
      "OAUTHD_",
      "Usage: oauthd user create --username=U --email=E [--roles=\"system_user system_admin\"]\n\n"
      "Creates an active user and prints its id.\n");
  flags.String("db", &db, kDbHelp);
  flags.String("username", &username, "login name: 3-22 of a-z 0-9 . - _, starting with a letter");
  flags.String("email", &email, "e-mail address (unique)");
  flags.String("roles", &roles, "space-separated role names; each must exist in the Roles table");
  std::vector<std::string> pos;
  if (int rc = ParseOrExit(flags, args, &pos); rc >= 0) return rc;
  if (!pos.empty()) return Usage("user create takes no arguments");
  if (!IsValidUsername(username))
    return Usage("--username must be 3-22 of a-z 0-9 . - _, starting with a letter");
  if (email.find('@') == std::string::npos || email.size() > 128)
    return Usage("--email is not an address");
  std::vector<std::string> role_names = absl::StrSplit(roles, ' ', absl::SkipEmpty());
  if (role_names.empty()) return Usage("--roles must name at least one role");
  auto pool = OpenDb(db);
  if (!pool.ok()) return Fail(pool.status());
  storage::IdentityStore identity(pool->get());
  for (const auto& name : role_names) {
    auto role = identity.GetRoleByName(name);
    if (absl::IsNotFound(role.status())) {
      return Fail(
          absl::NotFoundError(absl::StrCat("no role named \"", name, "\" (run oauthd migrate?)")));
    }
    if (!role.ok()) return Fail(role.status());
  }
  storage::UserRow user;
  user.id = NewId();
  user.create_at = user.update_at = absl::ToUnixMillis(absl::Now());
  user.username = username;
  user.email = email;
  user.roles = absl::StrJoin(role_names, " ");
  absl::Status st = identity.CreateUser(user);
  if (absl::IsAlreadyExists(st))
    return Fail(absl::AlreadyExistsError("username or email already taken"));
  if (!st.ok()) return Fail(st);
  std::printf("%s\n", user.id.c_str());
  return 0;
}

int RunSessionCreate(const std::vector<std::string>& args) {
  std::string db, user_id;
  absl::Duration expires_in = absl::Hours(720);
  FlagSet flags(
      "OAUTHD_",
      "Usage: oauthd session create --user=ID [--expires-in=720h]\n\n"
      "Creates a session for the user, carrying the user's roles, and prints its token: use it as\n"
      "`Authorization: Bearer TOKEN` or as the MMAUTHTOKEN cookie.\n");
  flags.String("db", &db, kDbHelp);
  flags.String("user", &user_id, "id of the user (as printed by `oauthd user create`)");
  flags.Duration("expires-in", &expires_in,
                 "lifetime of the session, e.g. 30m, 720h; 0s never expires");
  std::vector<std::string> pos;
  if (int rc = ParseOrExit(flags, args, &pos); rc >= 0) return rc;
  if (!pos.empty()) return Usage("session create takes no arguments");
  if (!IsValidId(user_id)) return Usage("--user must be a 26-character user id");
  auto pool = OpenDb(db);
  if (!pool.ok()) return Fail(pool.status());
  storage::IdentityStore identity(pool->get());
  auto user = identity.GetUser(user_id);
  if (!user.ok()) return Fail(user.status());
  if (user->delete_at != 0) return Fail(absl::FailedPreconditionError("the user is deactivated"));
  storage::SessionRow s;
  s.id = NewId();
  s.token = NewId();
  s.create_at = s.last_activity_at = absl::ToUnixMillis(absl::Now());
  s.expires_at =
      expires_in == absl::ZeroDuration() ? 0 : s.create_at + absl::ToInt64Milliseconds(expires_in);
  s.user_id = user_id;
  s.roles = user->roles;
  s.props_json = absl::StrCat("{\"csrf\":\"", NewId(), "\"}");
  if (absl::Status st = identity.CreateSession(s); !st.ok()) return Fail(st);
  std::printf("%s\n", s.token.c_str());
  return 0;
}

int RunRoleGrant(const std::vector<std::string>& args) { return EditRole(args, true); }
int RunRoleRevoke(const std::vector<std::string>& args) { return EditRole(args, false); }

}  // namespace oauthd::cli
