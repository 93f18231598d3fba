// slab5 commands: completion, config and doctor (cli.md §2, §6).
#include "command_table.hpp"

namespace slab5cli {

void add_shell_commands(CLI::App& /*app*/, Context& /*ctx*/) {}

}  // namespace slab5cli
