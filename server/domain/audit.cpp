#include "domain/audit.hpp"

#include <array>
#include <iterator>
#include <string_view>
#include <vector>

#include "domain/store_result.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"
#include "store/audit_store.hpp"

namespace slab5d {

namespace {
constexpr const char* kSecretFields[] = {"secret",         "token",         "token_hash",   "password",
                                         "password_hash",  "refresh_token", "refreshToken", "accessToken",
                                         "signing_secret", "refresh_hash",  "private_key",  "idToken"};
}  // namespace

bool has_secret_fields(const slab5::Json& j) {
  // Lengths first: most keys have none of the secret fields' lengths, and are passed over
  // without comparing a character.
  static const auto names = [] {
    std::array<std::string_view, std::size(kSecretFields)> out{};
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = kSecretFields[i];
    return out;
  }();
  auto secret = [](const std::string& k) {
    for (auto f : names)
      if (k.size() == f.size() && k == f) return true;
    return false;
  };
  // An explicit stack, kept small: a value's depth never becomes this thread's stack depth.
  std::vector<const slab5::Json*> todo;
  todo.reserve(8);
  todo.push_back(&j);
  while (!todo.empty()) {
    const slab5::Json* v = todo.back();
    todo.pop_back();
    if (v->is_object()) {
      for (auto it = v->begin(); it != v->end(); ++it) {
        if (secret(it.key())) return true;
        if (it->is_structured() && !it->empty()) todo.push_back(&*it);
      }
    } else if (v->is_array()) {
      for (const auto& child : *v)
        if (child.is_structured() && !child.empty()) todo.push_back(&child);
    }
  }
  return false;
}

slab5::Json strip_secrets(slab5::Json j) {
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

void strip_audit_secrets(AuditEvent& ev) {
  if (ev.before) ev.before = strip_secrets(std::move(*ev.before));
  if (ev.after && !ev.after_text) ev.after = strip_secrets(std::move(*ev.after));
}

std::string record_audit(Conn& db, AuditEvent ev) {
  std::string id = slab5::new_id("aud");
  strip_audit_secrets(ev);
  value_or_throw(db.audit().append(id, ev, slab5::format_rfc3339(slab5::now_millis())));
  return id;
}

}  // namespace slab5d
