#include "command_table.hpp"

#include <map>

#include "exit_codes.hpp"
#include "flag_values.hpp"
#include "jq_filter.hpp"
#include "slab5/access.hpp"
#include "slab5/version.hpp"

namespace slab5cli {
namespace {
std::map<const CLI::Option*, std::vector<std::string>>& choice_registry() {
  static std::map<const CLI::Option*, std::vector<std::string>> m;
  return m;
}
std::map<const CLI::Option*, std::string>& dynamic_registry() {
  static std::map<const CLI::Option*, std::string> m;
  return m;
}
std::string exit_code_help() {
  std::string s = "Exit codes:\n";
  for (const auto& e : exit_code_table())
    s += "  " + std::to_string(e.code) + (e.code < 10 ? "    " : "  ") + std::string(e.meaning) + "\n";
  return s;
}
}  // namespace

void on_run(CLI::App* cmd, Context& ctx, std::function<int()> fn) {
  // CLI11 runs the callbacks of the deepest subcommand first, so a parent's default
  // action never replaces its child's.
  cmd->callback([&ctx, fn = std::move(fn)] {
    if (!ctx.action) ctx.action = fn;
  });
}

CLI::Option* with_choices(CLI::Option* opt, std::vector<std::string> values) {
  opt->check(CLI::IsMember(values));
  choice_registry()[opt] = std::move(values);
  return opt;
}
const std::vector<std::string>* choices_of(const CLI::Option* opt) {
  auto it = choice_registry().find(opt);
  return it == choice_registry().end() ? nullptr : &it->second;
}
CLI::Option* with_completions(CLI::Option* opt, std::vector<std::string> values) {
  choice_registry()[opt] = std::move(values);
  return opt;
}
CLI::Option* with_dynamic_values(CLI::Option* opt, std::string kind) {
  dynamic_registry()[opt] = std::move(kind);
  return opt;
}
std::string dynamic_values_of(const CLI::Option* opt) {
  auto it = dynamic_registry().find(opt);
  return it == dynamic_registry().end() ? "" : it->second;
}

std::vector<std::string> scope_names() { return slab5::all_scopes(); }
std::vector<std::string> role_names() {
  std::vector<std::string> out;
  for (const auto& r : slab5::role_table()) out.emplace_back(r.role);
  return out;
}
std::vector<std::string> module_names() {
  std::vector<std::string> out;
  for (const auto& m : slab5::module_table()) out.emplace_back(m.id);
  return out;
}

namespace {

// The profile's `output` preference applies to every command that prints results, unless
// --json or --jq was given; commands that never touch the config are left alone.
void apply_output_preference(CLI::App& app, Context& ctx) {
  app.final_callback([&app, &ctx] {
    if (ctx.g.json || !ctx.g.jq.empty()) return;
    auto chosen = app.get_subcommands();  // the parsed ones
    if (chosen.empty()) return;
    for (const char* local : {"completion", "__complete", "version", "help", "config", "__manual"})
      if (chosen.front()->get_name() == local) return;
    try {
      if (ctx.store().profile_value(ctx.profile(), "output") == std::optional<std::string>("json")) ctx.g.json = true;
    } catch (const std::exception&) {
      // An unreadable config file is reported by the command that needs it.
    }
  });
}

// The root: description, global flags, --version, --jq, the output preference.
void build_root(CLI::App& app, Context& ctx) {
  // Option addresses are the registries' keys; a table built earlier in this process is gone.
  choice_registry().clear();
  dynamic_registry().clear();
  auto& g = ctx.g;
  app.description(
      "slab5: the Slab5 API from your shell: sign in, manage workspace credentials, members and\n"
      "workspaces, work with the workspace's records (contacts, deals, tickets, …), and make\n"
      "authenticated requests.");
  app.name("slab5");
  app.require_subcommand(0, 1);
  app.fallthrough();  // global flags are accepted after the subcommand too
  app.set_version_flag(
      "--version", std::string("slab5 ") + slab5::kVersion + " (" + slab5::kCommit + ", " + slab5::kCommitDate + ")");
  app.add_flag("--json", g.json, "Print the response data as JSON")->group("Global flags");
  app.add_flag("-q,--quiet", g.quiet, "Print only the essential result")->group("Global flags");
  app.add_flag("-v,--verbose", g.verbose, "Trace HTTP requests to stderr (secrets redacted)")->group("Global flags");
  app.add_flag("--no-color", g.no_color, "Disable colour (also NO_COLOR)")->group("Global flags");
  app.add_flag("-y,--yes", g.yes, "Confirm destructive actions without asking")->group("Global flags");
  app.add_option("--base-url", g.base_url, "API base URL ending in /v1 (SLAB5_API_BASE_URL)")->group("Global flags");
  app.add_option("--token", g.token, "Token to use (discouraged: shell history; prefer SLAB5_WORKSPACE_TOKEN)")
      ->group("Global flags");
  app.add_option("-w,--workspace", g.workspace, "Workspace id, sent as x-workspace-id (SLAB5_WORKSPACE_ID)")
      ->group("Global flags");
  app.add_option("-p,--profile", g.profile, "Profile in the config file (SLAB5_PROFILE)")->group("Global flags");
  app.add_option("--correlation-id", g.correlation_id, "Correlation id sent as x-correlation-id (SLAB5_CORRELATION_ID)")
      ->group("Global flags");
  app.add_option("--timeout", g.timeout,
                 "Request timeout: seconds or a duration, e.g. 30, 90s, 2m (SLAB5_TIMEOUT, default 30)")
      ->check(timeout_value())
      ->group("Global flags");
  app.add_option("--jq", g.jq, "Filter JSON output with a jq expression (implies --json)")->group("Global flags");
  app.add_option("--cacert", g.cacert, "Extra CA bundle for TLS (SLAB5_CA_BUNDLE)")->group("Global flags");
  app.add_flag("--allow-insecure-http", g.allow_insecure_http,
               "Allow plain http to a host that is not loopback (SLAB5_ALLOW_INSECURE_HTTP=1)")
      ->group("Global flags");
  app.footer(
      "Examples:\n  slab5 login --email you@example.com\n  slab5 workspace --json\n"
      "  slab5 keys create --name ci --scope crm:read -q\n  slab5 contacts list --query jane\n"
      "  slab5 api /workspace/members --paginate\n\n" +
      exit_code_help() +
      "\nRun 'slab5 <command> --help' for a command's flags, 'slab5 help exit-codes' for the table.");
  install_jq(app);
  apply_output_preference(app, ctx);
}

}  // namespace

namespace {
std::vector<CommandGroup> make_groups() {
  std::vector<CommandGroup> groups = {
      {{"version", "help"}, add_core_commands, false},
      {{"api"}, add_api_command, true},
      {{"login", "logout", "auth"}, add_auth_commands, true},
      {{"workspace"}, add_workspace_commands, true},
      {{"members"}, add_member_commands, true},
      {{"invitations"}, add_invitation_commands, true},
      {{"keys", "mcp-clients"}, add_key_commands, true},
      {{"audit"}, add_audit_commands, true},
      {{"usage"}, add_usage_commands, true},
      {{"events"}, add_event_commands, true},
      {{"webhooks"}, add_webhook_commands, true},
      {{"webhook-sources"}, add_webhook_source_commands, true},
      {{"mcp"}, add_mcp_commands, true},
      {{"dev"}, add_dev_commands, true},
  };
  // One group per resource (cli/commands/resources.cpp): `slab5 contacts list` builds contacts only.
  for (const auto* r : resource_commands())
    groups.push_back(
        {{std::string(r->route)}, [r](CLI::App& app, Context& ctx) { add_resource_command(app, ctx, *r); }, true});
  // `completion` prints a script and reads nothing else: it answers in a few milliseconds
  // however large the table grows (cli.md §3).
  groups.push_back({{"completion"}, add_completion_script_command, true});
  groups.push_back({{"__complete", "config", "doctor", "__manual", "__commands"}, add_shell_commands, false});
  return groups;
}

// The top-level command `word` names: itself, or the command it is an alias of.
bool names_command(const std::string& name, const std::string& word) {
  if (name == word) return true;
  for (const auto& a : resource_command_aliases(name))
    if (a == word) return true;
  return false;
}
}  // namespace

const std::vector<CommandGroup>& command_groups() {
  static const std::vector<CommandGroup> groups = make_groups();
  return groups;
}

void build_command_table(CLI::App& app, Context& ctx) {
  build_root(app, ctx);
  for (const auto& group : command_groups()) group.add(app, ctx);
}

std::optional<std::string> named_command(const CLI::App& root, int argc, const char* const* argv) {
  auto takes_value = [&](const std::string& name) -> std::optional<bool> {
    const CLI::Option* opt = root.get_option_no_throw(name);
    if (opt == nullptr) return std::nullopt;
    return opt->get_items_expected_min() > 0;
  };
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--" || arg == "-") return std::nullopt;
    if (arg.starts_with("--")) {
      auto eq = arg.find('=');
      auto value = takes_value(std::string(arg.substr(0, eq)));
      if (!value) return std::nullopt;  // not a global flag: let the whole table judge
      if (*value && eq == std::string_view::npos) ++i;
      continue;
    }
    if (arg.starts_with("-")) {
      // A cluster of short flags (-qy); the first one that takes a value takes the rest of the
      // token, or the next token when it ends the cluster (-qw ID, -wID).
      for (std::size_t j = 1; j < arg.size(); ++j) {
        auto value = takes_value(std::string{'-', arg[j]});
        if (!value) return std::nullopt;
        if (*value) {
          if (j + 1 == arg.size()) ++i;
          break;
        }
      }
      continue;
    }
    return std::string(arg);
  }
  return std::nullopt;
}

