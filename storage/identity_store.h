// Users, Sessions and Roles: who a caller is and what their roles allow (spec §7).
#ifndef OAUTHD_STORAGE_IDENTITY_STORE_H_
#define OAUTHD_STORAGE_IDENTITY_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/connection_pool.h"
#include "storage/models.h"

namespace oauthd::storage {

struct SessionAndUser {
  SessionRow session;
  std::optional<UserRow> user;
};

class IdentityStore {
 public:
  explicit IdentityStore(ConnectionPool* pool) : pool_(pool) {}

  // ALREADY_EXISTS when the id, username or email is taken.
  absl::Status CreateUser(const UserRow& user);
  absl::StatusOr<UserRow> GetUser(const std::string& id);

  absl::Status CreateSession(const SessionRow& session);
  // NOT_FOUND unless a session has exactly this token.
  absl::StatusOr<SessionRow> GetSessionByToken(const std::string& token);
  // The same, with the session's user read in the same query (absent if the row is gone): one
  // round trip instead of two when a caller's session is not cached.
  absl::StatusOr<SessionAndUser> GetSessionAndUserByToken(const std::string& token);
  absl::Status DeleteSessionByToken(const std::string& token);

  absl::StatusOr<std::vector<RoleRow>> ListRoles();
  absl::StatusOr<RoleRow> GetRoleByName(const std::string& name);
  // Inserts the role unless one with that name exists; returns whether it inserted.
  absl::StatusOr<bool> CreateRoleIfMissing(const RoleRow& role);
  // Reads the role's permissions, lets `edit` change them and writes the result, with the row
  // locked so that two concurrent edits do not lose each other's change. NOT_FOUND for an unknown
  // role.
  absl::StatusOr<std::string> EditRolePermissions(
      const std::string& name, const std::function<std::string(const std::string&)>& edit);

 private:
  ConnectionPool* pool_;
};

}  // namespace oauthd::storage

#endif  // OAUTHD_STORAGE_IDENTITY_STORE_H_
