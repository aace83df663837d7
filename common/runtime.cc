#include "common/runtime.h"

#include "absl/synchronization/mutex.h"

namespace oauthd {

void ConfigureRuntimeForProduction() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace oauthd
