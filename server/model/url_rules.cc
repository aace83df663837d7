#include "server/model/url_rules.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace oauthd::model {
namespace {

bool ValidEscapes(absl::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') continue;
    if (i + 2 >= s.size() || !absl::ascii_isxdigit(s[i + 1]) || !absl::ascii_isxdigit(s[i + 2]))
      return false;
    i += 2;
  }
  return true;
}

bool HasControl(absl::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

bool ParseAbsoluteUrl(absl::string_view s, ParsedUrl* out) {
  if (HasControl(s)) return false;
  size_t colon = s.find(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  absl::string_view scheme = s.substr(0, colon);
  if (!absl::ascii_isalpha(scheme[0])) return false;
  for (char c : scheme) {
    if (!absl::ascii_isalnum(c) && c != '+' && c != '-' && c != '.') return false;
  }
  absl::string_view rest = s.substr(colon + 1);
  if (!absl::ConsumePrefix(&rest, "//")) return false;
  out->scheme = std::string(scheme);
  if (size_t hash = rest.find('#'); hash != absl::string_view::npos) {
    out->fragment = std::string(rest.substr(hash + 1));
    out->has_fragment = true;
    rest = rest.substr(0, hash);
  } else {
    out->fragment.clear();
    out->has_fragment = false;
  }
  if (size_t q = rest.find('?'); q != absl::string_view::npos) {
    out->query = std::string(rest.substr(q + 1));
    out->has_query = true;
    rest = rest.substr(0, q);
  } else {
    out->query.clear();
    out->has_query = false;
  }
  size_t slash = rest.find('/');
  absl::string_view authority = rest.substr(0, slash);
  out->path = slash == absl::string_view::npos ? "" : std::string(rest.substr(slash));
  if (size_t at = authority.rfind('@'); at != absl::string_view::npos)
    authority = authority.substr(at + 1);
  absl::string_view host = authority;
  out->port.clear();
  if (absl::StartsWith(host, "[")) {  // IPv6 literal
    size_t close = host.find(']');
    if (close == absl::string_view::npos) return false;
    absl::string_view after = host.substr(close + 1);
    host = host.substr(0, close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return false;
      out->port = std::string(after.substr(1));
    }
  } else if (size_t pc = host.rfind(':'); pc != absl::string_view::npos) {
    out->port = std::string(host.substr(pc + 1));
    host = host.substr(0, pc);
  }
  for (char c : out->port) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  if (host.empty()) return false;
  for (char c : host) {
    if (c == ' ' || c == '<' || c == '>' || c == '"' || c == '{' || c == '}' || c == '|' ||
        c == '\\' || c == '^' || c == '`') {
      return false;
    }
  }
  out->host = std::string(host);
  return ValidEscapes(host) && ValidEscapes(out->path) && ValidEscapes(out->query);
}

bool IsValidHttpUrl(absl::string_view s) {
  if (!absl::StartsWith(s, "http://") && !absl::StartsWith(s, "https://")) return false;
  ParsedUrl u;
  return ParseAbsoluteUrl(s, &u);
}

size_t RuneCount(absl::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 1;
    bool ok = i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    i += ok ? len : 1;
  }
  return n;
}

}  // namespace oauthd::model
