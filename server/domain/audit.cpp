#include "domain/audit.hpp"

#include "app.hpp"
#include "slab5/crypto.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"

namespace slab5d {

slab5::Json strip_secrets(slab5::Json j) {
  static const char* kSecretFields[] = {"secret", "token", "token_hash", "password", "password_hash",
                                        "refresh_token", "refreshToken", "accessToken", "signing_secret",
                                        "refresh_hash", "private_key", "idToken"};
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

AuditEvent audit_from(const Ctx& ctx, std::string action, std::string target_type, std::string target_id,
                      int status) {
  AuditEvent ev;
  ev.workspace_id = ctx.who.workspace_id;
  ev.tenant_id = ctx.who.tenant_id;
  ev.action = std::move(action);
  if (ctx.who.authenticated()) {
    ev.actor_type = ctx.who.actor_type();
    ev.actor_id = ctx.who.actor_id();
  }
  ev.target_type = std::move(target_type);
  ev.target_id = std::move(target_id);
  ev.source = ctx.who.kind == Principal::Kind::McpClient ? "mcp" : "api";
  ev.route = ctx.route.method + " " + ctx.route.pattern;
  ev.status = status;
  ev.request_id = ctx.request_id;
  ev.correlation_id = ctx.correlation_id;
  ev.ip = ctx.req.remote_ip;
  ev.user_agent = std::string(ctx.req.header("user-agent"));
  // A hash of the input with secrets removed: lets one match repeats without storing them.
  ev.input_hash = ctx.body.empty() ? "" : slab5::sha256_hex(strip_secrets(ctx.body).dump());
  return ev;
}

std::string record_audit(Db& db, AuditEvent ev) {
  std::string id = slab5::new_id("aud");
  auto dump = [](const std::optional<slab5::Json>& j) -> std::optional<std::string> {
    if (!j) return std::nullopt;
    return strip_secrets(*j).dump();
  };
  db.query("INSERT INTO audit_events (id, workspace_id, tenant_id, action, actor_type, actor_id, target_type, "
           "target_id, source, route, status, request_id, correlation_id, ip, user_agent, input_hash, before_json, "
           "after_json, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
           id, ev.workspace_id.empty() ? std::optional<std::string>{} : std::optional<std::string>{ev.workspace_id},
           ev.tenant_id.empty() ? std::optional<std::string>{} : std::optional<std::string>{ev.tenant_id}, ev.action,
           ev.actor_type, ev.actor_id, ev.target_type, ev.target_id, ev.source, ev.route, ev.status, ev.request_id,
           ev.correlation_id, ev.ip, ev.user_agent, ev.input_hash, dump(ev.before), dump(ev.after),
           slab5::format_rfc3339(slab5::now_millis()))
      .run();
  return id;
}

}  // namespace slab5d
