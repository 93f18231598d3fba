// `slab5 invitations list | revoke ID` (api.md §4).
#include "command_table.hpp"
#include "exit_codes.hpp"

namespace slab5cli {
namespace {

struct InvitationOptions {
  std::string status = "pending";
  std::string id;
};

int run_list(Context& ctx, const InvitationOptions& o) {
  auto all = ctx.client().list_all("workspace/invitations?status=" + o.status);
  if (!all) return ctx.fail(all.error());
  return ctx.emit(*all, [&] {
    ctx.out.print_table({{"ID", "id"},
                         {"Email", "email"},
                         {"Role", "role"},
                         {"Status", "status"},
                         {"Invited by", "invited_by.id"},
                         {"Expires", "expires_at", true},
                         {"Created", "created_at", true}},
                        *all);
  });
}

int run_revoke(Context& ctx, const InvitationOptions& o) {
  if (int rc = ctx.confirm("revoke invitation " + o.id, o.id); rc != kOk) return rc;
  auto r = ctx.client().call("DELETE", "workspace/invitations/" + o.id);
  if (!r) return ctx.fail(r.error());
  ctx.out.info("Revoked invitation " + o.id + ".");
  return kOk;
}

}  // namespace

void add_invitation_commands(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<InvitationOptions>();
  auto* inv = app.add_subcommand("invitations", "List or revoke the workspace's invitations (default: list)");
  inv->footer(
      "Examples:\n  slab5 invitations\n  slab5 invitations list --status all --json\n"
      "  slab5 invitations revoke inv_… --yes");
  auto* list = inv->add_subcommand("list", "List invitations (GET /v1/workspace/invitations)");
  with_choices(list->add_option("--status", o->status, "pending (default), accepted, revoked, expired or all"),
               {"pending", "accepted", "revoked", "expired", "all"});
  on_run(list, ctx, [&ctx, o] { return run_list(ctx, *o); });
  auto* revoke = inv->add_subcommand("revoke", "Revoke a pending invitation");
  with_dynamic_values(revoke->add_option("id", o->id, "Invitation id (inv_…)")->required(), "invitation_id");
  on_run(revoke, ctx, [&ctx, o] { return run_revoke(ctx, *o); });
  on_run(inv, ctx, [&ctx, o] { return run_list(ctx, *o); });
}

}  // namespace slab5cli
