// slab5 commands: usage (api.md §7).
#include "command_table.hpp"

namespace slab5cli {

void add_usage_commands(CLI::App& /*app*/, Context& /*ctx*/) {}

}  // namespace slab5cli
