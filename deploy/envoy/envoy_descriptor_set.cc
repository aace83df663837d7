// oauthd-envoy-descriptors: writes the contract's descriptor set in the form Envoy's
// grpc_json_transcoder loads. Envoy refuses, at start-up, a `response_body` that names a field
// other than a google.api.HttpBody ("not supported yet for non-HttpBody fields"), so such a rule
// loses its response_body here: behind Envoy that answer is the whole response message (e.g.
// {"apps":[...]}) instead of the bare array oauthd-gateway sends. Nothing else changes.
//   oauthd-envoy-descriptors IN.pb OUT.pb     write the Envoy form of IN
//   oauthd-envoy-descriptors --list IN.pb     print "service method VERB path body=...
//   response_body=..." per rule
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "google/api/annotations.pb.h"

namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptorSet;

int Fail(const std::string& message) {
  std::fprintf(stderr, "oauthd-envoy-descriptors: %s\n", message.c_str());
  return 1;
}

bool IsHttpBodyField(const DescriptorPool& pool, const std::string& message_type,
                     const std::string& field_name) {
  const auto* message = pool.FindMessageTypeByName(message_type.substr(1));  // drop the leading '.'
  const auto* field = message ? message->FindFieldByName(field_name) : nullptr;
  return field != nullptr && field->message_type() != nullptr &&
         field->message_type()->full_name() == "google.api.HttpBody";
}

// The rule's verb and path template.
std::pair<std::string, std::string> VerbAndPath(const google::api::HttpRule& rule) {
  if (rule.has_get()) return {"GET", rule.get()};
  if (rule.has_put()) return {"PUT", rule.put()};
  if (rule.has_post()) return {"POST", rule.post()};
  if (rule.has_delete_()) return {"DELETE", rule.delete_()};
  if (rule.has_patch()) return {"PATCH", rule.patch()};
  return {rule.custom().kind(), rule.custom().path()};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string usage =
      "usage: oauthd-envoy-descriptors IN.pb OUT.pb | oauthd-envoy-descriptors --list IN.pb";
  if (argc == 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::puts(usage.c_str());
    return 0;
  }
  if (argc != 3) return Fail(usage);
  const bool list = std::string(argv[1]) == "--list";
  const std::string in_path = list ? argv[2] : argv[1];
  std::ifstream in(in_path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  FileDescriptorSet set;
  if (!in || !set.ParseFromString(bytes.str()))
    return Fail("cannot read a descriptor set from " + in_path);
  DescriptorPool pool;
  for (const auto& file : set.file()) {
    if (pool.BuildFile(file) == nullptr)
      return Fail("descriptor set is incomplete at " + file.name());
  }
  for (auto& file : *set.mutable_file()) {
    for (auto& service : *file.mutable_service()) {
      for (auto& method : *service.mutable_method()) {
        if (!method.options().HasExtension(google::api::http)) continue;
        auto* rule = method.mutable_options()->MutableExtension(google::api::http);
        if (list) {
          const auto [verb, path] = VerbAndPath(*rule);
          std::printf("%s.%s %s %s %s body=%s response_body=%s\n", file.package().c_str(),
                      service.name().c_str(), method.name().c_str(), verb.c_str(), path.c_str(),
                      rule->body().c_str(), rule->response_body().c_str());
        } else if (!rule->response_body().empty() &&
                   !IsHttpBodyField(pool, method.output_type(), rule->response_body())) {
          rule->clear_response_body();
        }
      }
    }
  }
  if (list) return 0;
  std::ofstream out(argv[2], std::ios::binary);
  if (!out || !set.SerializeToOstream(&out)) return Fail(std::string("cannot write ") + argv[2]);
  return 0;
}
