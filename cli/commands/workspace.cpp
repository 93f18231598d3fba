// `slab5 workspace …` (api.md §3).
#include "command_table.hpp"
#include "exit_codes.hpp"

namespace slab5cli {

std::vector<Column> workspace_fields() {
  return {{"ID", "id"},          {"Name", "name"},
          {"Slug", "slug"},      {"Tenant", "tenant_id"},
          {"Modules", "enabled_modules"}, {"Created", "created_at", true},
          {"Updated", "updated_at", true}};
}

namespace {
int show_workspace(Context& ctx) {
  auto d = ctx.client().data("GET", "workspace");
  if (!d) return ctx.fail(d.error());
  return ctx.emit(*d, [&] { ctx.out.print_fields(workspace_fields(), *d); });
}
}  // namespace

void add_workspace_commands(CLI::App& app, Context& ctx) {
  auto* ws = app.add_subcommand("workspace", "Show and manage workspaces (default: show the current one)");
  ws->footer("Examples:\n  slab5 workspace\n  slab5 workspace --json");
  auto* show = ws->add_subcommand("show", "Show the current workspace (GET /v1/workspace)");
  show->footer("Example:\n  slab5 workspace show --json");
  on_run(show, ctx, [&ctx] { return show_workspace(ctx); });
  on_run(ws, ctx, [&ctx] { return show_workspace(ctx); });
}

}  // namespace slab5cli
