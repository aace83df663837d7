#include "common/json_reader.h"

#include <google/protobuf/descriptor.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/utf8.h"

namespace oauthd {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr int kMaxDepth = 64;

const FieldDescriptor* FindField(const google::protobuf::Descriptor* d, const std::string& key) {
  if (const auto* f = d->FindFieldByName(key)) return f;
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->json_name() == key) return d->field(i);
  }
  for (int i = 0; i < d->field_count(); ++i) {
    if (absl::EqualsIgnoreCase(d->field(i)->name(), key)) return d->field(i);
  }
  return nullptr;
}

class Reader {
 public:
  explicit Reader(absl::string_view text) : s_(text) {}

  absl::Status ReadTop(Message* m) {
    SkipWs();
    if (Literal("null")) return absl::OkStatus();
    return ReadObject(m, 0);
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("invalid JSON at offset ", i_, ": ", what));
  }

  void SkipWs() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }

  bool Literal(absl::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  bool Peek(char c) {
    SkipWs();
    return i_ < s_.size() && s_[i_] == c;
  }

  absl::Status Expect(char c) {
    if (!Peek(c)) return Error(absl::StrCat("expected '", std::string(1, c), "'"));
    ++i_;
    return absl::OkStatus();
  }

  absl::Status ReadString(std::string* out) {
    if (!Peek('"')) return Error("expected a string");
    ++i_;
    out->clear();
    while (true) {
      if (i_ >= s_.size()) return Error("unterminated string");
      char c = s_[i_++];
      if (c == '"') return absl::OkStatus();
      if (static_cast<unsigned char>(c) < 0x20) return Error("control character in string");
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (i_ >= s_.size()) return Error("unterminated escape");
      char e = s_[i_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->push_back(e);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp = 0;
          if (i_ + 4 > s_.size() || !absl::SimpleHexAtoi(s_.substr(i_, 4), &cp))
            return Error("bad \\u escape");
          i_ += 4;
          if (cp >= 0xD800 && cp < 0xDC00) {
            uint32_t lo = 0;
            if (i_ + 6 <= s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u' &&
                absl::SimpleHexAtoi(s_.substr(i_ + 2, 4), &lo) && lo >= 0xDC00 && lo < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
              i_ += 6;
            } else {
              cp = 0xFFFD;
            }
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            cp = 0xFFFD;
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          return Error("bad escape");
      }
    }
  }

  // The raw text of a JSON number.
  absl::Status ReadNumberToken(std::string* out) {
    SkipWs();
    size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (i_ >= s_.size() || !absl::ascii_isdigit(s_[i_])) return Error("expected a number");
    if (s_[i_] == '0' && i_ + 1 < s_.size() && absl::ascii_isdigit(s_[i_ + 1]))
      return Error("leading zero");
    while (i_ < s_.size() && absl::ascii_isdigit(s_[i_])) ++i_;
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (i_ >= s_.size() || !absl::ascii_isdigit(s_[i_])) return Error("bad fraction");
      while (i_ < s_.size() && absl::ascii_isdigit(s_[i_])) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (i_ >= s_.size() || !absl::ascii_isdigit(s_[i_])) return Error("bad exponent");
      while (i_ < s_.size() && absl::ascii_isdigit(s_[i_])) ++i_;
    }
    *out = std::string(s_.substr(start, i_ - start));
    return absl::OkStatus();
  }

  // A number, or a number in a string (protobuf's JSON form for 64-bit values); returns its text.
  absl::Status ReadNumeric(std::string* out) {
    if (Peek('"')) return ReadString(out);
    return ReadNumberToken(out);
  }

  absl::Status SkipValue(int depth) {
    if (depth > kMaxDepth) return Error("nested too deeply");
    SkipWs();
    if (i_ >= s_.size()) return Error("unexpected end");
    std::string scratch;
    switch (s_[i_]) {
      case '"':
        return ReadString(&scratch);
      case '{': {
        ++i_;
        if (Peek('}')) return Expect('}');
        while (true) {
          if (absl::Status st = ReadString(&scratch); !st.ok()) return st;
          if (absl::Status st = Expect(':'); !st.ok()) return st;
          if (absl::Status st = SkipValue(depth + 1); !st.ok()) return st;
          if (Peek(',')) {
            ++i_;
            continue;
          }
          return Expect('}');
        }
      }
      case '[': {
        ++i_;
        if (Peek(']')) return Expect(']');
        while (true) {
          if (absl::Status st = SkipValue(depth + 1); !st.ok()) return st;
          if (Peek(',')) {
            ++i_;
            continue;
          }
          return Expect(']');
        }
      }
      case 't':
        return Literal("true") ? absl::OkStatus() : Error("bad literal");
      case 'f':
        return Literal("false") ? absl::OkStatus() : Error("bad literal");
      case 'n':
        return Literal("null") ? absl::OkStatus() : Error("bad literal");
      default:
        return ReadNumberToken(&scratch);
    }
  }

  absl::Status ReadObject(Message* m, int depth) {
    if (depth > kMaxDepth) return Error("nested too deeply");
    if (absl::Status st = Expect('{'); !st.ok()) return st;
    if (Peek('}')) return Expect('}');
    std::string key;
    while (true) {
      if (absl::Status st = ReadString(&key); !st.ok()) return st;
      if (absl::Status st = Expect(':'); !st.ok()) return st;
      const FieldDescriptor* f = FindField(m->GetDescriptor(), key);
      absl::Status st = f == nullptr ? SkipValue(depth + 1) : ReadField(m, f, depth + 1);
      if (!st.ok()) return st;
      if (Peek(',')) {
        ++i_;
        continue;
      }
      return Expect('}');
    }
  }

  absl::Status ReadField(Message* m, const FieldDescriptor* f, int depth) {
    SkipWs();
    if (Literal("null")) return absl::OkStatus();  // Go leaves the field as it is
    const Reflection* r = m->GetReflection();
    if (f->is_map()) {
      r->ClearField(m, f);
      if (absl::Status st = Expect('{'); !st.ok()) return st;
      if (Peek('}')) return Expect('}');
      std::string key;
      while (true) {
        if (absl::Status st = ReadString(&key); !st.ok()) return st;
        if (absl::Status st = Expect(':'); !st.ok()) return st;
        Message* entry = r->AddMessage(m, f);
        const FieldDescriptor* kf = entry->GetDescriptor()->map_key();
        if (absl::Status st = SetScalarFromText(entry, kf, key); !st.ok()) return st;
        if (absl::Status st = ReadSingle(entry, entry->GetDescriptor()->map_value(), depth);
            !st.ok())
          return st;
        if (Peek(',')) {
          ++i_;
          continue;
        }
        return Expect('}');
      }
    }
    if (f->is_repeated()) {
      r->ClearField(m, f);
      if (absl::Status st = Expect('['); !st.ok()) return st;
      if (Peek(']')) return Expect(']');
      while (true) {
        if (absl::Status st = ReadSingle(m, f, depth); !st.ok()) return st;
        if (Peek(',')) {
          ++i_;
          continue;
        }
        return Expect(']');
      }
    }
    return ReadSingle(m, f, depth);
  }

  // One value of `f` (added when repeated).
  absl::Status ReadSingle(Message* m, const FieldDescriptor* f, int depth) {
    const Reflection* r = m->GetReflection();
    SkipWs();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        Message* sub = f->is_repeated() ? r->AddMessage(m, f) : r->MutableMessage(m, f);
        if (f->is_repeated() && Literal("null")) return absl::OkStatus();
        return ReadObject(sub, depth + 1);
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string v;
        if (absl::Status st = ReadString(&v); !st.ok())
          return Error(absl::StrCat("field ", f->name(), " wants a string"));
        if (f->type() == FieldDescriptor::TYPE_BYTES) {
          std::string raw;
          if (!absl::Base64Unescape(v, &raw) && !absl::WebSafeBase64Unescape(v, &raw)) {
            return Error(absl::StrCat("field ", f->name(), " wants base64"));
          }
          v = std::move(raw);
        }
        f->is_repeated() ? r->AddString(m, f, std::move(v)) : r->SetString(m, f, std::move(v));
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        bool v;
        if (Literal("true")) {
          v = true;
        } else if (Literal("false")) {
          v = false;
        } else {
          return Error(absl::StrCat("field ", f->name(), " wants true or false"));
        }
        f->is_repeated() ? r->AddBool(m, f, v) : r->SetBool(m, f, v);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        std::string v;
        if (Peek('"')) {
          if (absl::Status st = ReadString(&v); !st.ok()) return st;
        } else if (absl::Status st = ReadNumberToken(&v); !st.ok()) {
          return st;
        }
        return SetScalarFromText(m, f, v);
      }
      default: {
        std::string v;
        if (absl::Status st = ReadNumeric(&v); !st.ok())
          return Error(absl::StrCat("field ", f->name(), " wants a number"));
        if (absl::Status st = SetScalarFromText(m, f, v); !st.ok()) return Error(st.message());
        return absl::OkStatus();
      }
    }
  }

 public:
  // Sets (or adds, when repeated) a scalar field from its text form; shared with query/path
  // binding.
  static absl::Status SetScalarFromText(Message* m, const FieldDescriptor* f,
                                        absl::string_view text);

 private:
  absl::string_view s_;
  size_t i_ = 0;
};

