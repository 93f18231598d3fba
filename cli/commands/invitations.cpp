// slab5 commands: invitations (api.md §4).
#include "command_table.hpp"

namespace slab5cli {

void add_invitation_commands(CLI::App& /*app*/, Context& /*ctx*/) {}

}  // namespace slab5cli
