// `slab5 workspace …` (api.md §3): show, list, create, use, rename, modules, delete.
#include "command_table.hpp"
#include "exit_codes.hpp"
#include "slab5/access.hpp"
#include "slab5/http_client.hpp"
#include "slab5/json_util.hpp"

namespace slab5cli {

std::vector<Column> workspace_fields() {
  return {{"ID", "id"},
          {"Name", "name"},
          {"Slug", "slug"},
          {"Tenant", "tenant_id"},
          {"Modules", "enabled_modules"},
          {"Created", "created_at", true},
          {"Updated", "updated_at", true}};
}

namespace {

struct WorkspaceOptions {
  std::string name;
  std::string slug;
  std::string target;  // use: id or slug
  std::string module;
  std::string confirm;
};

int show_workspace(Context& ctx) {
  auto d = ctx.client().data("GET", "workspace");
  if (!d) return ctx.fail(d.error());
  return ctx.emit(*d, [&] { ctx.out.print_fields(workspace_fields(), *d); });
}

// Sessions list their memberships; an API key knows only its own workspace.
tl::expected<Json, ApiError> known_workspaces(Context& ctx) {
  auto all = ctx.client().list_all("workspaces?limit=100");
  if (all || all.error().code != "forbidden") return all;
  auto one = ctx.client().data("GET", "workspace");
  if (!one) return tl::unexpected(one.error());
  return Json::array({*one});
}

int list_workspaces(Context& ctx) {
  auto all = known_workspaces(ctx);
  if (!all) return ctx.fail(all.error());
  std::string current = ctx.workspace().value;
  return ctx.emit(*all, [&] {
    // The current workspace is marked in the last column: "*" on a terminal, yes/no when
    // piped (a leading empty column would start every piped row with a tab).
    Json rows = *all;
    bool tty = ctx.out.stdout_tty();
    for (auto& w : rows) {
      bool is_current = !current.empty() && w["id"] == current;
      w["current"] = tty ? (is_current ? "*" : "") : (is_current ? "yes" : "no");
    }
    ctx.out.print_table({{"ID", "id"},
                         {"Slug", "slug"},
                         {"Name", "name"},
                         {"Role", "role"},
                         {"Created", "created_at", true},
                         {"Current", "current"}},
                        rows);
  });
}

int create_workspace(Context& ctx, const WorkspaceOptions& o) {
  Json body{{"name", o.name}};
  if (!o.slug.empty()) body["slug"] = o.slug;
  RequestOptions ro;
  ro.workspace = false;
  ro.idempotent = true;
  auto d = ctx.client().data("POST", "workspaces", with_idempotency_key(body), ro);
  if (!d) return ctx.fail(d.error());
  if (ctx.out.quiet() && !ctx.out.json()) {
    ctx.out.print_line((*d)["id"].get<std::string>());
    return kOk;
  }
  return ctx.emit(*d, [&] {
    ctx.out.print_fields(workspace_fields(), *d);
    ctx.out.info("Switch to it with: slab5 workspace use " + (*d)["slug"].get<std::string>());
  });
}

int use_workspace(Context& ctx, const WorkspaceOptions& o) {
  auto all = known_workspaces(ctx);
  if (!all) return ctx.fail(all.error());
  for (const auto& w : *all) {
    if (w["id"] != o.target && w["slug"] != o.target) continue;
    std::string id = w["id"];
    ctx.store().set_profile_value(ctx.profile(), "workspace", id);
    if (ctx.out.json()) return ctx.emit(w, [] {});
    ctx.out.info("Now using workspace " + w["name"].get<std::string>() + " (" + w["slug"].get<std::string>() + ", " +
                 id + ") in profile " + ctx.profile());
    if (ctx.workspace().value != id)
      ctx.out.warn("the workspace from " + ctx.workspace().source + " still wins over the profile");
    return kOk;
  }
  return ctx.fail(kNotFound, "no workspace '" + o.target + "' is accessible with this credential",
                  "list them with 'slab5 workspace list'");
}

int rename_workspace(Context& ctx, const WorkspaceOptions& o) {
  auto d = ctx.client().data("PATCH", "workspace", Json{{"name", o.name}});
  if (!d) return ctx.fail(d.error());
  return ctx.emit(*d, [&] { ctx.out.print_fields(workspace_fields(), *d); });
}

void print_modules(Context& ctx, const Json& ws) {
  Json rows = Json::array();
  for (const auto& m : slab5::module_table()) {
    std::string id(m.id);
    bool on = std::find(ws["enabled_modules"].begin(), ws["enabled_modules"].end(), id) != ws["enabled_modules"].end();
    rows.push_back({{"module", id}, {"enabled", on ? "yes" : "no"}, {"scopes", std::string(m.scope_prefix) + ":*"}});
  }
  ctx.out.print_table({{"Module", "module"}, {"Enabled", "enabled"}, {"Scopes", "scopes"}}, rows);
}

int list_modules(Context& ctx) {
  auto d = ctx.client().data("GET", "workspace");
  if (!d) return ctx.fail(d.error());
  return ctx.emit(*d, [&] { print_modules(ctx, *d); });
}

int toggle_module(Context& ctx, const WorkspaceOptions& o, bool enable) {
  auto d = ctx.client().data(enable ? "PUT" : "DELETE", "workspace/modules/" + slab5::url_encode(o.module));
  if (!d) return ctx.fail(d.error());
  return ctx.emit(*d, [&] {
    ctx.out.info(std::string(enable ? "Enabled" : "Disabled") + " module " + o.module + ".");
    print_modules(ctx, *d);
  });
}

// The one confirmation rule (cli.md §2): the slug typed on a terminal, or given in advance
// with --confirm SLUG, or --yes; without a terminal, --confirm or --yes is required.
int delete_workspace(Context& ctx, const WorkspaceOptions& o) {
  // Which workspace this is, before it goes: its slug to confirm, and the profile may point at it.
  auto current = ctx.client().data("GET", "workspace");
  if (!current) return ctx.fail(current.error());
  std::string slug = slab5::string_or(*current, "slug");
  if (!o.confirm.empty() && o.confirm != slug)
    return ctx.fail(kUsage, "--confirm " + o.confirm + " does not match the workspace's slug",
                    "the current workspace is " + slug + " (" + slab5::string_or(*current, "id") + ")");
  if (o.confirm.empty())
    if (int rc = ctx.confirm("Delete workspace '" + slug + "' with all its members, keys and data", slug)) return rc;
  auto d = ctx.client().data("DELETE", "workspace", Json{{"confirm", slug}});
  if (!d) return ctx.fail(d.error());
  std::string id = (*current)["id"];
  if (ctx.store().profile_value(ctx.profile(), "workspace") == id)
    ctx.store().unset_profile_value(ctx.profile(), "workspace");
  ctx.out.info("Deleted workspace " + slug + " (" + id + ").");
  return kOk;
}

}  // namespace

void add_workspace_commands(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<WorkspaceOptions>();
  auto* ws = app.add_subcommand("workspace", "Show and manage workspaces (default: show the current one)");
  ws->footer(
      "Examples:\n  slab5 workspace\n  slab5 workspace list\n  slab5 workspace create 'Acme Corp' --slug acme\n"
      "  slab5 workspace use acme\n  slab5 workspace modules enable bi");
  auto* show = ws->add_subcommand("show", "Show the current workspace (GET /v1/workspace)");
  show->footer("Example:\n  slab5 workspace show --json");
  on_run(show, ctx, [&ctx] { return show_workspace(ctx); });

  auto* list = ws->add_subcommand("list", "List the workspaces you belong to (a session lists all; a key its own)");
  list->footer("Example:\n  slab5 workspace list --json");
  on_run(list, ctx, [&ctx] { return list_workspaces(ctx); });

  auto* create = ws->add_subcommand("create", "Create a workspace; you become its owner (needs a session)");
  create->add_option("name", o->name, "Workspace name")->required();
  create->add_option("--slug", o->slug, "Slug: 3-48 of a-z, 0-9 and '-' (default: derived from the name)");
  create->footer("Examples:\n  slab5 workspace create 'Acme Corp'\n  ID=$(slab5 workspace create Acme --slug acme -q)");
  on_run(create, ctx, [&ctx, o] { return create_workspace(ctx, *o); });

  auto* use = ws->add_subcommand("use", "Make a workspace the profile's default (sent as x-workspace-id)");
  with_dynamic_values(use->add_option("workspace", o->target, "Workspace id or slug")->required(), "workspace_id");
  use->footer("Example:\n  slab5 workspace use acme");
  on_run(use, ctx, [&ctx, o] { return use_workspace(ctx, *o); });

  auto* rename = ws->add_subcommand("rename", "Rename the current workspace (id and slug stay)");
  rename->add_option("name", o->name, "New name")->required();
  rename->footer("Example:\n  slab5 workspace rename 'Acme Corporation'");
  on_run(rename, ctx, [&ctx, o] { return rename_workspace(ctx, *o); });

  auto* modules = ws->add_subcommand("modules", "List, enable or disable the workspace's modules (default: list)");
  modules->footer("Examples:\n  slab5 workspace modules\n  slab5 workspace modules enable bi");
  auto* mlist = modules->add_subcommand("list", "List every module and whether it is enabled");
  on_run(mlist, ctx, [&ctx] { return list_modules(ctx); });
  auto* enable = modules->add_subcommand("enable", "Enable a module");
  with_choices(enable->add_option("module", o->module, "Module")->required(), module_names());
  on_run(enable, ctx, [&ctx, o] { return toggle_module(ctx, *o, true); });
  auto* disable = modules->add_subcommand("disable", "Disable a module");
  with_choices(disable->add_option("module", o->module, "Module")->required(), module_names());
  on_run(disable, ctx, [&ctx, o] { return toggle_module(ctx, *o, false); });
  on_run(modules, ctx, [&ctx] { return list_modules(ctx); });

  auto* del = ws->add_subcommand("delete", "Delete the current workspace and all its data (owner session only)");
  del->add_option("--confirm", o->confirm, "The workspace's slug: confirms in advance (else asked for, or --yes)");
  del->footer("Examples:\n  slab5 workspace delete --confirm acme\n  slab5 workspace delete   # asks for the slug");
  on_run(del, ctx, [&ctx, o] { return delete_workspace(ctx, *o); });

  on_run(ws, ctx, [&ctx] { return show_workspace(ctx); });
}

}  // namespace slab5cli
