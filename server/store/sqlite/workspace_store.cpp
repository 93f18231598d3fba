#include "store/sqlite/workspace_store.hpp"
#include "store/sqlite/webhook_store.hpp"

#include "store/sqlite/checked.hpp"

namespace slab5d {

using sqlite::Constraint;
using sqlite::run_checked;

namespace {
constexpr const char* kWorkspaceColumns = "id, slug, name, tenant_id, enabled_modules, created_at, updated_at";

Workspace read_workspace(const Query& q, int at = 0) {
  Workspace w;
  w.id = q.text(at + 0);
  w.slug = q.text(at + 1);
  w.name = q.text(at + 2);
  w.tenant_id = q.text(at + 3);
  auto mods = slab5::Json::parse(q.text(at + 4), nullptr, false);
  if (mods.is_array())
    for (auto& m : mods)
      if (m.is_string()) w.enabled_modules.push_back(m.get<std::string>());
  w.created_at = q.text(at + 5);
  w.updated_at = q.text(at + 6);
  return w;
}

std::optional<Workspace> one_workspace(Query q) {
  if (!q.next()) return std::nullopt;
  return read_workspace(q);
}
}  // namespace

slab5::Result<std::optional<Workspace>> SqliteWorkspaceStore::get(const std::string& id) {
  return one_workspace(db_.query(std::string("SELECT ") + kWorkspaceColumns + " FROM workspaces WHERE id = ?", id));
}

slab5::Result<std::optional<Workspace>> SqliteWorkspaceStore::get_by_slug(const std::string& slug) {
  return one_workspace(db_.query(std::string("SELECT ") + kWorkspaceColumns + " FROM workspaces WHERE slug = ?", slug));
}

slab5::Result<std::optional<Workspace>> SqliteWorkspaceStore::oldest() {
  return one_workspace(
      db_.query(std::string("SELECT ") + kWorkspaceColumns + " FROM workspaces ORDER BY created_at, id LIMIT 1"));
}

slab5::Status SqliteWorkspaceStore::insert_tenant(const std::string& id, const std::string& name,
                                                  const std::string& created_at) {
  auto q = db_.query("INSERT INTO tenants (id, name, created_at) VALUES (?,?,?)", id, name, created_at);
  return run_checked(db_, q, "The tenant cannot be written: its id is taken.");
}

slab5::Status SqliteWorkspaceStore::insert(const Workspace& w) {
  auto q = db_.query(
      "INSERT INTO workspaces (id, tenant_id, slug, name, enabled_modules, created_at, updated_at) "
      "VALUES (?,?,?,?,?,?,?)",
      w.id, w.tenant_id, w.slug, w.name, slab5::Json(w.enabled_modules).dump(), w.created_at, w.updated_at);
  return run_checked(db_, q, [&](Constraint c) {
    if (c == Constraint::Unique)
      return slab5::Error{"conflict", "The slug '" + w.slug + "' is already taken.", {{"field", "slug"}}};
    return slab5::Error{"conflict", "The workspace cannot be written: its tenant no longer exists."};
  });
}

slab5::Status SqliteWorkspaceStore::update(const Workspace& w) {
  auto q = db_.query("UPDATE workspaces SET name = ?, enabled_modules = ?, updated_at = ? WHERE id = ?", w.name,
                     slab5::Json(w.enabled_modules).dump(), w.updated_at, w.id);
  if (auto ok = run_checked(db_, q, "The workspace cannot be written."); !ok) return ok;
  if (db_.changes() != 1) return slab5::fail("workspace_not_found");
  return {};
}

slab5::Status SqliteWorkspaceStore::remove(const std::string& id) {
  // Idempotency records belong to the workspace's credentials; they go first.
  auto keys = db_.query(
      "DELETE FROM idempotency_keys WHERE credential_id IN (SELECT id FROM credentials WHERE workspace_id = ?)", id);
  if (auto ok = run_checked(db_, keys, "The workspace's idempotency records cannot be deleted."); !ok) return ok;
  auto usage = db_.query("DELETE FROM usage_event_rows WHERE workspace_id = ?", id);
  if (auto ok = run_checked(db_, usage, "The workspace's usage events cannot be deleted."); !ok) return ok;
  // Events of their own go too. A change's event is its audit row, which is kept (as are the
  // usage events in those rows, which no route can read once the workspace is gone).
  auto events = db_.query("DELETE FROM audit_events WHERE workspace_id = ? AND NOT audited", id);
  if (auto ok = run_checked(db_, events, "The workspace's events cannot be deleted."); !ok) return ok;
  // Memberships, invitations, credentials and module data cascade from the workspace row.
  webhook_endpoints_changed();  // its endpoints go with it
  auto ws = db_.query("DELETE FROM workspaces WHERE id = ?", id);
  if (auto ok = run_checked(db_, ws, "The workspace cannot be deleted: other data still refers to it."); !ok) return ok;
  if (db_.changes() != 1) return slab5::fail("workspace_not_found");
  return {};
}

slab5::Result<std::optional<std::string>> SqliteWorkspaceStore::tenant_of_user(const std::string& user_id) {
  auto q = db_.query("SELECT tenant_id FROM users WHERE id = ?", user_id);
  if (!q.next()) return std::optional<std::string>{};
  return std::optional<std::string>{q.text(0)};
}

slab5::Result<std::vector<WorkspaceMembership>> SqliteWorkspaceStore::list_for_user(
    const std::string& user_id, const std::optional<std::string>& after, int limit) {
  auto q = db_.query(
      "SELECT m.role, w.id, w.slug, w.name, w.tenant_id, w.enabled_modules, w.created_at, w.updated_at "
      "FROM memberships m JOIN workspaces w ON w.id = m.workspace_id "
      "WHERE m.user_id = ? AND (? IS NULL OR m.workspace_id < ?) "
      "ORDER BY m.workspace_id DESC LIMIT ?",
      user_id, after, after, std::int64_t(limit));
  std::vector<WorkspaceMembership> out;
  while (q.next()) out.push_back({read_workspace(q, 1), q.text(0)});
  return out;
}

}  // namespace slab5d
