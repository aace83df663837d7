// Mattermost ids (spec §1.3): 16 random bytes as a UUIDv4, base32 with Mattermost's alphabet, 26
// characters. Used for app ids, client secrets, session tokens, refresh tokens and (two of them)
// authorization codes.
#ifndef OAUTHD_COMMON_MATTERMOST_ID_H_
#define OAUTHD_COMMON_MATTERMOST_ID_H_

#include <string>

#include "absl/strings/string_view.h"

namespace oauthd {

// Random bytes come from OpenSSL's CSPRNG; aborts if it cannot be seeded (never hands out a weak
// secret).
std::string NewId();
// An id of the same form for things that are not secrets (request ids): from a per-thread generator
// seeded by the CSPRNG, so it costs no lock and no system call on a hot path.
std::string NewRequestId();
// A request id a client supplied is echoed only if it is short and plain (letters, digits, - _ .),
// so it cannot inject into logs or headers.
bool IsPlainRequestId(absl::string_view id);
// Mattermost's IsValidId: exactly 26 bytes, all letters or digits.
bool IsValidId(absl::string_view id);

}  // namespace oauthd

#endif  // OAUTHD_COMMON_MATTERMOST_ID_H_