std::optional<std::vector<const CLI::App*>> build_command_table_for(CLI::App& app, Context& ctx, int argc,
                                                                    const char* const* argv) {
  build_root(app, ctx);
  auto name = named_command(app, argc, argv);
  if (!name) {
    // No command named: only the root's own flags can stand (--version); the caller hands
    // anything else (help, a bare `slab5`) to the whole table.
    std::vector<const CLI::App*> stand_ins;
    for (const auto& group : command_groups())
      for (const auto& n : group.names) stand_ins.push_back(app.add_subcommand(n));
    return stand_ins;
  }
  const CommandGroup* chosen = nullptr;
  for (const auto& group : command_groups())
    for (const auto& n : group.names)
      if (names_command(n, *name)) chosen = &group;
  if (chosen == nullptr || !chosen->builds_alone) return std::nullopt;
  std::vector<const CLI::App*> stand_ins;
  for (const auto& group : command_groups()) {
    if (&group == chosen) {
      group.add(app, ctx);
      continue;
    }
    for (const auto& n : group.names) {
      auto* stand_in = app.add_subcommand(n);
      for (const auto& a : resource_command_aliases(n)) stand_in->alias(a);
      stand_ins.push_back(stand_in);
    }
  }
  return stand_ins;
}

}  // namespace slab5cli
