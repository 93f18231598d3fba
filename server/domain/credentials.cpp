#include "domain/credentials.hpp"

#include "domain/store_result.hpp"
#include "slab5/ids.hpp"
#include "slab5/token.hpp"
#include "store/credential_store.hpp"

namespace slab5d {

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

std::optional<Credential> find_credential_by_hash(Conn& db, const std::string& token_hash) {
  return value_or_throw(db.credentials().get_by_hash(token_hash));
}

std::optional<Credential> find_credential(Conn& db, const std::string& kind, const std::string& workspace_id,
                                          const std::string& id) {
  return value_or_throw(db.credentials().get(kind, workspace_id, id));
}

slab5::Result<NewCredential> insert_credential(Conn& db, const CredentialSpec& spec) {
  NewCredential out;
  out.token = !spec.token.empty()
                  ? spec.token
                  : slab5::generate_token(spec.kind == "mcp_client" ? slab5::kMcpPrefix : slab5::kApiKeyPrefix);
  Credential& c = out.credential;
  c.id = !spec.id.empty() ? spec.id : slab5::new_id(spec.kind == "mcp_client" ? "mcp" : "key");
  c.kind = spec.kind;
  c.workspace_id = spec.workspace_id;
  c.name = spec.name;
  c.description = spec.description;
  c.prefix = slab5::token_display_prefix(out.token);
  c.scopes = spec.scopes;
  c.created_at = c.updated_at = slab5::format_rfc3339(slab5::now_millis());
  c.expires_at = spec.expires_at;
  c.created_by_type = spec.created_by_type;
  c.created_by_id = spec.created_by_id;
  if (auto ok = db.credentials().insert(c, slab5::token_hash(out.token)); !ok) return tl::unexpected(ok.error());
  return out;
}

slab5::Status save_credential(Conn& db, const Credential& c) { return db.credentials().update(c); }

}  // namespace slab5d
