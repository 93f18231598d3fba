#include "domain/audit.hpp"

#include "domain/store_result.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"
#include "store/sqlite/audit_store.hpp"

namespace slab5d {

slab5::Json strip_secrets(slab5::Json j) {
  static const char* kSecretFields[] = {"secret",         "token",         "token_hash",   "password",
                                        "password_hash",  "refresh_token", "refreshToken", "accessToken",
                                        "signing_secret", "refresh_hash",  "private_key",  "idToken"};
  if (j.is_object()) {
    for (const char* f : kSecretFields) j.erase(f);
    // Each value is moved down and back, never copied: copying made the work grow with
    // the square of the nesting depth, inside the caller's transaction.
    for (auto& [k, v] : j.items()) v = strip_secrets(std::move(v));
  } else if (j.is_array()) {
    for (auto& v : j) v = strip_secrets(std::move(v));
  }
  return j;
}

std::string audit_source(const Actor& actor) {
  return actor.source == "mcp" ? "mcp" : actor.source == "admin" ? "admin" : "api";
}

AuditEvent audit_row(const Actor& actor, const RequestMeta& meta, std::string action, std::string target_type,
                     std::string target_id, int status) {
  AuditEvent ev;
  ev.workspace_id = actor.workspace_id;
  ev.tenant_id = actor.tenant_id;
  ev.action = std::move(action);
  ev.actor_type = actor.type;
  ev.actor_id = actor.id;
  ev.target_type = std::move(target_type);
  ev.target_id = std::move(target_id);
  ev.source = audit_source(actor);
  ev.route = meta.route;
  ev.status = status;
  ev.request_id = meta.request_id;
  ev.correlation_id = meta.correlation_id;
  ev.ip = meta.ip;
  ev.user_agent = meta.user_agent;
  ev.input_hash = meta.input_hash;
  return ev;
}

std::string record_audit(Db& db, AuditEvent ev) {
  std::string id = slab5::new_id("aud");
  if (ev.before) ev.before = strip_secrets(std::move(*ev.before));
  if (ev.after) ev.after = strip_secrets(std::move(*ev.after));
  value_or_throw(SqliteAuditStore(db).append(id, ev, slab5::format_rfc3339(slab5::now_millis())));
  return id;
}

}  // namespace slab5d
