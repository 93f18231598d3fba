#include "store/sqlite/credential_store.hpp"

#include "store/sqlite/checked.hpp"

namespace slab5d {

using sqlite::Constraint;
using sqlite::run_checked;

namespace {
constexpr const char* kCredentialColumns =
    "id, kind, workspace_id, name, description, prefix, scopes, created_at, updated_at, last_used_at, expires_at, "
    "revoked_at, created_by_type, created_by_id, replaced_by";

Credential read_credential(const Query& q) {
  Credential c;
  c.id = q.text(0);
  c.kind = q.text(1);
  c.workspace_id = q.text(2);
  c.name = q.text(3);
  c.description = q.text(4);
  c.prefix = q.text(5);
  auto sc = slab5::Json::parse(q.text(6), nullptr, false);
  if (sc.is_array())
    for (auto& s : sc)
      if (s.is_string()) c.scopes.push_back(s.get<std::string>());
  c.created_at = q.text(7);
  c.updated_at = q.text(8);
  c.last_used_at = q.opt_text(9);
  c.expires_at = q.opt_text(10);
  c.revoked_at = q.opt_text(11);
  c.created_by_type = q.text(12);
  c.created_by_id = q.text(13);
  c.replaced_by = q.opt_text(14);
  return c;
}

std::optional<Credential> one_credential(Query q) {
  if (!q.next()) return std::nullopt;
  return read_credential(q);
}
}  // namespace

slab5::Status SqliteCredentialStore::insert(const Credential& c, const std::string& token_hash) {
  auto q = db_.query(
      "INSERT INTO credentials (id, kind, workspace_id, name, description, prefix, token_hash, scopes, "
      "created_at, updated_at, expires_at, created_by_type, created_by_id) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
      c.id, c.kind, c.workspace_id, c.name, c.description, c.prefix, token_hash, slab5::Json(c.scopes).dump(),
      c.created_at, c.updated_at, c.expires_at, c.created_by_type, c.created_by_id);
  return run_checked(db_, q, [](Constraint k) {
    // The workspace went between the caller's checks and this insert (deleted by another
    // request or process): the credential would belong to nothing.
    if (k == Constraint::ForeignKey) return slab5::Error{"workspace_not_found"};
    return slab5::Error{"conflict", "The credential cannot be written: its id or token is taken."};
  });
}

slab5::Result<std::optional<Credential>> SqliteCredentialStore::get(const std::string& kind,
                                                                    const std::string& workspace_id,
                                                                    const std::string& id) {
  return one_credential(db_.query(
      std::string("SELECT ") + kCredentialColumns + " FROM credentials WHERE id = ? AND kind = ? AND workspace_id = ?",
      id, kind, workspace_id));
}

slab5::Result<std::optional<Credential>> SqliteCredentialStore::get_by_hash(const std::string& token_hash) {
  return one_credential(
      db_.query(std::string("SELECT ") + kCredentialColumns + " FROM credentials WHERE token_hash = ?", token_hash));
}

slab5::Status SqliteCredentialStore::update(const Credential& c) {
  auto q = db_.query(
      "UPDATE credentials SET name = ?, description = ?, scopes = ?, expires_at = ?, revoked_at = ?, "
      "updated_at = ?, replaced_by = ? WHERE id = ?",
      c.name, c.description, slab5::Json(c.scopes).dump(), c.expires_at, c.revoked_at, c.updated_at, c.replaced_by,
      c.id);
  if (auto ok = run_checked(db_, q, "The credential cannot be written."); !ok) return ok;
  if (db_.changes() != 1) return slab5::fail("resource_not_found", "No credential " + c.id + " in this workspace.");
  return {};
}

slab5::Status SqliteCredentialStore::touch(const std::string& id, const std::string& last_used_at) {
  auto q = db_.query("UPDATE credentials SET last_used_at = ? WHERE id = ?", last_used_at, id);
  return run_checked(db_, q, "The credential's last use cannot be written.");
}

slab5::Result<std::vector<Credential>> SqliteCredentialStore::list(const CredentialQuery& cq) {
  // Times are stored in one fixed-width RFC 3339 form, so text order is time order.
  std::string where;
  if (cq.status == "active")
    where = " AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?3)";
  else if (cq.status == "expired")
    where = " AND revoked_at IS NULL AND expires_at IS NOT NULL AND expires_at <= ?3";
  else if (cq.status == "revoked")
    where = " AND revoked_at IS NOT NULL AND ?3 IS NOT NULL";
  else
    where = " AND ?3 IS NOT NULL";
  auto q = db_.query(std::string("SELECT ") + kCredentialColumns +
                         " FROM credentials WHERE workspace_id = ?1 AND kind = ?2" + where +
                         " AND (?4 IS NULL OR id < ?4) ORDER BY id DESC LIMIT ?5",
                     cq.workspace_id, cq.kind, slab5::format_rfc3339(cq.now), cq.before_id, cq.limit + 1);
  std::vector<Credential> out;
  while (q.next()) out.push_back(read_credential(q));
  return out;
}

}  // namespace slab5d
