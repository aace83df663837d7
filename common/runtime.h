// Process-wide settings every oauthd binary applies first thing in main().
#ifndef OAUTHD_COMMON_RUNTIME_H_
#define OAUTHD_COMMON_RUNTIME_H_

namespace oauthd {

// Debian builds Abseil without NDEBUG, so absl::Mutex runs its debug-only deadlock detector on
// every lock (gRPC's core locks are absl::Mutex too): a global lock-order graph updated per
// acquisition. It showed up as several percent of oauthd's CPU under load (bench/README.md); this
// turns it off, as a release build of Abseil would.
void ConfigureRuntimeForProduction();

}  // namespace oauthd

#endif  // OAUTHD_COMMON_RUNTIME_H_
