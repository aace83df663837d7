// Rows a test needs before it calls the server: users with roles and their sessions (tokens),
// written straight into the test database as Mattermost (or `oauthd user/session create`) would.
#ifndef OAUTHD_TESTS_LIB_SEED_H_
#define OAUTHD_TESTS_LIB_SEED_H_

#include <cstdint>
#include <string>

#include "storage/connection_pool.h"

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

}  // namespace oauthd::testing

#endif  // OAUTHD_TESTS_LIB_SEED_H_
