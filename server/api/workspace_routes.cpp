// Workspace routes (api.md §3): the current workspace, the caller's workspaces, modules.
#include "api/page_params.hpp"
#include "app.hpp"
#include "credential_cache.hpp"
#include "domain/workspace_admin.hpp"
#include "domain/workspaces.hpp"

namespace slab5d {

using slab5::Result;

namespace {

Result<Reply> get_workspace(Ctx& ctx) {
  // The middleware resolved the workspace for this request through this thread's cache, which
  // any commit empties: the cached object is the current one.
  auto* text = credential_cache::workspace_json(ctx.app.generation(), ctx.db, ctx.who.workspace_id);
  if (!text) return slab5::fail("workspace_not_found");
  Reply r;
  r.data_text = *text;
  return r;
}

Result<Reply> patch_workspace(Ctx& ctx) {
  auto name = slab5::req_string(ctx.body, "name");
  if (!name) return tl::unexpected(name.error());
  // Ids and slugs never change: echoing the current value is fine, a new one is refused.
  for (const char* fixed : {"id", "slug"}) {
    auto it = ctx.body.find(fixed);
    if (it == ctx.body.end()) continue;
    auto ws = current_workspace(ctx.db, ctx.actor());
    if (!ws) return tl::unexpected(ws.error());
    if (*it != slab5::Json(std::string(fixed) == "id" ? ws->id : ws->slug))
      return tl::unexpected(slab5::validation_error(fixed, "cannot be changed"));
  }
  auto ws = rename_workspace(ctx.db, ctx.actor(), ctx.meta(), *name);
  if (!ws) return tl::unexpected(ws.error());
  return Reply::ok(ws->to_json());
}

Result<Reply> delete_current_workspace(Ctx& ctx) {
  // Some HTTP clients cannot send a DELETE body; ?confirm= is accepted as well.
  std::optional<std::string> confirm;
  if (ctx.body.contains("confirm")) {
    auto c = slab5::req_string(ctx.body, "confirm");
    if (!c) return tl::unexpected(c.error());
    confirm = *c;
  } else {
    confirm = query_value(ctx, "confirm");
  }
  if (!confirm)
    return tl::unexpected(slab5::validation_error("confirm", "is required: send the workspace slug to confirm"));
  auto done = delete_workspace(ctx.db, ctx.actor(), ctx.meta(), *confirm);
  if (!done) return tl::unexpected(done.error());
  return Reply::no_content();
}

Result<Reply> list_workspaces(Ctx& ctx) {
  std::string filters = "user=" + ctx.who.user_id;
  auto page = read_page_request(ctx, filters);
  if (!page) return tl::unexpected(page.error());
  auto rows = list_user_workspaces(ctx.db, ctx.actor(), *page);
  if (!rows) return tl::unexpected(rows.error());
  return page_reply(ctx, *rows, filters, [](const WorkspaceMembership& m) {
    auto j = m.workspace.to_json();
    j["role"] = m.role;
    return j;
  });
}

Result<Reply> create_workspace_route(Ctx& ctx) {
  auto name = slab5::req_string(ctx.body, "name");
  if (!name) return tl::unexpected(name.error());
  auto slug = slab5::opt_string(ctx.body, "slug");
  if (!slug) return tl::unexpected(slug.error());
  auto ws = create_user_workspace(ctx.db, ctx.actor(), ctx.meta(), NewWorkspace{*name, *slug});
  if (!ws) return tl::unexpected(ws.error());
  auto j = ws->to_json();
  j["role"] = "owner";
  return Reply::created(std::move(j));
}

Handler module_handler(bool enable) {
  return [enable](Ctx& ctx) -> Result<Reply> {
    auto ws = set_module_enabled(ctx.db, ctx.actor(), ctx.meta(), ctx.param("module"), enable);
    if (!ws) return tl::unexpected(ws.error());
    return Reply::ok(ws->to_json());
  };
}

}  // namespace

void register_workspace_routes(App& app) {
  auto& r = app.router();
  r.bind("workspace.get", get_workspace);
  r.bind("workspace.update", patch_workspace);
  r.bind("workspace.delete", delete_current_workspace);
  r.bind("workspaces.list", list_workspaces);
  r.bind("workspaces.create", create_workspace_route);
  r.bind("workspace.modules.enable", module_handler(true));
  r.bind("workspace.modules.disable", module_handler(false));
}

}  // namespace slab5d
