// `slab5 config list | get KEY | set KEY VALUE | unset KEY | path` (cli.md §1, §2): the
// settings of the active profile (--profile, SLAB5_PROFILE) in config.json. Tokens are not
// config keys: they live in credentials.json and are managed by `slab5 login`/`logout`.
#include <iostream>

#include "command_table.hpp"
#include "exit_codes.hpp"

namespace slab5cli {
namespace {

struct ConfigKey {
  const char* name;
  const char* description;
  const char* fallback;             // the built-in default ("" = none)
  std::vector<std::string> values;  // a fixed set, or empty
  // "" when the value is acceptable, else why not.
  std::string (*check)(const std::string& value);
};

std::string check_base_url(const std::string& v) {
  if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) return "base_url must start with http:// or https://";
  std::string trimmed = v;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  if (trimmed.size() < 3 || trimmed.substr(trimmed.size() - 3) != "/v1")
    return "base_url must end in /v1, e.g. http://127.0.0.1:8787/v1";
  return "";
}
std::string check_workspace(const std::string& v) {
  if (v.rfind("wrk_", 0) != 0 || v.size() < 5) return "workspace must be a workspace id (wrk_…)";
  return "";
}
std::string check_nothing(const std::string&) { return ""; }

const std::vector<ConfigKey>& config_keys() {
  static const std::vector<ConfigKey> keys = {
      {"base_url",
       "API base URL ending in /v1 (overridden by --base-url, SLAB5_API_BASE_URL)",
       slab5::kDefaultBaseUrl,
       {},
       check_base_url},
      {"workspace",
       "Default workspace id sent as x-workspace-id (overridden by -w, SLAB5_WORKSPACE_ID)",
       "",
       {},
       check_workspace},
      {"output",
       "Default output: table (human/TSV) or json (as if --json were given)",
       "table",
       {"table", "json"},
       check_nothing},
  };
  return keys;
}

const ConfigKey* find_key(const std::string& name) {
  for (const auto& k : config_keys())
    if (name == k.name) return &k;
  return nullptr;
}

std::vector<std::string> key_names() {
  std::vector<std::string> out;
  for (const auto& k : config_keys()) out.emplace_back(k.name);
  return out;
}

// The stored value, else the built-in default.
std::optional<std::string> effective(Context& ctx, const ConfigKey& k) {
  if (auto v = ctx.store().profile_value(ctx.profile(), k.name)) return v;
  if (*k.fallback) return std::string(k.fallback);
  return std::nullopt;
}

int config_list(Context& ctx) {
  Json obj = Json::object();
  std::vector<Column> cols;
  for (const auto& k : config_keys()) {
    auto v = effective(ctx, k);
    obj[k.name] = v ? Json(*v) : Json(nullptr);
    cols.push_back({k.name, k.name});
  }
  return ctx.emit(obj, [&] { ctx.out.print_fields(cols, obj); });
}

int config_get(Context& ctx, const std::string& name) {
  const auto* k = find_key(name);
  auto v = effective(ctx, *k);
  if (!v) return ctx.fail(kFailure, name + " is not set in profile " + ctx.profile());
  return ctx.emit(Json(*v), [&] { ctx.out.print_line(*v); });
}

int config_set(Context& ctx, const ConfigKey& k, const std::string& value) {
  if (auto why = k.check(value); !why.empty()) return ctx.usage_error(why);
  std::string v = value;
  if (std::string(k.name) == "base_url")
    while (v.size() > 1 && v.back() == '/') v.pop_back();
  ctx.store().set_profile_value(ctx.profile(), k.name, v);
  ctx.out.info("set " + std::string(k.name) + " in profile " + ctx.profile() + " (" + ctx.store().config_path() + ")");
  return kOk;
}

int config_unset(Context& ctx, const std::string& name) {
  ctx.store().unset_profile_value(ctx.profile(), name);
  ctx.out.info("unset " + name + " in profile " + ctx.profile());
  return kOk;
}

int config_path(Context& ctx) {
  Json paths = {{"config", ctx.store().config_path()},
                {"credentials", ctx.store().credentials_path()},
                {"directory", ctx.store().dir()}};
  return ctx.emit(paths, [&] { ctx.out.print_line(ctx.store().config_path()); });
}

}  // namespace

void add_config_commands(CLI::App& app, Context& ctx) {
  auto* config = app.add_subcommand("config", "Show and change the settings of the active profile (config.json)");
  config->require_subcommand(1);
  config->footer(
      "Keys: base_url, workspace, output. The profile is --profile/-p, else SLAB5_PROFILE, else 'default'.\n"
      "Tokens are not settings: 'slab5 login' stores them in credentials.json.\n\n"
      "Examples:\n  slab5 config set base_url http://127.0.0.1:8787/v1\n  slab5 config get base_url\n"
      "  slab5 -p staging config list\n  slab5 config path");

  auto* list = config->add_subcommand("list", "Print every key with its value in the active profile (or its default)");
  list->footer("Example:\n  slab5 config list --json");
  on_run(list, ctx, [&ctx] { return config_list(ctx); });

  static std::string get_key, unset_key;
  auto* get = config->add_subcommand("get", "Print one key's value (exit 1 when it is not set)");
  with_choices(get->add_option("key", get_key, "base_url, workspace or output")->required(), key_names());
  get->footer("Example:\n  slab5 config get workspace");
  on_run(get, ctx, [&ctx] { return config_get(ctx, get_key); });

  auto* set = config->add_subcommand("set", "Set a key in the active profile");
  set->require_subcommand(1);
  set->footer("Examples:\n  slab5 config set base_url http://127.0.0.1:8787/v1\n  slab5 config set output json");
  static std::map<std::string, std::string> set_values;
  for (const auto& k : config_keys()) {
    auto* sub = set->add_subcommand(k.name, k.description);
    auto* opt = sub->add_option("value", set_values[k.name], "The new value")->required();
    if (!k.values.empty()) with_choices(opt, k.values);
    const ConfigKey* key = &k;
    on_run(sub, ctx, [&ctx, key] { return config_set(ctx, *key, set_values[key->name]); });
  }

  auto* unset = config->add_subcommand("unset", "Remove a key from the active profile (back to its default)");
  with_choices(unset->add_option("key", unset_key, "base_url, workspace or output")->required(), key_names());
  on_run(unset, ctx, [&ctx] { return config_unset(ctx, unset_key); });

  auto* path = config->add_subcommand("path", "Print the config file's path (--json: config, credentials, directory)");
  on_run(path, ctx, [&ctx] { return config_path(ctx); });
}

}  // namespace slab5cli
