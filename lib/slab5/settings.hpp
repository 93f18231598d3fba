// Settings resolution for slab5 (cli.md §1): flag → environment → profile → default,
// remembering where each value came from so `auth status` and `doctor` can say so.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace slab5 {

struct Setting {
  std::string value;
  std::string source;  // "flag --base-url", "env SLAB5_API_BASE_URL", "profile default", "default"
  bool set() const { return !value.empty(); }
};

struct SettingInputs {
  std::optional<std::string> flag;
  std::vector<std::string> env_names;  // checked in order
  std::optional<std::string> profile_value;
  std::string profile_source;  // e.g. "profile default (~/.config/slab5/config.json)"
  std::string default_value;
  std::string flag_name;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_env();

Setting resolve_setting(const SettingInputs& in, const EnvLookup& env);

inline constexpr const char* kDefaultBaseUrl = "https://api.slab5.com/v1";

}  // namespace slab5
