// Identity routes (api.md §2): registration, verification, sessions, OAuth, invitations.
#include "app.hpp"

namespace slab5d {

void register_identity_routes(App& /*app*/) {}

}  // namespace slab5d
