// API keys and MCP clients (api.md §5).
#include "app.hpp"

namespace slab5d {

void register_credential_routes(App& /*app*/) {}

}  // namespace slab5d
