#include "gateway/http_template.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace oauthd::gateway {
namespace {

class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  absl::StatusOr<HttpTemplate> Parse() {
    if (text_.empty() || text_[0] != '/') return Error("must start with '/'");
    // The verb is a ':' after the last '/' that is outside braces.
    size_t verb_at = absl::string_view::npos;
    int depth = 0;
    for (size_t i = 0; i < text_.size(); ++i) {
      if (text_[i] == '{') ++depth;
      if (text_[i] == '}') --depth;
      if (text_[i] == '/' && depth == 0) verb_at = absl::string_view::npos;
      if (text_[i] == ':' && depth == 0) verb_at = i;
    }
    absl::string_view path = text_;
    if (verb_at != absl::string_view::npos) {
      out_.verb = std::string(text_.substr(verb_at + 1));
      if (out_.verb.empty()) return Error("empty verb");
      path = text_.substr(0, verb_at);
    }
    pos_ = 1;
    path_ = path;
    if (path_.size() == 1) return out_;  // "/"
    if (absl::Status st = Segments(/*in_variable=*/false); !st.ok()) return st;
    if (pos_ != path_.size()) return Error("unexpected character");
    for (size_t i = 0; i < out_.segments.size(); ++i) {
      if (out_.segments[i].kind == HttpTemplate::Kind::kMulti && i + 1 != out_.segments.size()) {
        return Error("'**' must be the last segment");
      }
    }
    return out_;
  }

 private:
  absl::Status Error(absl::string_view why) const {
    return absl::InvalidArgumentError(absl::StrCat("bad path template \"", text_, "\": ", why));
  }

  absl::Status Segments(bool in_variable) {
    while (true) {
      if (absl::Status st = Segment(in_variable); !st.ok()) return st;
      if (pos_ < path_.size() && path_[pos_] == '/') {
        ++pos_;
        continue;
      }
      return absl::OkStatus();
    }
  }

  absl::Status Segment(bool in_variable) {
    if (pos_ >= path_.size()) return Error("empty segment");
    if (path_.substr(pos_, 2) == "**") {
      pos_ += 2;
      out_.segments.push_back({HttpTemplate::Kind::kMulti, ""});
      return absl::OkStatus();
    }
    if (path_[pos_] == '*') {
      ++pos_;
      out_.segments.push_back({HttpTemplate::Kind::kSingle, ""});
      return absl::OkStatus();
    }
    if (path_[pos_] == '{') {
      if (in_variable) return Error("nested variable");
      return Variable();
    }
    size_t start = pos_;
    while (pos_ < path_.size() && path_[pos_] != '/' && path_[pos_] != '{' && path_[pos_] != '}' &&
           path_[pos_] != '*' && path_[pos_] != '=') {
      ++pos_;
    }
    if (pos_ == start) return Error("empty literal");
    out_.segments.push_back(
        {HttpTemplate::Kind::kLiteral, std::string(path_.substr(start, pos_ - start))});
    return absl::OkStatus();
  }

  absl::Status Variable() {
    ++pos_;  // '{'
    size_t start = pos_;
    while (pos_ < path_.size() &&
           (absl::ascii_isalnum(path_[pos_]) || path_[pos_] == '_' || path_[pos_] == '.')) {
      ++pos_;
    }
    HttpTemplate::Variable var;
    var.field_path = absl::StrSplit(path_.substr(start, pos_ - start), '.');
    for (const auto& part : var.field_path) {
      if (part.empty()) return Error("bad field path");
    }
    var.begin = static_cast<int>(out_.segments.size());
    if (pos_ < path_.size() && path_[pos_] == '=') {
      ++pos_;
      if (absl::Status st = Segments(/*in_variable=*/true); !st.ok()) return st;
    } else {
      out_.segments.push_back({HttpTemplate::Kind::kSingle, ""});
    }
    if (pos_ >= path_.size() || path_[pos_] != '}') return Error("missing '}'");
    ++pos_;
    var.end = static_cast<int>(out_.segments.size());
    out_.variables.push_back(std::move(var));
    return absl::OkStatus();
  }

  absl::string_view text_;
  absl::string_view path_;
  size_t pos_ = 0;
  HttpTemplate out_;
};

}  // namespace

absl::StatusOr<HttpTemplate> ParseHttpTemplate(absl::string_view text) {
  return Parser(text).Parse();
}

}  // namespace oauthd::gateway
