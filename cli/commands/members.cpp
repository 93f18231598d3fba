// slab5 commands: members (api.md §4).
#include "command_table.hpp"

namespace slab5cli {

void add_member_commands(CLI::App& /*app*/, Context& /*ctx*/) {}

}  // namespace slab5cli
