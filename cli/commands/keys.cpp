// slab5 commands: keys and mcp-clients (api.md §5, cli.md §2). One implementation serves
// both groups; only the route, the words and the id prefix differ.
#include <iostream>

#include "command_table.hpp"
#include "exit_codes.hpp"
#include "flag_values.hpp"
#include "slab5/http_client.hpp"
#include "slab5/ids.hpp"
#include "slab5/json_util.hpp"
#include "slab5/time.hpp"

namespace slab5cli {
namespace {

struct KeyKind {
  std::string command;    // keys | mcp-clients
  std::string path;       // workspace/api-keys
  std::string noun;       // API key | MCP client
  std::string id_prefix;  // key | mcp
  std::string dynamic;    // completion kind for ids
};

const KeyKind kApiKeys{"keys", "workspace/api-keys", "API key", "key", "api_key_id"};
const KeyKind kMcpClients{"mcp-clients", "workspace/mcp-clients", "MCP client", "mcp", "mcp_client_id"};

struct KeyOptions {
  std::string status = "active";
  std::string name, description, expires_in, expires_at, overlap = "24h", target;
  std::vector<std::string> scopes, add_scopes, remove_scopes;
  CLI::Option* name_opt = nullptr;
  CLI::Option* description_opt = nullptr;
};

std::vector<Column> list_columns() {
  return {{"ID", "id"},
          {"Name", "name"},
          {"Prefix", "prefix"},
          {"Status", "status"},
          {"Scopes", "scopes"},
          {"Expires", "expires_at", true},
          {"Last used", "last_used_at", true},
          {"Created", "created_at", true}};
}
std::vector<Column> detail_fields() {
  return {{"ID", "id"},
          {"Name", "name"},
          {"Description", "description"},
          {"Prefix", "prefix"},
          {"Status", "status"},
          {"Scopes", "scopes"},
          {"Created", "created_at", true},
          {"Created by", "created_by.id"},
          {"Updated", "updated_at", true},
          {"Last used", "last_used_at", true},
          {"Expires", "expires_at", true},
          {"Revoked", "revoked_at", true}};
}

std::string describe_time(const std::string& t) {
  auto ms = slab5::parse_rfc3339(t);
  if (!ms) return t;
  return t + " (" + slab5::relative_time(*ms, slab5::now_millis()) + ")";
}

// A key given by id, or by the start of its display prefix (slab5_sk_AbCd…) or of its id.
tl::expected<Json, int> resolve(Context& ctx, const KeyKind& k, const std::string& ref) {
  if (slab5::is_id(ref, k.id_prefix)) {
    auto d = ctx.client().data("GET", k.path + "/" + ref);
    if (!d) return tl::unexpected(ctx.fail(d.error()));
    return *d;
  }
  if (ref.size() < 4) return tl::unexpected(ctx.usage_error("'" + ref + "' is too short to name an " + k.noun));
  auto all = ctx.client().list_all(k.path + "?status=all&limit=100");
  if (!all) return tl::unexpected(ctx.fail(all.error()));
  std::vector<Json> matches;
  for (const auto& c : *all) {
    std::string id = slab5::string_or(c, "id"), prefix = slab5::string_or(c, "prefix");
    if (id.rfind(ref, 0) == 0 || prefix.rfind(ref, 0) == 0) matches.push_back(c);
  }
  if (matches.empty())
    return tl::unexpected(ctx.fail(kNotFound, "no " + k.noun + " matches '" + ref + "'",
                                   "list them with 'slab5 " + k.command + " list --status all'"));
  if (matches.size() > 1) {
    std::string ids;
    for (const auto& m : matches) ids += " " + slab5::string_or(m, "id");
    return tl::unexpected(
        ctx.fail(kUsage, "'" + ref + "' matches " + std::to_string(matches.size()) + " " + k.noun + "s:" + ids,
                 "give more characters, or the id"));
  }
  return matches.front();
}

// Prints a freshly issued credential: the secret once, per the output flags.
int print_issued(Context& ctx, const Json& d) {
  std::string secret = slab5::string_or(d, "secret");
  if (!ctx.g.jq.empty() || ctx.out.json()) return ctx.emit(d, [] {});
  if (ctx.out.quiet()) {
    ctx.out.print_line(secret);
    return kOk;
  }
  auto fields = detail_fields();
  fields.push_back({"Secret", "secret"});
  ctx.out.print_fields(fields, d);
  ctx.out.info("Store the secret now: it is shown only this once and cannot be retrieved later.");
  return kOk;
}

// --expires-in 90d / --expires-at TIME → an RFC 3339 time, or a usage error.
tl::expected<std::optional<std::string>, int> expiry(Context& ctx, const KeyOptions& o) {
  if (!o.expires_in.empty()) {
    auto d = slab5::parse_duration(o.expires_in);
    if (!d || *d <= 0) return tl::unexpected(ctx.usage_error("--expires-in must be a duration like 90d, 12h or 30m"));
    return std::optional<std::string>(slab5::format_rfc3339(slab5::now_millis() + *d));
  }
  if (!o.expires_at.empty()) {
    auto t = slab5::parse_rfc3339(o.expires_at);
    if (!t) return tl::unexpected(ctx.usage_error("--expires-at must be an RFC 3339 time like 2027-01-31T00:00:00Z"));
    return std::optional<std::string>(slab5::format_rfc3339(*t));
  }
  return std::optional<std::string>{};
}

int run_list(Context& ctx, const KeyKind& k, const KeyOptions& o) {
  auto all = ctx.client().list_all(k.path + "?status=" + o.status + "&limit=100");
  if (!all) return ctx.fail(all.error());
  return ctx.emit(*all, [&] { ctx.out.print_table(list_columns(), *all); });
}

int run_create(Context& ctx, const KeyKind& k, const KeyOptions& o) {
  auto exp = expiry(ctx, o);
  if (!exp) return exp.error();
  Json body = {{"name", o.name}, {"scopes", o.scopes}};
  if (!o.description.empty()) body["description"] = o.description;
  if (*exp) body["expires_at"] = **exp;
  auto d = ctx.client().data("POST", k.path, with_idempotency_key(body), {.idempotent = true});
  if (!d) return ctx.fail(d.error());
  return print_issued(ctx, *d);
}

int run_show(Context& ctx, const KeyKind& k, const KeyOptions& o) {
  auto c = resolve(ctx, k, o.target);
  if (!c) return c.error();
  return ctx.emit(*c, [&] { ctx.out.print_fields(detail_fields(), *c); });
}

int run_edit(Context& ctx, const KeyKind& k, const KeyOptions& o) {
  bool has_name = o.name_opt && o.name_opt->count() > 0;
  bool has_description = o.description_opt && o.description_opt->count() > 0;
  if (!has_name && !has_description && o.add_scopes.empty() && o.remove_scopes.empty())
    return ctx.usage_error("nothing to change: give --name, --description, --add-scope or --remove-scope");
  auto c = resolve(ctx, k, o.target);
  if (!c) return c.error();
  Json patch = Json::object();
  if (has_name) patch["name"] = o.name;
  if (has_description) patch["description"] = o.description;
  if (!o.add_scopes.empty() || !o.remove_scopes.empty()) {
    std::vector<std::string> scopes = (*c)["scopes"].get<std::vector<std::string>>();
    for (const auto& r : o.remove_scopes) {
      auto it = std::find(scopes.begin(), scopes.end(), r);
      if (it == scopes.end()) return ctx.usage_error("the " + k.noun + " does not hold " + r);
      scopes.erase(it);
    }
    for (const auto& a : o.add_scopes)
      if (std::find(scopes.begin(), scopes.end(), a) == scopes.end()) scopes.push_back(a);
    patch["scopes"] = scopes;
  }
  auto d = ctx.client().data("PATCH", k.path + "/" + (*c)["id"].get<std::string>(), patch);
  if (!d) return ctx.fail(d.error());
  return ctx.emit(*d, [&] { ctx.out.print_fields(detail_fields(), *d); });
}

int run_rotate(Context& ctx, const KeyKind& k, const KeyOptions& o) {
  auto overlap = slab5::parse_duration(o.overlap);
  if (!overlap || *overlap < 0 || *overlap > 604800LL * 1000)
    return ctx.usage_error("--overlap must be a duration from 0s to 7d, like 24h or 30m");
  auto c = resolve(ctx, k, o.target);
  if (!c) return c.error();
  std::string old_id = (*c)["id"];
  // With no overlap the old secret stops at once: access is cut off, so it is confirmed like
  // revoke (cli.md §2).
  if (*overlap < 1000)
    if (int rc = ctx.confirm("Rotate " + k.noun + " '" + (*c)["name"].get<std::string>() + "' (" + old_id +
                                 ") with no overlap: the old secret stops working at once",
                             (*c)["name"].get<std::string>());
        rc != kOk)
      return rc;
  Json body = with_idempotency_key({{"overlap_seconds", *overlap / 1000}});
  auto d = ctx.client().data("POST", k.path + "/" + old_id + "/rotate", body, {.idempotent = true});
  if (!d) return ctx.fail(d.error());
  int rc = print_issued(ctx, *d);
  // When the old secret stops working, as the server recorded it.
  auto old = ctx.client().data("GET", k.path + "/" + old_id);
  std::string until = old && (*old)["expires_at"].is_string() ? (*old)["expires_at"].get<std::string>()
                                                              : slab5::format_rfc3339(slab5::now_millis() + *overlap);
  ctx.out.info("The old " + k.noun + " " + old_id + " stops working at " + describe_time(until) + ".");
  return rc;
}

int run_revoke(Context& ctx, const KeyKind& k, const KeyOptions& o) {
  auto c = resolve(ctx, k, o.target);
  if (!c) return c.error();
  std::string id = (*c)["id"], name = (*c)["name"];
  if (int rc = ctx.confirm("Revoke " + k.noun + " '" + name + "' (" + id + ")", name); rc != kOk) return rc;
  auto d = ctx.client().data("POST", k.path + "/" + id + "/revoke");
  if (!d) return ctx.fail(d.error());
  return ctx.emit(*d, [&] {
    if (!ctx.out.quiet()) ctx.out.print_line("Revoked " + k.noun + " '" + name + "' (" + id + ").");
  });
}

void add_group(CLI::App& app, Context& ctx, const KeyKind& k) {
  auto o = std::make_shared<KeyOptions>();
  std::string plural = k.noun + "s";
  auto* grp = app.add_subcommand(k.command, "Manage the workspace's " + plural + " (needs settings:admin)");
  grp->require_subcommand(1);
  grp->footer("Examples:\n  slab5 " + k.command + " list\n  slab5 " + k.command +
              " create --name ci --scope crm:read --expires-in 90d -q\n  slab5 " + k.command + " rotate " +
              k.id_prefix + "_01… --overlap 1h\n  slab5 " + k.command + " revoke " + k.id_prefix + "_01… --yes");

  auto* list = grp->add_subcommand("list", "List " + plural + " (default: active ones)");
  with_choices(list->add_option("--status", o->status, "active, revoked, expired or all"),
               {"active", "revoked", "expired", "all"});
  list->footer("Example:\n  slab5 " + k.command + " list --status all --json");
  on_run(list, ctx, [&ctx, &k, o] { return run_list(ctx, k, *o); });

  auto* create = grp->add_subcommand("create", "Create an " + k.noun + "; its secret is shown once");
  create->add_option("--name", o->name, "Name, 1-100 characters")->required();
  with_choices(create->add_option("--scope", o->scopes, "A scope to grant (repeat for more)")->required(),
               scope_names());
  create->add_option("--description", o->description, "What the credential is for");
  auto* in = create->add_option("--expires-in", o->expires_in, "Lifetime, e.g. 90d, 12h")->check(duration_value(1000));
  auto* at = create->add_option("--expires-at", o->expires_at, "Expiry time (RFC 3339)");
  in->excludes(at);
  create->footer("Examples:\n  slab5 " + k.command +
                 " create --name ci --scope crm:read --scope crm:write\n"
                 "  TOKEN=$(slab5 " +
                 k.command + " create --name ci --scope crm:read -q)");
  on_run(create, ctx, [&ctx, &k, o] { return run_create(ctx, k, *o); });

  auto* show = grp->add_subcommand("show", "Show an " + k.noun + " by id or prefix");
  with_dynamic_values(
      show->add_option("id", o->target, "Id (" + k.id_prefix + "_…) or the start of its prefix")->required(),
      k.dynamic);
  show->footer("Example:\n  slab5 " + k.command + " show " + k.id_prefix + "_01…");
  on_run(show, ctx, [&ctx, &k, o] { return run_show(ctx, k, *o); });

  auto* edit = grp->add_subcommand("edit", "Rename, describe or re-scope an " + k.noun);
  with_dynamic_values(edit->add_option("id", o->target, "Id or prefix")->required(), k.dynamic);
  o->name_opt = edit->add_option("--name", o->name, "New name");
  o->description_opt = edit->add_option("--description", o->description, "New description");
  with_choices(edit->add_option("--add-scope", o->add_scopes, "Grant a scope (repeatable)"), scope_names());
  with_choices(edit->add_option("--remove-scope", o->remove_scopes, "Take a scope away (repeatable)"), scope_names());
  edit->footer("Example:\n  slab5 " + k.command + " edit " + k.id_prefix + "_01… --add-scope crm:write");
  on_run(edit, ctx, [&ctx, &k, o] { return run_edit(ctx, k, *o); });

  auto* rotate = grp->add_subcommand("rotate", "Issue a new secret; the old one works for the overlap");
  with_dynamic_values(rotate->add_option("id", o->target, "Id or prefix")->required(), k.dynamic);
  rotate->add_option("--overlap", o->overlap, "How long the old secret keeps working (0s-7d, default 24h)")
      ->check(duration_value());
  rotate->footer("Example:\n  slab5 " + k.command + " rotate " + k.id_prefix + "_01… --overlap 1h");
  on_run(rotate, ctx, [&ctx, &k, o] { return run_rotate(ctx, k, *o); });

  auto* revoke = grp->add_subcommand("revoke", "Revoke an " + k.noun + " at once (asks for its name)");
  with_dynamic_values(revoke->add_option("id", o->target, "Id or prefix")->required(), k.dynamic);
  revoke->footer("Examples:\n  slab5 " + k.command + " revoke " + k.id_prefix + "_01…\n  slab5 " + k.command +
                 " revoke " + k.id_prefix + "_01… --yes   # scripts");
  on_run(revoke, ctx, [&ctx, &k, o] { return run_revoke(ctx, k, *o); });
}

}  // namespace

void add_key_commands(CLI::App& app, Context& ctx) {
  add_group(app, ctx, kApiKeys);
  add_group(app, ctx, kMcpClients);
}

}  // namespace slab5cli
