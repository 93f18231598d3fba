// Audit events (api.md §6): written inside the caller's transaction, append-only.
#pragma once
#include <optional>
#include <string>

#include "slab5/json_util.hpp"
#include "store/db.hpp"

namespace slab5d {

struct Ctx;

struct AuditEvent {
  std::string workspace_id;
  std::string tenant_id;
  std::string action;
  std::string actor_type = "system";
  std::string actor_id = "system";
  std::string target_type;
  std::string target_id;
  std::string source = "api";
  std::string route;
  int status = 0;
  std::string request_id;
  std::string correlation_id;
  std::string ip;
  std::string user_agent;
  std::string input_hash;
  std::optional<slab5::Json> before;
  std::optional<slab5::Json> after;
};

// Removes every secret, hash and password field, at any depth.
slab5::Json strip_secrets(slab5::Json j);
// An event pre-filled from the request: actor, workspace, route, ids, ip, user agent, input hash.
AuditEvent audit_from(const Ctx& ctx, std::string action, std::string target_type, std::string target_id,
                      int status);
// Inserts the event (id and created_at assigned here); returns its id.
std::string record_audit(Db& db, AuditEvent ev);

}  // namespace slab5d
