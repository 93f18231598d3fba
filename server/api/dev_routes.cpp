// Development routes (api.md §9): the dev mailbox and the mock OAuth provider.
#include "app.hpp"

namespace slab5d {

void register_dev_routes(App& /*app*/) {}

}  // namespace slab5d
