// Members and invitations (api.md §4).
#include "app.hpp"

namespace slab5d {

void register_member_routes(App& /*app*/) {}

}  // namespace slab5d
