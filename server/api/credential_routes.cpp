// API keys and MCP clients (api.md §5): /v1/workspace/api-keys and /v1/workspace/mcp-clients,
// the same six routes each, all needing settings:admin.
#include "api/page_params.hpp"
#include "app.hpp"
#include "domain/credential_lifecycle.hpp"
#include "domain/credential_rules.hpp"
#include "slab5/ids.hpp"

namespace slab5d {

using slab5::Json;
using slab5::Result;

namespace {

Result<Reply> list(Ctx& ctx, const CredentialKind& kind) {
  std::string status = query_value(ctx, "status").value_or("active");
  if (status != "active" && status != "revoked" && status != "expired" && status != "all")
    return slab5::fail("invalid_request", "status must be one of active, revoked, expired, all.");
  std::string filters = "status=" + status;
  auto page = read_page_request(ctx, filters);
  if (!page) return tl::unexpected(page.error());
  auto now = slab5::now_millis();
  auto rows = list_credentials(ctx.db, ctx.actor(), kind, status, now, *page);
  if (!rows) return tl::unexpected(rows.error());
  return page_reply(ctx, *rows, filters, [now](const Credential& c) { return c.to_json(now); });
}

// Ids that are not this kind's shape cannot exist: answer 404 without a lookup.
Result<std::string> target_id(Ctx& ctx, const CredentialKind& kind) {
  const std::string& id = ctx.param("id");
  if (!slab5::is_id(id, kind.id_prefix))
    return slab5::fail("resource_not_found", "No " + kind.noun + " " + id + " in this workspace.");
  return id;
}

Result<Reply> create(Ctx& ctx, const CredentialKind& kind) {
  auto now = slab5::now_millis();
  auto in = parse_credential_input(ctx.body, ctx.who.enabled_modules, now);
  if (!in) return tl::unexpected(in.error());
  auto made = create_credential(ctx.db, ctx.actor(), ctx.meta(), kind, *in);
  if (!made) return tl::unexpected(made.error());
  return Reply::created(made->to_json(now));
}

Result<Reply> show(Ctx& ctx, const CredentialKind& kind) {
  auto id = target_id(ctx, kind);
  if (!id) return tl::unexpected(id.error());
  auto c = get_credential(ctx.db, ctx.actor(), kind, *id);
  if (!c) return tl::unexpected(c.error());
  return Reply::ok(c->to_json(slab5::now_millis()));
}

Result<Reply> edit(Ctx& ctx, const CredentialKind& kind) {
  auto id = target_id(ctx, kind);
  if (!id) return tl::unexpected(id.error());
  auto now = slab5::now_millis();
  auto patch = parse_credential_patch(ctx.body, ctx.who.enabled_modules, now);
  if (!patch) return tl::unexpected(patch.error());
  auto c = update_credential(ctx.db, ctx.actor(), ctx.meta(), kind, *id, *patch);
  if (!c) return tl::unexpected(c.error());
  return Reply::ok(c->to_json(slab5::now_millis()));
}

Result<Reply> rotate(Ctx& ctx, const CredentialKind& kind) {
  auto id = target_id(ctx, kind);
  if (!id) return tl::unexpected(id.error());
  auto overlap = parse_overlap_seconds(ctx.body);
  if (!overlap) return tl::unexpected(overlap.error());
  auto made = rotate_credential(ctx.db, ctx.actor(), ctx.meta(), kind, *id, *overlap);
  if (!made) return tl::unexpected(made.error());
  return Reply::created(made->to_json(slab5::now_millis()));
}

Result<Reply> revoke(Ctx& ctx, const CredentialKind& kind) {
  auto id = target_id(ctx, kind);
  if (!id) return tl::unexpected(id.error());
  auto c = revoke_credential(ctx.db, ctx.actor(), ctx.meta(), kind, *id);
  if (!c) return tl::unexpected(c.error());
  return Reply::ok(c->to_json(slab5::now_millis()));
}

// A refusal by the check order (a missing settings:admin), audited like the rules' own.
void audit_refused_credential_action(Ctx& ctx, const CredentialKind& kind, const std::string& verb,
                                     const std::string& target_id, const slab5::Error& e) {
  slab5d::audit_refused_credential_action(ctx.db, ctx.actor(), ctx.meta(), kind, verb, target_id, e);
}

void register_kind(App& app, const std::string& id_prefix, const CredentialKind& kind) {
  // `verb` names the change for refusal audits; reads have none.
  auto route = [&](std::string op, Result<Reply> (*fn)(Ctx&, const CredentialKind&), std::string verb = {}) {
    std::string id = id_prefix + "." + op;
    RouteBinding r{.id = id, .handler = [fn, k = &kind](Ctx& ctx) { return fn(ctx, *k); }};
    if (!verb.empty())
      r.on_scope_refused = [k = &kind, verb](Ctx& ctx, const slab5::Error& e) {
        const std::string& id = ctx.param("id");
        audit_refused_credential_action(ctx, *k, verb, slab5::is_id(id, k->id_prefix) ? id : "", e);
      };
    app.router().bind(std::move(r));
  };
  route("list", list);
  route("create", create, "create");
  route("get", show);
  route("update", edit, "update");
  route("rotate", rotate, "rotate");
  route("revoke", revoke, "revoke");
}

}  // namespace

void register_credential_routes(App& app) {
  register_kind(app, "api_keys", api_key_kind());
  register_kind(app, "mcp_clients", mcp_client_kind());
}

}  // namespace slab5d