template <typename T>
bool ParseInt(absl::string_view text, T* out) {
  if (text.find_first_of(".eE") != absl::string_view::npos) {
    // 1e3 or 5.0 are integral in JSON; accept them when exact.
    // T's range is [min, 2^digits): both ends are exact doubles, whereas max() itself is not
    // (INT64_MAX rounds up to 2^63 and would pass a `d > max` test, then overflow the cast).
    double d;
    if (!absl::SimpleAtod(text, &d) || std::floor(d) != d ||
        d < static_cast<double>(std::numeric_limits<T>::min()) ||
        d >= std::ldexp(1.0, std::numeric_limits<T>::digits)) {
      return false;
    }
    *out = static_cast<T>(d);
    return true;
  }
  return absl::SimpleAtoi(text, out) && text == absl::StripAsciiWhitespace(text);
}

absl::Status Reader::SetScalarFromText(Message* m, const FieldDescriptor* f,
                                       absl::string_view text) {
  const Reflection* r = m->GetReflection();
  const bool rep = f->is_repeated();
  auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat("bad value for field ", f->name(), ": ", text));
  };
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!ParseInt(text, &v)) return bad();
      rep ? r->AddInt32(m, f, v) : r->SetInt32(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!ParseInt(text, &v)) return bad();
      rep ? r->AddInt64(m, f, v) : r->SetInt64(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v;
      if (!ParseInt(text, &v)) return bad();
      rep ? r->AddUInt32(m, f, v) : r->SetUInt32(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v;
      if (!ParseInt(text, &v)) return bad();
      rep ? r->AddUInt64(m, f, v) : r->SetUInt64(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double v;
      if (text == "NaN") {
        v = std::nan("");
      } else if (text == "Infinity") {
        v = std::numeric_limits<double>::infinity();
      } else if (text == "-Infinity") {
        v = -std::numeric_limits<double>::infinity();
      } else if (!absl::SimpleAtod(text, &v)) {
        return bad();
      }
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
        rep ? r->AddFloat(m, f, static_cast<float>(v)) : r->SetFloat(m, f, static_cast<float>(v));
      } else {
        rep ? r->AddDouble(m, f, v) : r->SetDouble(m, f, v);
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v;
      if (text == "true" || text == "1") {
        v = true;
      } else if (text == "false" || text == "0") {
        v = false;
      } else {
        return bad();
      }
      rep ? r->AddBool(m, f, v) : r->SetBool(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* v = f->enum_type()->FindValueByName(std::string(text));
      int number;
      if (v == nullptr && absl::SimpleAtoi(text, &number))
        v = f->enum_type()->FindValueByNumber(number);
      if (v == nullptr) return bad();
      rep ? r->AddEnum(m, f, v) : r->SetEnum(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string v(text);
      if (f->type() == FieldDescriptor::TYPE_BYTES) {
        std::string raw;
        if (!absl::Base64Unescape(text, &raw) && !absl::WebSafeBase64Unescape(text, &raw))
          return bad();
        v = std::move(raw);
      }
      rep ? r->AddString(m, f, std::move(v)) : r->SetString(m, f, std::move(v));
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return absl::InvalidArgumentError(
          absl::StrCat("field ", f->name(), " is a message, not a scalar"));
  }
  return bad();
}

}  // namespace

absl::Status ReadJson(absl::string_view text, Message* message) {
  return Reader(text).ReadTop(message);
}

absl::Status SetFieldFromText(Message* m, const FieldDescriptor* f, absl::string_view text) {
  return Reader::SetScalarFromText(m, f, text);
}

}  // namespace oauthd
