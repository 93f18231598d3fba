#include "store/postgres/credential_store.hpp"

namespace slab5d {

namespace {
constexpr const char* kCredentialColumns =
    "id, kind, workspace_id, name, description, prefix, scopes, created_at, updated_at, last_used_at, expires_at, "
    "revoked_at, created_by_type, created_by_id, replaced_by";

Credential read_credential(const PgResult& r, int row) {
  Credential c;
  c.id = r.text(row, 0);
  c.kind = r.text(row, 1);
  c.workspace_id = r.text(row, 2);
  c.name = r.text(row, 3);
  c.description = r.text(row, 4);
  c.prefix = r.text(row, 5);
  auto sc = slab5::Json::parse(r.text(row, 6), nullptr, false);
  if (sc.is_array())
    for (auto& s : sc)
      if (s.is_string()) c.scopes.push_back(s.get<std::string>());
  c.created_at = r.text(row, 7);
  c.updated_at = r.text(row, 8);
  c.last_used_at = r.opt_text(row, 9);
  c.expires_at = r.opt_text(row, 10);
  c.revoked_at = r.opt_text(row, 11);
  c.created_by_type = r.text(row, 12);
  c.created_by_id = r.text(row, 13);
  c.replaced_by = r.opt_text(row, 14);
  return c;
}

std::optional<Credential> one_credential(const PgResult& r) {
  if (r.rows() == 0) return std::nullopt;
  return read_credential(r, 0);
}
}  // namespace

slab5::Status PgCredentialStore::insert(const Credential& c, const std::string& token_hash) {
  auto r = conn_.run(
      "INSERT INTO credentials (id, kind, workspace_id, name, description, prefix, token_hash, scopes, "
      "created_at, updated_at, expires_at, created_by_type, created_by_id) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
      c.id, c.kind, c.workspace_id, c.name, c.description, c.prefix, token_hash, slab5::Json(c.scopes).dump(),
      c.created_at, c.updated_at, c.expires_at, c.created_by_type, c.created_by_id);
  if (r.ok()) return {};
  // The workspace went between the caller's checks and this insert (deleted by another
  // request or process): the credential would belong to nothing.
  if (r.constraint == PgConstraint::ForeignKey) return slab5::fail("workspace_not_found");
  return slab5::fail("conflict", "The credential cannot be written: its id or token is taken.");
}

slab5::Result<std::optional<Credential>> PgCredentialStore::get(const std::string& kind,
                                                                const std::string& workspace_id,
                                                                const std::string& id) {
  // Read inside a transaction, the credential is about to be changed (revoked, rotated,
  // updated) from what is read: its row stays locked until the transaction ends, so that a
  // concurrent change on another writer or instance is not overwritten (a revocation undone by
  // an update that read the key before it).
  return one_credential(conn_.exec(std::string("SELECT ") + kCredentialColumns +
                                       " FROM credentials WHERE id = $1 AND kind = $2 AND workspace_id = $3" +
                                       (conn_.in_transaction() ? " FOR NO KEY UPDATE" : ""),
                                   id, kind, workspace_id));
}

slab5::Result<std::optional<Credential>> PgCredentialStore::get_by_hash(const std::string& token_hash) {
  return one_credential(
      conn_.exec(std::string("SELECT ") + kCredentialColumns + " FROM credentials WHERE token_hash = $1", token_hash));
}

slab5::Status PgCredentialStore::update(const Credential& c) {
  auto r = conn_.run(
      "UPDATE credentials SET name = $1, description = $2, scopes = $3, expires_at = $4, revoked_at = $5, "
      "updated_at = $6, replaced_by = $7 WHERE id = $8",
      c.name, c.description, slab5::Json(c.scopes).dump(), c.expires_at, c.revoked_at, c.updated_at, c.replaced_by,
      c.id);
  if (!r.ok()) return slab5::fail("conflict", "The credential cannot be written.");
  if (r.affected() != 1) return slab5::fail("resource_not_found", "No credential " + c.id + " in this workspace.");
  return {};
}

slab5::Status PgCredentialStore::touch(const std::string& id, const std::string& last_used_at) {
  auto r = conn_.run("UPDATE credentials SET last_used_at = $1 WHERE id = $2", last_used_at, id);
  if (!r.ok()) return slab5::fail("conflict", "The credential's last use cannot be written.");
  return {};
}

slab5::Result<std::vector<Credential>> PgCredentialStore::list(const CredentialQuery& cq) {
  // Times are stored in one fixed-width RFC 3339 form, so text order is time order.
  std::string where;
  if (cq.status == "active")
    where = " AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $3::text)";
  else if (cq.status == "expired")
    where = " AND revoked_at IS NULL AND expires_at IS NOT NULL AND expires_at <= $3::text";
  else if (cq.status == "revoked")
    where = " AND revoked_at IS NOT NULL AND $3::text IS NOT NULL";
  else
    where = " AND $3::text IS NOT NULL";
  auto r = conn_.exec(std::string("SELECT ") + kCredentialColumns +
                          " FROM credentials WHERE workspace_id = $1 AND kind = $2" + where +
                          " AND ($4::text IS NULL OR id < $4::text) ORDER BY id DESC LIMIT $5",
                      cq.workspace_id, cq.kind, slab5::format_rfc3339(cq.now), cq.before_id, cq.limit + 1);
  std::vector<Credential> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_credential(r, i));
  return out;
}

}  // namespace slab5d
