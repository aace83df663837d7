#include "server/model/url_encoding.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace oauthd::model {
bool FormUnescape(absl::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out->push_back(' ');
    } else if (in[i] == '%') {
      if (i + 2 >= in.size() || !absl::ascii_isxdigit(in[i + 1]) ||
          !absl::ascii_isxdigit(in[i + 2]))
        return false;
      int v = 0;
      if (!absl::SimpleHexAtoi(in.substr(i + 1, 2), &v)) return false;
      out->push_back(static_cast<char>(v));
      i += 2;
    } else {
      out->push_back(in[i]);
    }
  }
  return true;
}

std::string QueryEscape(absl::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

bool ParseForm(absl::string_view body, std::map<std::string, std::string>* out) {
  for (absl::string_view pair : absl::StrSplit(body, '&', absl::SkipEmpty())) {
    size_t eq = pair.find('=');
    std::string key, value;
    if (!FormUnescape(pair.substr(0, eq), &key)) return false;
    if (eq != absl::string_view::npos && !FormUnescape(pair.substr(eq + 1), &value)) return false;
    out->emplace(std::move(key), std::move(value));  // the first value wins, as r.FormValue
  }
  return true;
}

std::string AddQueryParams(absl::string_view uri,
                           const std::vector<std::pair<std::string, std::string>>& params) {
  const size_t hash = uri.find('#');
  std::string base(uri.substr(0, hash));
  const std::string fragment = hash == absl::string_view::npos ? "" : std::string(uri.substr(hash));
  char sep = base.find('?') == std::string::npos ? '?' : '&';
  if (!base.empty() && (base.back() == '?' || base.back() == '&')) sep = '\0';
  for (const auto& [k, v] : params) {
    if (sep != '\0') base.push_back(sep);
    base += QueryEscape(k) + "=" + QueryEscape(v);
    sep = '&';
  }
  return base + fragment;
}

}  // namespace oauthd::model
