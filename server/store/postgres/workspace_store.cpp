#include "store/postgres/workspace_store.hpp"

namespace slab5d {

namespace {
constexpr const char* kWorkspaceColumns = "id, slug, name, tenant_id, enabled_modules, created_at, updated_at";

Workspace read_workspace(const PgResult& r, int row, int at = 0) {
  Workspace w;
  w.id = r.text(row, at + 0);
  w.slug = r.text(row, at + 1);
  w.name = r.text(row, at + 2);
  w.tenant_id = r.text(row, at + 3);
  auto mods = slab5::Json::parse(r.text(row, at + 4), nullptr, false);
  if (mods.is_array())
    for (auto& m : mods)
      if (m.is_string()) w.enabled_modules.push_back(m.get<std::string>());
  w.created_at = r.text(row, at + 5);
  w.updated_at = r.text(row, at + 6);
  return w;
}

std::optional<Workspace> one_workspace(const PgResult& r) {
  if (r.rows() == 0) return std::nullopt;
  return read_workspace(r, 0);
}
}  // namespace

slab5::Result<std::optional<Workspace>> PgWorkspaceStore::get(const std::string& id) {
  return one_workspace(conn_.exec(std::string("SELECT ") + kWorkspaceColumns + " FROM workspaces WHERE id = $1", id));
}

slab5::Result<std::optional<Workspace>> PgWorkspaceStore::get_for_update(const std::string& id) {
  if (!conn_.in_transaction()) return get(id);
  return one_workspace(
      conn_.exec(std::string("SELECT ") + kWorkspaceColumns + " FROM workspaces WHERE id = $1 FOR NO KEY UPDATE", id));
}

slab5::Result<std::optional<Workspace>> PgWorkspaceStore::get_by_slug(const std::string& slug) {
  return one_workspace(
      conn_.exec(std::string("SELECT ") + kWorkspaceColumns + " FROM workspaces WHERE slug = $1", slug));
}

slab5::Result<std::optional<Workspace>> PgWorkspaceStore::oldest() {
  return one_workspace(
      conn_.exec(std::string("SELECT ") + kWorkspaceColumns + " FROM workspaces ORDER BY created_at, id LIMIT 1"));
}

slab5::Status PgWorkspaceStore::insert_tenant(const std::string& id, const std::string& name,
                                              const std::string& created_at) {
  auto r = conn_.run("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)", id, name, created_at);
  if (!r.ok()) return slab5::fail("conflict", "The tenant cannot be written: its id is taken.");
  return {};
}

slab5::Status PgWorkspaceStore::insert(const Workspace& w) {
  auto r = conn_.run(
      "INSERT INTO workspaces (id, tenant_id, slug, name, enabled_modules, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      w.id, w.tenant_id, w.slug, w.name, slab5::Json(w.enabled_modules).dump(), w.created_at, w.updated_at);
  if (r.ok()) return {};
  // A taken id is a unique hit too, and reads as SQLite's PRIMARY KEY hit does: the slug's message.
  if (r.constraint == PgConstraint::Unique)
    return slab5::fail("conflict", "The slug '" + w.slug + "' is already taken.", {{"field", "slug"}});
  return slab5::fail("conflict", "The workspace cannot be written: its tenant no longer exists.");
}

slab5::Status PgWorkspaceStore::update(const Workspace& w) {
  auto r = conn_.run("UPDATE workspaces SET name = $1, enabled_modules = $2, updated_at = $3 WHERE id = $4", w.name,
                     slab5::Json(w.enabled_modules).dump(), w.updated_at, w.id);
  if (!r.ok()) return slab5::fail("conflict", "The workspace cannot be written.");
  if (r.affected() != 1) return slab5::fail("workspace_not_found");
  return {};
}

slab5::Status PgWorkspaceStore::remove(const std::string& id) {
  // Idempotency records belong to the workspace's credentials; they go first.
  auto keys = conn_.run(
      "DELETE FROM idempotency_keys WHERE credential_id IN (SELECT id FROM credentials WHERE workspace_id = $1)", id);
  if (!keys.ok()) return slab5::fail("conflict", "The workspace's idempotency records cannot be deleted.");
  auto usage = conn_.run("DELETE FROM usage_event_rows WHERE workspace_id = $1", id);
  if (!usage.ok()) return slab5::fail("conflict", "The workspace's usage events cannot be deleted.");
  // Events of their own go too; a change's event is its audit row, which is kept.
  auto events = conn_.run("DELETE FROM audit_events WHERE workspace_id = $1 AND audited = 0", id);
  if (!events.ok()) return slab5::fail("conflict", "The workspace's events cannot be deleted.");
  // Memberships, invitations, credentials, webhooks and module data cascade from the
  // workspace row. (SQLite's store also tells its endpoint cache; PgWebhookStore keeps none.)
  auto ws = conn_.run("DELETE FROM workspaces WHERE id = $1", id);
  if (!ws.ok()) return slab5::fail("conflict", "The workspace cannot be deleted: other data still refers to it.");
  if (ws.affected() != 1) return slab5::fail("workspace_not_found");
  return {};
}

slab5::Result<std::optional<std::string>> PgWorkspaceStore::tenant_of_user(const std::string& user_id) {
  auto r = conn_.exec("SELECT tenant_id FROM users WHERE id = $1", user_id);
  if (r.rows() == 0) return std::optional<std::string>{};
  return std::optional<std::string>{r.text(0, 0)};
}

slab5::Result<std::vector<WorkspaceMembership>> PgWorkspaceStore::list_for_user(const std::string& user_id,
                                                                                const std::optional<std::string>& after,
                                                                                int limit) {
  auto r = conn_.exec(
      "SELECT m.role, w.id, w.slug, w.name, w.tenant_id, w.enabled_modules, w.created_at, w.updated_at "
      "FROM memberships m JOIN workspaces w ON w.id = m.workspace_id "
      "WHERE m.user_id = $1 AND ($2::text IS NULL OR m.workspace_id < $2::text) "
      "ORDER BY m.workspace_id DESC LIMIT $3",
      user_id, after, std::int64_t(limit));
  std::vector<WorkspaceMembership> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back({read_workspace(r, i, 1), r.text(i, 0)});
  return out;
}

}  // namespace slab5d
