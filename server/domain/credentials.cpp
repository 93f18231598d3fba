#include "domain/credentials.hpp"

#include "slab5/ids.hpp"
#include "slab5/token.hpp"

namespace slab5d {

const char* const kCredentialColumns =
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
    for (auto& s : sc) c.scopes.push_back(s.get<std::string>());
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

std::string Credential::status(slab5::Millis now) const {
  if (revoked_at) return "revoked";
  if (expires_at) {
    auto t = slab5::parse_rfc3339(*expires_at);
    if (t && *t <= now) return "expired";
  }
  return "active";
}

slab5::Json Credential::to_json(slab5::Millis now) const {
  auto opt = [](const std::optional<std::string>& v) { return v ? slab5::Json(*v) : slab5::Json(nullptr); };
  return {{"id", id},
          {"name", name},
          {"description", description},
          {"prefix", prefix},
          {"status", status(now)},
          {"scopes", scopes},
          {"created_at", created_at},
          {"updated_at", updated_at},
          {"last_used_at", opt(last_used_at)},
          {"expires_at", opt(expires_at)},
          {"revoked_at", opt(revoked_at)},
          {"created_by", {{"type", created_by_type}, {"id", created_by_id}}}};
}

std::optional<Credential> find_credential_by_hash(Db& db, const std::string& token_hash) {
  auto q = db.query(std::string("SELECT ") + kCredentialColumns + " FROM credentials WHERE token_hash = ?",
                    token_hash);
  if (!q.next()) return std::nullopt;
  return read_credential(q);
}

std::optional<Credential> find_credential(Db& db, const std::string& kind, const std::string& workspace_id,
                                          const std::string& id) {
  auto q = db.query(std::string("SELECT ") + kCredentialColumns +
                        " FROM credentials WHERE id = ? AND kind = ? AND workspace_id = ?",
                    id, kind, workspace_id);
  if (!q.next()) return std::nullopt;
  return read_credential(q);
}

NewCredential insert_credential(Db& db, const std::string& kind, const std::string& workspace_id,
                                const std::string& name, const std::string& description,
                                const std::vector<std::string>& scopes, std::optional<std::string> expires_at,
                                const std::string& created_by_type, const std::string& created_by_id) {
  NewCredential out;
  out.token = slab5::generate_token(kind == "mcp_client" ? slab5::kMcpPrefix : slab5::kApiKeyPrefix);
  Credential& c = out.credential;
  c.id = slab5::new_id(kind == "mcp_client" ? "mcp" : "key");
  c.kind = kind;
  c.workspace_id = workspace_id;
  c.name = name;
  c.description = description;
  c.prefix = slab5::token_display_prefix(out.token);
  c.scopes = scopes;
  c.created_at = c.updated_at = slab5::format_rfc3339(slab5::now_millis());
  c.expires_at = std::move(expires_at);
  c.created_by_type = created_by_type;
  c.created_by_id = created_by_id;
  db.query("INSERT INTO credentials (id, kind, workspace_id, name, description, prefix, token_hash, scopes, "
           "created_at, updated_at, expires_at, created_by_type, created_by_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
           c.id, c.kind, c.workspace_id, c.name, c.description, c.prefix, slab5::token_hash(out.token),
           slab5::Json(c.scopes).dump(), c.created_at, c.updated_at, c.expires_at, c.created_by_type,
           c.created_by_id)
      .run();
  return out;
}

void save_credential(Db& db, const Credential& c) {
  db.query("UPDATE credentials SET name = ?, description = ?, scopes = ?, expires_at = ?, revoked_at = ?, "
           "updated_at = ?, replaced_by = ? WHERE id = ?",
           c.name, c.description, slab5::Json(c.scopes).dump(), c.expires_at, c.revoked_at, c.updated_at,
           c.replaced_by, c.id)
      .run();
}

std::vector<Credential> list_credentials(Db& db, const std::string& kind, const std::string& workspace_id,
                                         const std::string& status, slab5::Millis now,
                                         const std::optional<std::string>& before_id, int limit) {
  // Times are stored in one fixed-width RFC 3339 form, so text order is time order.
  std::string where;
  if (status == "active")
    where = " AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?3)";
  else if (status == "expired")
    where = " AND revoked_at IS NULL AND expires_at IS NOT NULL AND expires_at <= ?3";
  else if (status == "revoked")
    where = " AND revoked_at IS NOT NULL AND ?3 IS NOT NULL";
  else
    where = " AND ?3 IS NOT NULL";
  auto q = db.query(std::string("SELECT ") + kCredentialColumns +
                        " FROM credentials WHERE workspace_id = ?1 AND kind = ?2" + where +
                        " AND (?4 IS NULL OR id < ?4) ORDER BY id DESC LIMIT ?5",
                    workspace_id, kind, slab5::format_rfc3339(now), before_id, limit + 1);
  std::vector<Credential> out;
  while (q.next()) out.push_back(read_credential(q));
  return out;
}

void touch_credential(Db& db, const Credential& c, slab5::Millis now) {
  if (c.last_used_at) {
    auto t = slab5::parse_rfc3339(*c.last_used_at);
    if (t && now - *t < 60000) return;
  }
  db.query("UPDATE credentials SET last_used_at = ? WHERE id = ?", slab5::format_rfc3339(now), c.id).run();
}

}  // namespace slab5d
