// Rows a test needs before it calls the server: users with roles and their sessions (tokens),
// written straight into the test database as Mattermost (or `oauthd user/session create`) would.
#ifndef OAUTHD_TESTS_LIB_SEED_H_
#define OAUTHD_TESTS_LIB_SEED_H_

#include <cstdint>
#include <string>

#include "storage/connection_pool.h"
#include "storage/models.h"

namespace oauthd::testing {

struct SeededUser {
  std::string id;
  std::string token;  // a session token for the user
  std::string csrf;   // the session's csrf prop
};

// Creates a user with `roles` and a session carrying the same roles. `expires_at` 0 = never.
SeededUser SeedUser(storage::ConnectionPool& pool, const std::string& roles, int64_t expires_at = 0,
                    bool is_oauth = false);
// Another session for an existing user.
std::string SeedSession(storage::ConnectionPool& pool, const std::string& user_id,
                        const std::string& roles, int64_t expires_at = 0, bool is_oauth = false);

// A new session for `user` and the grant of `client` to `user` that names it: the rows a token
// exchange writes (not yet written). Tests set whatever else they check.
struct Grant {
  storage::SessionRow session;
  storage::AccessDataRow access;
};
Grant NewGrant(const std::string& client, const std::string& user);

}  // namespace oauthd::testing

#endif  // OAUTHD_TESTS_LIB_SEED_H_
