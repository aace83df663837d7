#include "common/flag_set.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace oauthd {

bool ParseBoolText(const std::string& text, bool* out) {
  const std::string t = absl::AsciiStrToLower(text);
  if (t == "true" || t == "1" || t == "yes") {
    *out = true;
    return true;
  }
  if (t == "false" || t == "0" || t == "no") {
    *out = false;
    return true;
  }
  return false;
}

FlagSet::FlagSet(std::string env_prefix, std::string usage)
    : env_prefix_(std::move(env_prefix)), usage_(std::move(usage)) {}

void FlagSet::Add(Flag flag) { flags_.push_back(std::move(flag)); }

void FlagSet::String(const std::string& name, std::string* target, const std::string& help) {
  Add({name, help, absl::StrCat("\"", *target, "\""), false, false, [target](const std::string& v) {
         *target = v;
         return true;
       }});
}

void FlagSet::Bool(const std::string& name, bool* target, const std::string& help) {
  Add({name, help, *target ? "true" : "false", true, false,
       [target](const std::string& v) { return ParseBoolText(v, target); }});
}

void FlagSet::Int(const std::string& name, int* target, const std::string& help) {
  Add({name, help, absl::StrCat(*target), false, false,
       [target](const std::string& v) { return absl::SimpleAtoi(v, target); }});
}

void FlagSet::Duration(const std::string& name, absl::Duration* target, const std::string& help) {
  Add({name, help, absl::FormatDuration(*target), false, false, [target](const std::string& v) {
         absl::Duration d;
         if (!absl::ParseDuration(v, &d) || d < absl::ZeroDuration()) return false;
         *target = d;
         return true;
       }});
}

FlagSet::Flag* FlagSet::Find(const std::string& name) {
  for (Flag& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const FlagSet::Flag* FlagSet::Find(const std::string& name) const {
  return const_cast<FlagSet*>(this)->Find(name);
}

bool FlagSet::IsSet(const std::string& name) const {
  const Flag* f = Find(name);
  return f != nullptr && f->set;
}

std::string FlagSet::EnvName(const std::string& name) const {
  return env_prefix_ + absl::AsciiStrToUpper(absl::StrReplaceAll(name, {{"-", "_"}}));
}

absl::Status FlagSet::Parse(const std::vector<std::string>& args,
                            std::vector<std::string>* positional) {
  // Environment first, so that the command line overrides it.
  for (Flag& f : flags_) {
    const char* env = std::getenv(EnvName(f.name).c_str());
    if (env == nullptr) continue;
    if (!f.assign(env)) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad value \"", env, "\" in $", EnvName(f.name), " for --", f.name));
    }
    f.set = true;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h" || arg == "-help") {
      help_requested_ = true;
      return absl::OkStatus();
    }
    if (arg == "--") {
      positional->insert(positional->end(), args.begin() + i + 1, args.end());
      break;
    }
    if (!absl::StartsWith(arg, "--")) {
      positional->push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    Flag* f = Find(name);
    if (f == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name, " (see --help)"));
    }
    if (!has_value) {
      if (f->is_bool) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
      }
    }
    if (!f->assign(value)) {
      return absl::InvalidArgumentError(absl::StrCat("bad value \"", value, "\" for --", name));
    }
    f->set = true;
  }
  return absl::OkStatus();
}

std::string FlagSet::Help() const {
  std::string out = usage_;
  if (!flags_.empty()) absl::StrAppend(&out, "\nFlags:\n");
  for (const Flag& f : flags_) {
    absl::StrAppend(&out, "  --", f.name, f.is_bool ? "[=true|false]" : "=VALUE", "\n      ",
                    absl::StrReplaceAll(f.help, {{"\n", "\n      "}}),
                    "\n      default: ", f.default_text, "; environment: ", EnvName(f.name), "\n");
  }
  return out;
}

}  // namespace oauthd
