// `slab5 members …` (api.md §4): list, invite, set-role, remove.
#include "command_table.hpp"
#include "exit_codes.hpp"
#include "slab5/http_client.hpp"

namespace slab5cli {

namespace {

struct MemberOptions {
  std::string user;  // usr_… or an email
  std::string email;
  std::string role;
};

const std::vector<Column>& member_columns() {
  static const std::vector<Column> cols{
      {"User ID", "user_id"}, {"Email", "email"}, {"Name", "name"}, {"Role", "role"}, {"Joined", "joined_at", true}};
  return cols;
}

int list_members(Context& ctx) {
  auto all = ctx.client().list_all("workspace/members?limit=100");
  if (!all) return ctx.fail(all.error());
  return ctx.emit(*all, [&] { ctx.out.print_table(member_columns(), *all); });
}

// USER may be a user id or a member's email.
tl::expected<Json, ApiError> find_member(Context& ctx, const std::string& user) {
  auto all = ctx.client().list_all("workspace/members?limit=100");
  if (!all) return tl::unexpected(all.error());
  for (const auto& m : *all) {
    std::string email = m["email"];
    bool same_email =
        email.size() == user.size() && std::equal(email.begin(), email.end(), user.begin(), [](char a, char b) {
          return std::tolower((unsigned char)a) == std::tolower((unsigned char)b);
        });
    if (m["user_id"] == user || same_email) return m;
  }
  ApiError e;
  e.exit_code = kNotFound;
  e.message = "no member '" + user + "' in this workspace";
  e.hint = "list them with 'slab5 members list'";
  return tl::unexpected(e);
}

int invite(Context& ctx, const MemberOptions& o) {
  RequestOptions ro;
  ro.idempotent = true;
  auto d = ctx.client().data("POST", "workspace/invitations",
                             with_idempotency_key({{"email", o.email}, {"role", o.role}}), ro);
  if (!d) return ctx.fail(d.error());
  if (ctx.out.quiet() && !ctx.out.json()) {
    ctx.out.print_line((*d)["id"].get<std::string>());
    return kOk;
  }
  return ctx.emit(*d, [&] {
    ctx.out.print_fields(
        {{"ID", "id"}, {"Email", "email"}, {"Role", "role"}, {"Status", "status"}, {"Expires", "expires_at", true}},
        *d);
    ctx.out.info("Invitation mailed to " + o.email + ".");
  });
}

int set_role(Context& ctx, const MemberOptions& o) {
  auto m = find_member(ctx, o.user);
  if (!m) return ctx.fail(m.error());
  auto d = ctx.client().data("PATCH", "workspace/members/" + slab5::url_encode((*m)["user_id"].get<std::string>()),
                             Json{{"role", o.role}});
  if (!d) return ctx.fail(d.error());
  return ctx.emit(*d, [&] { ctx.out.print_table(member_columns(), Json::array({*d})); });
}

int remove(Context& ctx, const MemberOptions& o) {
  // Confirm before any network call, so a script without --yes fails fast (exit 2).
  if (int rc = ctx.confirm("Remove member " + o.user + " from the workspace", o.user)) return rc;
  auto m = find_member(ctx, o.user);
  if (!m) return ctx.fail(m.error());
  std::string email = (*m)["email"];
  auto d = ctx.client().data("DELETE", "workspace/members/" + slab5::url_encode((*m)["user_id"].get<std::string>()));
  if (!d) return ctx.fail(d.error());
  ctx.out.info("Removed " + email + " from the workspace.");
  return kOk;
}

}  // namespace

void add_member_commands(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<MemberOptions>();
  auto* members = app.add_subcommand("members", "List and manage the workspace's members (default: list)");
  members->footer(
      "Examples:\n  slab5 members\n  slab5 members invite ana@example.com --role admin\n"
      "  slab5 members set-role ana@example.com member\n  slab5 members remove ana@example.com --yes");
  auto* list = members->add_subcommand("list", "List members");
  list->footer("Example:\n  slab5 members list --json");
  on_run(list, ctx, [&ctx] { return list_members(ctx); });

  auto* inv = members->add_subcommand("invite", "Invite someone by email (they get a mail with a link)");
  inv->add_option("email", o->email, "Email address")->required();
  with_choices(inv->add_option("--role", o->role, "Role to give")->required(), role_names());
  inv->footer("Example:\n  slab5 members invite ana@example.com --role member");
  on_run(inv, ctx, [&ctx, o] { return invite(ctx, *o); });

  auto* set = members->add_subcommand("set-role", "Change a member's role (only owners grant or take owner)");
  with_dynamic_values(set->add_option("user", o->user, "User id or email")->required(), "member_id");
  with_choices(set->add_option("role", o->role, "New role")->required(), role_names());
  set->footer("Example:\n  slab5 members set-role usr_01… admin");
  on_run(set, ctx, [&ctx, o] { return set_role(ctx, *o); });

  auto* rm = members->add_subcommand("remove", "Remove a member (asks for confirmation; --yes in scripts)");
  with_dynamic_values(rm->add_option("user", o->user, "User id or email")->required(), "member_id");
  rm->footer("Example:\n  slab5 members remove ana@example.com --yes");
  on_run(rm, ctx, [&ctx, o] { return remove(ctx, *o); });

  on_run(members, ctx, [&ctx] { return list_members(ctx); });
}

}  // namespace slab5cli
