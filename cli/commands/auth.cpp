// slab5 commands: login, logout and auth (api.md §2).
#include "command_table.hpp"

namespace slab5cli {

void add_auth_commands(CLI::App& /*app*/, Context& /*ctx*/) {}

}  // namespace slab5cli
