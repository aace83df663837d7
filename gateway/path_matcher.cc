#include "gateway/path_matcher.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace oauthd::gateway {
namespace {

using Kind = HttpTemplate::Kind;

// Matches raw segments against the template; fills `captured` with each template segment's matched
// text.
bool MatchSegments(const HttpTemplate& t, const std::vector<std::string>& segs,
                   std::vector<std::string>* captured) {
  captured->clear();
  size_t i = 0;
  for (size_t k = 0; k < t.segments.size(); ++k) {
    const auto& s = t.segments[k];
    if (s.kind == Kind::kMulti) {
      if (i > segs.size()) return false;
      captured->push_back(absl::StrJoin(segs.begin() + i, segs.end(), "/"));
      return true;
    }
    if (i >= segs.size()) return false;
    if (s.kind == Kind::kLiteral && s.literal != segs[i]) return false;
    if (s.kind == Kind::kSingle && segs[i].empty()) return false;
    captured->push_back(segs[i]);
    ++i;
  }
  return i == segs.size();
}

// Lower rank = more specific: literals first, then single wildcards, then `**`.
std::vector<int> Rank(const HttpTemplate& t) {
  std::vector<int> r;
  for (const auto& s : t.segments)
    r.push_back(s.kind == Kind::kLiteral ? 0 : s.kind == Kind::kSingle ? 1 : 2);
  return r;
}

}  // namespace

bool PercentDecode(absl::string_view in, std::string* out, bool plus_as_space) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+' && plus_as_space) {
      out->push_back(' ');
    } else if (c == '%') {
      int v = 0;
      if (i + 2 >= in.size()) return false;
      if (!absl::ascii_isxdigit(in[i + 1]) || !absl::ascii_isxdigit(in[i + 2])) return false;
      if (!absl::SimpleHexAtoi(in.substr(i + 1, 2), &v)) return false;
      out->push_back(static_cast<char>(v));
      i += 2;
    } else {
      out->push_back(c);
    }
  }
  return true;
}

void PathMatcher::Add(const std::string& http_method, HttpTemplate tmpl, int binding) {
  entries_.push_back({http_method, std::move(tmpl), binding});
  // Keep the most specific templates first so that the first match wins.
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const Entry& a, const Entry& b) { return Rank(a.tmpl) < Rank(b.tmpl); });
}

PathMatcher::Result PathMatcher::Match(absl::string_view http_method, absl::string_view path,
                                       PathMatch* out,
                                       std::vector<std::string>* allowed_methods) const {
  if (path.empty() || path[0] != '/') return Result::kNoPath;
  // A custom verb ("/x:publish") is part of the last segment on the wire.
  std::string verb;
  absl::string_view body = path.substr(1);
  std::vector<std::string> segs;
  if (!body.empty()) segs = absl::StrSplit(body, '/');
  std::vector<std::string> decoded(segs.size());
  for (size_t i = 0; i < segs.size(); ++i) {
    if (!PercentDecode(segs[i], &decoded[i])) return Result::kNoPath;
  }
  std::vector<std::string> captured;
  bool path_known = false;
  for (const Entry& e : entries_) {
    std::vector<std::string> candidate = decoded;
    if (!e.tmpl.verb.empty()) {
      if (candidate.empty()) continue;
      const std::string suffix = ":" + e.tmpl.verb;
      std::string& last = candidate.back();
      if (last.size() <= suffix.size() ||
          last.compare(last.size() - suffix.size(), suffix.size(), suffix) != 0) {
        continue;
      }
      last.resize(last.size() - suffix.size());
    }
    if (!MatchSegments(e.tmpl, candidate, &captured)) continue;
    if (e.method != http_method) {
      path_known = true;
      if (std::find(allowed_methods->begin(), allowed_methods->end(), e.method) ==
          allowed_methods->end()) {
        allowed_methods->push_back(e.method);
      }
      continue;
    }
    out->binding = e.binding;
    out->variables.clear();
    for (const auto& v : e.tmpl.variables) {
      std::vector<std::string> parts(captured.begin() + v.begin,
                                     captured.begin() + std::min<size_t>(v.end, captured.size()));
      out->variables.emplace_back(absl::StrJoin(v.field_path, "."), absl::StrJoin(parts, "/"));
    }
    return Result::kMatched;
  }
  return path_known ? Result::kWrongMethod : Result::kNoPath;
}

}  // namespace oauthd::gateway
