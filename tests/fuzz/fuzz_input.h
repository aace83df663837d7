// Splits a fuzzer's input into fields at '\n', so that one input can carry several strings (a
// template and a path, a pattern and a URI, …). Missing fields are empty.
#ifndef OAUTHD_TESTS_FUZZ_FUZZ_INPUT_H_
#define OAUTHD_TESTS_FUZZ_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace oauthd::fuzz {

inline std::vector<std::string> Fields(const uint8_t* data, size_t size, size_t count) {
  std::vector<std::string> out(count);
  size_t field = 0;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == '\n' && field + 1 < count) {
      ++field;
      continue;
    }
    out[field].push_back(static_cast<char>(data[i]));
  }
  return out;
}

// Aborts (a finding) when a property the code promises does not hold.
#define FUZZ_CHECK(cond)                                                            \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      __builtin_printf("property failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      __builtin_trap();                                                             \
    }                                                                               \
  } while (0)

}  // namespace oauthd::fuzz

#endif  // OAUTHD_TESTS_FUZZ_FUZZ_INPUT_H_
