// slab5 commands: audit (api.md §6).
#include "command_table.hpp"

namespace slab5cli {

void add_audit_commands(CLI::App& /*app*/, Context& /*ctx*/) {}

}  // namespace slab5cli
