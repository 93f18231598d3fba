// Workspace routes (api.md §3).
#include "app.hpp"
#include "domain/workspaces.hpp"

namespace slab5d {

void register_workspace_routes(App& app) {
  app.router().add({.method = "GET", .pattern = "/v1/workspace", .access = Access::Workspace,
                    .handler = [](Ctx& ctx) -> slab5::Result<Reply> {
                      auto ws = find_workspace(ctx.db, ctx.who.workspace_id);
                      if (!ws) return slab5::fail("workspace_not_found");
                      return Reply::ok(ws->to_json());
                    }});
}

}  // namespace slab5d
