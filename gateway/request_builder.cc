#include "gateway/request_builder.h"

#include <google/protobuf/descriptor.h>

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/json_reader.h"

namespace oauthd::gateway {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Walks "a.b.c" to the message holding `c`; creates the intermediate messages. Null if a step is
// unknown or not a singular message.
Message* Walk(Message* m, const std::vector<std::string>& path, const FieldDescriptor** leaf) {
  for (size_t i = 0; i < path.size(); ++i) {
    const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(path[i]);
    if (f == nullptr) return nullptr;
    if (i + 1 == path.size()) {
      *leaf = f;
      return m;
    }
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated()) return nullptr;
    m = m->GetReflection()->MutableMessage(m, f);
  }
  return nullptr;
}

absl::Status SetPath(Message* out, const std::string& dotted, absl::string_view value,
                     bool unknown_is_error) {
  std::vector<std::string> path = absl::StrSplit(dotted, '.');
  const FieldDescriptor* leaf = nullptr;
  Message* holder = Walk(out, path, &leaf);
  if (holder == nullptr || leaf->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE || leaf->is_map()) {
    if (unknown_is_error) return absl::InvalidArgumentError(absl::StrCat("no field ", dotted));
    return absl::OkStatus();
  }
  return SetFieldFromText(holder, leaf, value);
}

void SetHttpBody(Message* http_body, absl::string_view content_type, absl::string_view body) {
  const auto* d = http_body->GetDescriptor();
  const auto* r = http_body->GetReflection();
  r->SetString(http_body, d->FindFieldByName("content_type"), std::string(content_type));
  r->SetString(http_body, d->FindFieldByName("data"), std::string(body));
}

}  // namespace

BuildError BuildRequest(const Binding& binding, const PathMatch& match, absl::string_view query,
                        absl::string_view content_type, absl::string_view body, Message* out) {
  std::set<std::string> bound;
  auto bind_path = [&]() -> BuildError {
    for (const auto& [field, value] : match.variables) {
      if (absl::Status st = SetPath(out, field, value, /*unknown_is_error=*/true); !st.ok()) {
        return {RequestPart::kPath, st};
      }
      bound.insert(field);
    }
    return {};
  };
  if (BuildError e = bind_path(); !e.status.ok()) return e;

  if (binding.body == "*") {
    if (IsHttpBody(out->GetDescriptor())) {
      SetHttpBody(out, content_type, body);
    } else if (absl::Status st = ReadJson(body.empty() ? absl::string_view(" ") : body, out);
               !st.ok()) {
      return {RequestPart::kBody, st};
    }
    // Path variables win over body fields of the same name.
    if (BuildError e = bind_path(); !e.status.ok()) return e;
    return {};  // with body "*" there are no query parameters to bind
  }
  if (!binding.body.empty()) {
    const FieldDescriptor* f = out->GetDescriptor()->FindFieldByName(binding.body);
    if (IsHttpBody(f->message_type())) {
      SetHttpBody(out->GetReflection()->MutableMessage(out, f), content_type, body);
    } else if (absl::StripAsciiWhitespace(body) != "null") {
      // proto3 JSON: `null` for a message field leaves it unset, so the server can tell it from {}.
      Message* sub = out->GetReflection()->MutableMessage(out, f);
      if (absl::Status st = ReadJson(body.empty() ? absl::string_view(" ") : body, sub); !st.ok())
        return {RequestPart::kBody, st};
    }
    bound.insert(binding.body);
  }
  if (query.empty()) return {};
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    size_t eq = pair.find('=');
    std::string key, value;
    if (!PercentDecode(pair.substr(0, eq), &key, true) ||
        !PercentDecode(eq == absl::string_view::npos ? "" : pair.substr(eq + 1), &value, true)) {
      return {RequestPart::kQuery,
              absl::InvalidArgumentError("malformed percent escape in the query")};
    }
    // A parameter cannot override what the path or body bound, nor reach inside them.
    bool shadowed = false;
    for (const std::string& b : bound) {
      if (key == b || absl::StartsWith(key, b + ".")) shadowed = true;
    }
    if (shadowed) continue;
    if (absl::Status st = SetPath(out, key, value, /*unknown_is_error=*/false); !st.ok()) {
      return {RequestPart::kQuery, st};
    }
  }
  return {};
}

}  // namespace oauthd::gateway
