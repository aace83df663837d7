// Process-wide settings every oauthd binary applies first thing in main().
#ifndef OAUTHD_COMMON_RUNTIME_H_
#define OAUTHD_COMMON_RUNTIME_H_

namespace oauthd {

// Debian builds Abseil without NDEBUG, so absl::Mutex runs its debug-only deadlock detector on
// every lock (gRPC's core locks are absl::Mutex too): a global lock-order graph updated per
// acquisition. It showed up as ~2 % of oauthd's CPU under load (bench/README.md); this turns it
// off, as a release build of Abseil would.
//
// It also caps glibc's malloc arenas at one per CPU the process may run on (at least 2), unless
// MALLOC_ARENA_MAX is set: by default every busy thread may get its own arena (up to 8 per core),
// each keeping freed memory; that put oauthd's peak RSS under the bench at 60 MB instead of 42-48.
void ConfigureRuntimeForProduction();

}  // namespace oauthd

#endif  // OAUTHD_COMMON_RUNTIME_H_
