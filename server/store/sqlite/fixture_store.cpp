#include "store/sqlite/fixture_store.hpp"

namespace slab5d {

bool table_exists(Db& db, const std::string& name) {
  auto q = db.query("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", name);
  return q.next();
}

std::vector<ExportedUser> SqliteFixtureStore::users() {
  std::vector<ExportedUser> out;
  auto q = db_.query("SELECT id, email, name, password_hash, email_verified_at FROM users ORDER BY created_at, id");
  while (q.next()) out.push_back(ExportedUser{q.text(0), q.text(1), q.text(2), q.opt_text(3), q.opt_text(4)});
  return out;
}

std::vector<ExportedWorkspace> SqliteFixtureStore::workspaces() {
  std::vector<ExportedWorkspace> out;
  auto q = db_.query("SELECT id, name, slug, enabled_modules FROM workspaces ORDER BY created_at, id");
  while (q.next())
    out.push_back(ExportedWorkspace{q.text(0), q.text(1), q.text(2), slab5::Json::parse(q.text(3), nullptr, false)});
  return out;
}

std::vector<ExportedMembership> SqliteFixtureStore::memberships() {
  std::vector<ExportedMembership> out;
  auto q = db_.query("SELECT workspace_id, user_id, role FROM memberships ORDER BY joined_at, workspace_id, user_id");
  while (q.next()) out.push_back(ExportedMembership{q.text(0), q.text(1), q.text(2)});
  return out;
}

std::vector<ExportedCredential> SqliteFixtureStore::credentials() {
  std::vector<ExportedCredential> out;
  auto q = db_.query(
      "SELECT id, kind, workspace_id, name, description, prefix, token_hash, scopes, expires_at FROM credentials "
      "WHERE revoked_at IS NULL ORDER BY created_at, id");
  while (q.next())
    out.push_back(ExportedCredential{q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6),
                                     slab5::Json::parse(q.text(7), nullptr, false), q.opt_text(8)});
  return out;
}

}  // namespace slab5d
