#include "store/postgres/fixture_store.hpp"

namespace slab5d {

std::vector<ExportedUser> PgFixtureStore::users() {
  std::vector<ExportedUser> out;
  auto r = conn_.exec("SELECT id, email, name, password_hash, email_verified_at FROM users ORDER BY created_at, id");
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(ExportedUser{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.opt_text(i, 3), r.opt_text(i, 4)});
  return out;
}

std::vector<ExportedWorkspace> PgFixtureStore::workspaces() {
  std::vector<ExportedWorkspace> out;
  auto r = conn_.exec("SELECT id, name, slug, enabled_modules FROM workspaces ORDER BY created_at, id");
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(
        ExportedWorkspace{r.text(i, 0), r.text(i, 1), r.text(i, 2), slab5::Json::parse(r.text(i, 3), nullptr, false)});
  return out;
}

std::vector<ExportedMembership> PgFixtureStore::memberships() {
  std::vector<ExportedMembership> out;
  auto r = conn_.exec("SELECT workspace_id, user_id, role FROM memberships ORDER BY joined_at, workspace_id, user_id");
  for (int i = 0; i < r.rows(); ++i) out.push_back(ExportedMembership{r.text(i, 0), r.text(i, 1), r.text(i, 2)});
  return out;
}

std::vector<ExportedCredential> PgFixtureStore::credentials() {
  std::vector<ExportedCredential> out;
  auto r = conn_.exec(
      "SELECT id, kind, workspace_id, name, description, prefix, token_hash, scopes, expires_at FROM credentials "
      "WHERE revoked_at IS NULL ORDER BY created_at, id");
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(ExportedCredential{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4), r.text(i, 5),
                                     r.text(i, 6), slab5::Json::parse(r.text(i, 7), nullptr, false), r.opt_text(i, 8)});
  return out;
}

}  // namespace slab5d
