#include "storage/string_list_json.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "common/utf8.h"

namespace oauthd::storage {
namespace {}  // namespace

std::string EncodeStringList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out.push_back(',');
    out.push_back('"');
    for (unsigned char c : items[i]) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20) {
            out += absl::StrFormat("\\u%04x", c);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
    }
    out.push_back('"');
  }
  out.push_back(']');
  return out;
}

absl::StatusOr<std::vector<std::string>> DecodeStringList(absl::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < s.size() && absl::ascii_isspace(s[i])) ++i;
  };
  auto bad = [&] { return absl::DataLossError(absl::StrFormat("bad string list JSON at %d", i)); };
  skip_ws();
  if (i == s.size() || s.substr(i) == "null") return out;
  if (s[i++] != '[') return bad();
  skip_ws();
  if (i < s.size() && s[i] == ']') return out;
  while (true) {
    skip_ws();
    if (i >= s.size() || s[i++] != '"') return bad();
    std::string item;
    while (true) {
      if (i >= s.size()) return bad();
      char c = s[i++];
      if (c == '"') break;
      if (c != '\\') {
        item.push_back(c);
        continue;
      }
      if (i >= s.size()) return bad();
      char e = s[i++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          item.push_back(e);
          break;
        case 'b':
          item.push_back('\b');
          break;
        case 'f':
          item.push_back('\f');
          break;
        case 'n':
          item.push_back('\n');
          break;
        case 'r':
          item.push_back('\r');
          break;
        case 't':
          item.push_back('\t');
          break;
        case 'u': {
          uint32_t cp = 0;
          if (i + 4 > s.size() || !absl::SimpleHexAtoi(s.substr(i, 4), &cp)) return bad();
          i += 4;
          if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= s.size() && s[i] == '\\' && s[i + 1] == 'u') {
            uint32_t lo = 0;
            if (absl::SimpleHexAtoi(s.substr(i + 2, 4), &lo) && lo >= 0xDC00 && lo < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
              i += 6;
            }
          }
          AppendUtf8(cp, &item);
          break;
        }
        default:
          return bad();
      }
    }
    out.push_back(std::move(item));
    skip_ws();
    if (i >= s.size()) return bad();
    if (s[i] == ',') {
      ++i;
      continue;
    }
    if (s[i] == ']') return out;
    return bad();
  }
}

}  // namespace oauthd::storage
