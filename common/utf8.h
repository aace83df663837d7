// Appending a Unicode code point as UTF-8 (for JSON \u escapes), shared by the JSON readers.
#ifndef OAUTHD_COMMON_UTF8_H_
#define OAUTHD_COMMON_UTF8_H_

#include <cstdint>
#include <string>

namespace oauthd {

void AppendUtf8(uint32_t code_point, std::string* out);

}  // namespace oauthd

#endif  // OAUTHD_COMMON_UTF8_H_
