// slab5 commands: completion, config and doctor (cli.md §2, §6), and the manual's generators.
#include "command_table.hpp"
#include "complete.hpp"
#include "doctor.hpp"
#include "manual.hpp"

namespace slab5cli {

void add_config_commands(CLI::App& app, Context& ctx);  // commands/config.cpp

void add_completion_script_command(CLI::App& app, Context& ctx) { add_completion_command(app, ctx); }

void add_shell_commands(CLI::App& app, Context& ctx) {
  add_complete_command(app, ctx);
  add_config_commands(app, ctx);
  add_doctor_command(app, ctx);
  add_manual_commands(app, ctx);
}

}  // namespace slab5cli
