#include "slab5/settings.hpp"

#include <cstdlib>

namespace slab5 {

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v || !*v) return std::nullopt;
    return std::string(v);
  };
}

Setting resolve_setting(const SettingInputs& in, const EnvLookup& env) {
  if (in.flag && !in.flag->empty()) return {*in.flag, "flag " + in.flag_name};
  for (const auto& name : in.env_names)
    if (auto v = env(name)) return {*v, "env " + name};
  if (in.profile_value && !in.profile_value->empty()) return {*in.profile_value, in.profile_source};
  if (!in.default_value.empty()) return {in.default_value, "default"};
  return {"", ""};
}

}  // namespace slab5
