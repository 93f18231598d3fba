// The command table: every command, subcommand and flag of slab5 is declared once, on
// CLI11, and the parser, --help, completions and the manual all read it.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "slab5/api/resources.hpp"

namespace slab5cli {

// Builds the whole table into `app`.
void build_command_table(CLI::App& app, Context& ctx);

// The top-level commands, in table order, grouped by the function that adds them.
struct CommandGroup {
  std::vector<std::string> names;  // the top-level commands `add` declares
  std::function<void(CLI::App&, Context&)> add;
  bool builds_alone;  // needs nothing else of the table (help, completion and
                      // the manual read all of it)
};
const std::vector<CommandGroup>& command_groups();

// The top-level command `argv` names, read with the global flags of `root` (which take a value
// and which do not); nullopt when there is none or it cannot be told without parsing.
std::optional<std::string> named_command(const CLI::App& root, int argc, const char* const* argv);

// Start-up work in proportion to the command: builds the global flags and the group of the
// command `argv` names, and every other top-level command as an empty stand-in so that a token
// naming one is classified as the whole table would classify it. Returns the stand-ins, or
// nullopt (and `app` must be discarded) when the whole table is needed. A parse of the
// partial table stands for the whole table's only when it succeeds and no stand-in was parsed.
std::optional<std::vector<const CLI::App*>> build_command_table_for(CLI::App& app, Context& ctx, int argc,
                                                                    const char* const* argv);

// Runs `fn` when `cmd` is the command the user named (the deepest parsed subcommand wins).
void on_run(CLI::App* cmd, Context& ctx, std::function<int()> fn);

// A flag or positional with a fixed set of values: validated, and offered by completion.
CLI::Option* with_choices(CLI::Option* opt, std::vector<std::string> values);
const std::vector<std::string>* choices_of(const CLI::Option* opt);
// Values completion offers for a flag or positional that the parser does not restrict.
CLI::Option* with_completions(CLI::Option* opt, std::vector<std::string> values);

// A flag or positional whose values completion fetches from the server ("api_key_id",
// "mcp_client_id", "workspace_id", "member_id", …).
CLI::Option* with_dynamic_values(CLI::Option* opt, std::string kind);
std::string dynamic_values_of(const CLI::Option* opt);

// Value sets from the shared tables.
std::vector<std::string> scope_names();
std::vector<std::string> role_names();
std::vector<std::string> module_names();

// One function per command group (cli/commands/*.cpp).
void add_core_commands(CLI::App& app, Context& ctx);            // version, help
void add_api_command(CLI::App& app, Context& ctx);              // api
void add_workspace_commands(CLI::App& app, Context& ctx);       // workspace …
void add_auth_commands(CLI::App& app, Context& ctx);            // login, logout, auth …
void add_invitation_commands(CLI::App& app, Context& ctx);      // invitations …
void add_member_commands(CLI::App& app, Context& ctx);          // members …
void add_key_commands(CLI::App& app, Context& ctx);             // keys …, mcp-clients …
void add_audit_commands(CLI::App& app, Context& ctx);           // audit
void add_usage_commands(CLI::App& app, Context& ctx);           // usage
void add_event_commands(CLI::App& app, Context& ctx);           // events
void add_webhook_commands(CLI::App& app, Context& ctx);         // webhooks …
void add_webhook_source_commands(CLI::App& app, Context& ctx);  // webhook-sources …
void add_mcp_commands(CLI::App& app, Context& ctx);             // mcp tools|call|config
void add_dev_commands(CLI::App& app, Context& ctx);             // dev clock|snapshot|reset|mail
void add_shell_commands(CLI::App& app, Context& ctx);           // __complete, config, doctor, __manual
// `completion`: a group of its own, built alone (it prints a script and reads no table).
void add_completion_script_command(CLI::App& app, Context& ctx);

// The app-plane resource commands (cli/commands/resources.cpp), one top-level command per
// top-level resource of the resource table, in its order.
void add_resource_command(CLI::App& app, Context& ctx, const slab5::api::ResourceSpec& r);
std::vector<const slab5::api::ResourceSpec*> resource_commands();
// Other names of a resource's command ("tickets" for support-tickets).
std::vector<std::string> resource_command_aliases(std::string_view route);
// The field that labels a record in prompts and completion (name, title, subject; "" if none).
std::string resource_label_field(const slab5::api::ResourceSpec& r);
// The command that adds a child record ("reply" for a ticket's messages).
std::string resource_child_verb(const slab5::api::ResourceSpec& parent, const slab5::api::ResourceSpec& child);
// `slab5 assets upload|download` (cli/commands/assets.cpp), added to the resource command.
void add_asset_transfer_commands(CLI::App& assets_command, Context& ctx);

}  // namespace slab5cli
