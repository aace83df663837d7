#include "gateway/route_table.h"

#include <google/api/annotations.pb.h>
#include <google/protobuf/descriptor.pb.h>

#include "absl/strings/str_cat.h"

namespace oauthd::gateway {
namespace {

// The rule's verb and path template.
bool Pattern(const google::api::HttpRule& rule, std::string* verb, std::string* path) {
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      *verb = "GET";
      *path = rule.get();
      return true;
    case google::api::HttpRule::kPut:
      *verb = "PUT";
      *path = rule.put();
      return true;
    case google::api::HttpRule::kPost:
      *verb = "POST";
      *path = rule.post();
      return true;
    case google::api::HttpRule::kDelete:
      *verb = "DELETE";
      *path = rule.delete_();
      return true;
    case google::api::HttpRule::kPatch:
      *verb = "PATCH";
      *path = rule.patch();
      return true;
    case google::api::HttpRule::kCustom:
      *verb = rule.custom().kind();
      *path = rule.custom().path();
      return true;
    default:
      return false;
  }
}

}  // namespace

bool IsHttpBody(const google::protobuf::Descriptor* type) {
  return type != nullptr && type->full_name() == "google.api.HttpBody";
}

absl::StatusOr<std::unique_ptr<RouteTable>> RouteTable::FromDescriptorSet(
    absl::string_view serialized) {
  google::protobuf::FileDescriptorSet fds;
  if (!fds.ParseFromArray(serialized.data(), static_cast<int>(serialized.size()))) {
    return absl::InvalidArgumentError("the descriptor set does not parse as a FileDescriptorSet");
  }
  std::unique_ptr<RouteTable> table(new RouteTable());
  for (const auto& file : fds.file()) {
    if (table->pool_.BuildFile(file) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot load ", file.name(), " from the descriptor set (built with --include_imports?)"));
    }
  }
  for (const auto& file : fds.file()) {
    const auto* fd = table->pool_.FindFileByName(file.name());
    for (int s = 0; s < fd->service_count(); ++s) {
      for (int m = 0; m < fd->service(s)->method_count(); ++m) {
        if (absl::Status st = table->AddMethod(fd->service(s)->method(m)); !st.ok()) return st;
      }
    }
  }
  if (table->bindings_.empty())
    return absl::InvalidArgumentError("the descriptor set has no google.api.http rules");
  return table;
}

absl::Status RouteTable::AddMethod(const google::protobuf::MethodDescriptor* method) {
  // The generated google.api.http extension is linked in, so the pool parses the option into a
  // typed HttpRule.
  if (!method->options().HasExtension(google::api::http)) return absl::OkStatus();
  if (method->client_streaming() || method->server_streaming()) {
    return absl::InvalidArgumentError(
        absl::StrCat(method->full_name(), ": streaming RPCs cannot be transcoded"));
  }
  const google::api::HttpRule& top = method->options().GetExtension(google::api::http);
  std::vector<const google::api::HttpRule*> rules = {&top};
  for (const auto& extra : top.additional_bindings()) rules.push_back(&extra);
  for (const google::api::HttpRule* rule : rules) {
    Binding b;
    b.method = method;
    b.grpc_path = absl::StrCat("/", method->service()->full_name(), "/", method->name());
    if (!Pattern(*rule, &b.http_method, &b.path_template)) {
      return absl::InvalidArgumentError(
          absl::StrCat(method->full_name(), ": HttpRule without a pattern"));
    }
    b.body = rule->body();
    b.response_body = rule->response_body();
    const auto* in = method->input_type();
    if (!b.body.empty() && b.body != "*" && in->FindFieldByName(b.body) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(method->full_name(), ": body field ", b.body, " not found"));
    }
    if (!b.response_body.empty() &&
        method->output_type()->FindFieldByName(b.response_body) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(method->full_name(), ": response_body field ",
                                                     b.response_body, " not found"));
    }
    auto tmpl = ParseHttpTemplate(b.path_template);
    if (!tmpl.ok())
      return absl::InvalidArgumentError(
          absl::StrCat(method->full_name(), ": ", tmpl.status().message()));
    matcher_.Add(b.http_method, *std::move(tmpl), static_cast<int>(bindings_.size()));
    bindings_.push_back(std::move(b));
  }
  return absl::OkStatus();
}

PathMatcher::Result RouteTable::Match(absl::string_view http_method, absl::string_view path,
                                      const Binding** binding, PathMatch* match,
                                      std::vector<std::string>* allowed_methods) const {
  PathMatcher::Result r = matcher_.Match(http_method, path, match, allowed_methods);
  if (r == PathMatcher::Result::kMatched) *binding = &bindings_[match->binding];
  return r;
}

std::unique_ptr<google::protobuf::Message> RouteTable::NewMessage(
    const google::protobuf::Descriptor* type) const {
  return std::unique_ptr<google::protobuf::Message>(factory_.GetPrototype(type)->New());
}

}  // namespace oauthd::gateway
