// Audit log (api.md §6) and usage metering (api.md §7).
#include "app.hpp"

namespace slab5d {

void register_audit_usage_routes(App& /*app*/) {}

}  // namespace slab5d
