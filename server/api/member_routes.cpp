// Member routes (api.md §4). The invitation routes live with the identity routes.
#include "api/page_params.hpp"
#include "app.hpp"
#include "domain/members.hpp"

namespace slab5d {

using slab5::Result;

namespace {

Result<Reply> list_members_route(Ctx& ctx) {
  auto page = read_page_request(ctx, "");
  if (!page) return tl::unexpected(page.error());
  auto rows = list_members(ctx.db, ctx.actor(), *page);
  if (!rows) return tl::unexpected(rows.error());
  return page_reply(ctx, *rows, "", [](const Member& m) { return m.to_json(); });
}

Result<Reply> patch_member(Ctx& ctx) {
  auto role = slab5::req_string(ctx.body, "role");
  if (!role) return tl::unexpected(role.error());
  auto m = change_member_role(ctx.db, ctx.actor(), ctx.meta(), ctx.param("usr_id"), *role);
  if (!m) return tl::unexpected(m.error());
  return Reply::ok(m->to_json());
}

Result<Reply> delete_member(Ctx& ctx) {
  auto done = remove_member(ctx.db, ctx.actor(), ctx.meta(), ctx.param("usr_id"));
  if (!done) return tl::unexpected(done.error());
  return Reply::no_content();
}

}  // namespace

void register_member_routes(App& app) {
  auto& r = app.router();
  r.bind("members.list", list_members_route);
  r.bind("members.update", patch_member);
  // No scope in the table: a member may remove themself. Removing someone else needs
  // settings:admin, a target-dependent rule enforced in domain/members.cpp.
  r.bind("members.remove", delete_member);
}

}  // namespace slab5d
