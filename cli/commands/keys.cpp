// slab5 commands: keys and mcp-clients (api.md §5).
#include "command_table.hpp"

namespace slab5cli {

void add_key_commands(CLI::App& /*app*/, Context& /*ctx*/) {}

}  // namespace slab5cli
