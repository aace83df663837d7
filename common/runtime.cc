#include "common/runtime.h"

#include <malloc.h>
#include <sched.h>

#include <algorithm>
#include <cstdlib>

#include "absl/synchronization/mutex.h"

namespace oauthd {

void ConfigureRuntimeForProduction() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // glibc's malloc (the gateway's): at most one arena per usable CPU. oauthd links jemalloc, which
  // ignores this.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) {
    cpu_set_t cpus;
    const int usable = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) : 2;
    mallopt(M_ARENA_MAX, std::max(2, usable));
  }
}

}  // namespace oauthd
