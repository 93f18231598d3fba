#include "domain/workspace_admin.hpp"

#include <algorithm>

#include "app.hpp"
#include "domain/audit.hpp"
#include "slab5/access.hpp"
#include "slab5/time.hpp"

namespace slab5d {

using slab5::fail;
using slab5::validation_error;

slab5::Result<std::string> validate_workspace_name(const std::string& name_in, const char* field) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  std::size_t b = 0, e = name_in.size();
  while (b < e && is_space(name_in[b])) ++b;
  while (e > b && is_space(name_in[e - 1])) --e;
  std::string name = name_in.substr(b, e - b);
  if (name.empty()) return tl::unexpected(validation_error(field, "must not be empty"));
  std::size_t chars = 0;
  for (unsigned char c : name) {
    if ((c & 0xC0) != 0x80) ++chars;  // count code points, not bytes (the body is valid UTF-8)
    if (c < 0x20 || c == 0x7f) return tl::unexpected(validation_error(field, "must not contain control characters"));
  }
  if (chars > 100) return tl::unexpected(validation_error(field, "must be at most 100 characters"));
  return name;
}

std::vector<WorkspaceMembership> list_user_workspaces(Db& db, const std::string& user_id,
                                                      const std::optional<std::string>& after, int limit) {
  std::vector<WorkspaceMembership> out;
  auto q = db.query(
      "SELECT m.workspace_id, m.role FROM memberships m WHERE m.user_id = ? AND (? IS NULL OR m.workspace_id < ?) "
      "ORDER BY m.workspace_id DESC LIMIT ?",
      user_id, after, after, std::int64_t(limit));
  std::vector<std::pair<std::string, std::string>> rows;
  while (q.next()) rows.emplace_back(q.text(0), q.text(1));
  for (auto& [id, role] : rows)
    if (auto ws = find_workspace(db, id)) out.push_back({std::move(*ws), role});
  return out;
}

slab5::Result<Workspace> create_user_workspace(Ctx& ctx, const std::string& name_in,
                                               const std::optional<std::string>& slug) {
  auto name = validate_workspace_name(name_in);
  if (!name) return tl::unexpected(name.error());
  if (slug && !valid_slug(*slug))
    return tl::unexpected(validation_error("slug", "must be 3-48 characters of a-z, 0-9 and '-'"));
  Db& db = ctx.db;
  Tx tx(db);
  std::string tenant_id;
  {
    auto q = db.query("SELECT tenant_id FROM users WHERE id = ?", ctx.who.user_id);
    if (!q.next()) return fail("unauthorized", "The signed-in user no longer exists.");
    tenant_id = q.text(0);
  }
  // The write lock is held (BEGIN IMMEDIATE), so check-then-insert cannot race.
  std::string chosen = slug ? *slug : derive_slug(db, *name);
  if (slug && find_workspace_by_slug(db, *slug))
    return fail("conflict", "The slug '" + *slug + "' is already taken.", {{"field", "slug"}});
  Workspace ws = create_workspace(db, *name, chosen, tenant_id, ctx.who.user_id);
  auto ev = audit_from(ctx, "workspace.created", "workspace", ws.id, 201);
  ev.workspace_id = ws.id;
  ev.tenant_id = ws.tenant_id;
  ev.after = ws.to_json();
  record_audit(db, std::move(ev));
  tx.commit();
  return ws;
}

namespace {
void write_workspace(Db& db, const Workspace& ws) {
  db.query("UPDATE workspaces SET name = ?, enabled_modules = ?, updated_at = ? WHERE id = ?", ws.name,
           slab5::Json(ws.enabled_modules).dump(), ws.updated_at, ws.id)
      .run();
}
}  // namespace

slab5::Result<Workspace> rename_workspace(Ctx& ctx, const std::string& name_in) {
  auto name = validate_workspace_name(name_in);
  if (!name) return tl::unexpected(name.error());
  Db& db = ctx.db;
  Tx tx(db);
  auto ws = find_workspace(db, ctx.who.workspace_id);
  if (!ws) return fail("workspace_not_found");
  if (ws->name == *name) return *ws;  // nothing changes, nothing to audit
  Workspace before = *ws;
  ws->name = *name;
  ws->updated_at = slab5::format_rfc3339(slab5::now_millis());
  write_workspace(db, *ws);
  auto ev = audit_from(ctx, "workspace.updated", "workspace", ws->id, 200);
  ev.before = before.to_json();
  ev.after = ws->to_json();
  record_audit(db, std::move(ev));
  tx.commit();
  return *ws;
}

slab5::Result<Workspace> set_module_enabled(Ctx& ctx, const std::string& module, bool enabled) {
  if (!slab5::find_module(module)) return fail("resource_not_found", "There is no module '" + module + "'.");
  Db& db = ctx.db;
  Tx tx(db);
  auto ws = find_workspace(db, ctx.who.workspace_id);
  if (!ws) return fail("workspace_not_found");
  auto& mods = ws->enabled_modules;
  bool is_on = std::find(mods.begin(), mods.end(), module) != mods.end();
  if (is_on == enabled) return *ws;  // PUT/DELETE are idempotent; a no-op writes no event
  Workspace before = *ws;
  if (enabled) {
    // Keep the table's order so the list reads the same everywhere.
    std::vector<std::string> ordered;
    for (const auto& m : slab5::module_table()) {
      std::string id(m.id);
      if (id == module || std::find(mods.begin(), mods.end(), id) != mods.end()) ordered.push_back(id);
    }
    mods = std::move(ordered);
  } else {
    mods.erase(std::remove(mods.begin(), mods.end(), module), mods.end());
  }
  ws->updated_at = slab5::format_rfc3339(slab5::now_millis());
  write_workspace(db, *ws);
  auto ev = audit_from(ctx, enabled ? "workspace.module_enabled" : "workspace.module_disabled", "workspace", ws->id,
                       200);
  ev.before = before.to_json();
  ev.after = ws->to_json();
  record_audit(db, std::move(ev));
  tx.commit();
  return *ws;
}

slab5::Status delete_workspace(Ctx& ctx, const std::string& confirm) {
  Db& db = ctx.db;
  Tx tx(db);
  auto ws = find_workspace(db, ctx.who.workspace_id);
  if (!ws) return fail("workspace_not_found");
  if (confirm != ws->slug)
    return tl::unexpected(validation_error("confirm", "must equal the workspace slug ('" + ws->slug + "')"));
  auto ev = audit_from(ctx, "workspace.deleted", "workspace", ws->id, 204);
  ev.before = ws->to_json();
  record_audit(db, std::move(ev));
  // Idempotency records belong to the workspace's credentials; they go first.
  db.query("DELETE FROM idempotency_keys WHERE credential_id IN (SELECT id FROM credentials WHERE workspace_id = ?)",
           ws->id)
      .run();
  db.query("DELETE FROM usage_events WHERE workspace_id = ?", ws->id).run();
  // Memberships, invitations, credentials and module data cascade from the workspace row.
  int rc = db.query("DELETE FROM workspaces WHERE id = ?", ws->id).run();
  if (rc != 101 /* SQLITE_DONE */) throw DbError(rc, "deleting the workspace hit a constraint");
  tx.commit();
  return {};
}

}  // namespace slab5d
