#include "gateway/response_renderer.h"

#include <google/protobuf/descriptor.h>
#include <google/rpc/status.pb.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/json_writer.h"

namespace oauthd::gateway {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Response metadata the server may turn into HTTP headers.
constexpr const char* kForwardedHeaders[] = {
    "cache-control",
    "pragma",
    "location",
    "set-cookie",
    "retry-after",
    "www-authenticate",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "content-disposition",
    "content-security-policy",
    "x-frame-options",
};

// "cache-control" → "Cache-Control" (HTTP/1.1 names are case-insensitive; this is only for
// readers).
std::string CanonicalHeaderName(const std::string& name) {
  std::string out = name;
  bool upper = true;
  for (char& c : out) {
    if (upper) c = absl::ascii_toupper(c);
    upper = c == '-';
  }
  return out;
}

void CopyHeaders(const MetadataMap& md, HttpResponse* r) {
  for (const char* name : kForwardedHeaders) {
    auto range = md.equal_range(name);
    for (auto it = range.first; it != range.second; ++it) {
      const std::string header = CanonicalHeaderName(name);
      if (header == "Set-Cookie") {
        r->headers.emplace_back(header, it->second);  // may repeat
      } else {
        r->SetHeader(header, it->second);
      }
    }
  }
}

void RenderHttpBody(const Message& body, HttpResponse* r) {
  const auto* d = body.GetDescriptor();
  const auto* refl = body.GetReflection();
  r->body = refl->GetString(body, d->FindFieldByName("data"));
  std::string type = refl->GetString(body, d->FindFieldByName("content_type"));
  if (!type.empty()) {
    r->SetHeader("Content-Type", type);
  } else if (!r->body.empty()) {
    r->SetHeader("Content-Type", "application/octet-stream");
  }  // an empty body (a redirect, say) needs no type
}

}  // namespace

int HttpStatusForGrpcCode(int code) {
  switch (code) {
    case 0:
      return 200;
    case 1:
      return 499;
    case 3:
      return 400;
    case 4:
      return 504;
    case 5:
      return 404;
    case 6:
      return 409;
    case 7:
      return 403;
    case 8:
      return 429;
    case 9:
      return 400;
    case 10:
      return 409;
    case 11:
      return 400;
    case 12:
      return 501;
    case 14:
      return 503;
    case 16:
      return 401;
    default:
      return 500;
  }
}

HttpResponse RenderSuccess(const Binding& binding, const Message& response, const MetadataMap& md) {
  HttpResponse r;
  if (auto it = md.find("x-http-code"); it != md.end()) {
    int code = 0;
    if (absl::SimpleAtoi(it->second, &code) && code >= 100 && code <= 599) r.status = code;
  }
  const FieldDescriptor* field =
      binding.response_body.empty()
          ? nullptr
          : response.GetDescriptor()->FindFieldByName(binding.response_body);
  if (IsHttpBody(response.GetDescriptor())) {
    RenderHttpBody(response, &r);
  } else if (field != nullptr && !field->is_repeated() && IsHttpBody(field->message_type())) {
    RenderHttpBody(response.GetReflection()->GetMessage(response, field), &r);
  } else {
    if (field != nullptr) {
      WriteFieldJson(response, field, &r.body);
    } else {
      WriteJson(response, &r.body);
    }
    r.SetHeader("Content-Type", "application/json");
  }
  CopyHeaders(md, &r);
  return r;
}

HttpResponse RenderFailure(const RouteTable& table, int grpc_code, const std::string& grpc_message,
                           const std::string& details, const MetadataMap& md,
                           const std::string& request_id) {
  google::rpc::Status rpc;
  if (!details.empty() && rpc.ParseFromString(details) && rpc.details_size() > 0) {
    const auto& any = rpc.details(0);
    const std::string type_name = any.type_url().substr(any.type_url().rfind('/') + 1);
    if (const auto* type = table.pool().FindMessageTypeByName(type_name)) {
      auto detail = table.NewMessage(type);
      if (detail->ParseFromString(any.value())) {
        HttpResponse r;
        r.status = HttpStatusForGrpcCode(grpc_code);
        // A detail with a set `status_code` field names the HTTP status itself.
        const FieldDescriptor* sc = type->FindFieldByName("status_code");
        if (sc != nullptr && sc->cpp_type() == FieldDescriptor::CPPTYPE_INT32 &&
            (!sc->has_presence() || detail->GetReflection()->HasField(*detail, sc))) {
          const int code = detail->GetReflection()->GetInt32(*detail, sc);
          if (code >= 400 && code <= 599) r.status = code;
        }
        if (IsHttpBody(type)) {
          RenderHttpBody(*detail, &r);
        } else {
          WriteJson(*detail, &r.body);
          r.SetHeader("Content-Type", "application/json");
        }
        CopyHeaders(md, &r);
        return r;
      }
    }
  }
  // No usable detail: the standard table and an AppError made here.
  const int status = HttpStatusForGrpcCode(grpc_code);
  // Transport failures carry gRPC's own text (addresses, errno): keep it out of the body.
  (void)grpc_message;
  std::string id = "api.gateway.upstream_error.app_error", message = "The upstream call failed.";
  if (grpc_code == 14) {
    id = "api.gateway.upstream_unavailable.app_error";
    message = "The service is unavailable; try again later.";
  } else if (grpc_code == 4) {
    id = "api.gateway.upstream_timeout.app_error";
    message = "The service did not answer in time.";
  }
  HttpResponse r = AppErrorResponse(status, id, message, request_id);
  CopyHeaders(md, &r);
  return r;
}

}  // namespace oauthd::gateway
