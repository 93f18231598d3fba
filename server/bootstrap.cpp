// First start (server.md §1): on a new database, create the development owner, their
// personal tenant and workspace, and an API key holding every scope.
#include "bootstrap.hpp"

#include "domain/audit.hpp"
#include "domain/credentials.hpp"
#include "domain/passwords.hpp"
#include "domain/store_result.hpp"
#include "domain/workspaces.hpp"
#include "domain/write.hpp"
#include "slab5/access.hpp"
#include "slab5/crypto.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"
#include "store/member_store.hpp"
#include "store/meta_store.hpp"
#include "store/workspace_store.hpp"

namespace slab5d {

namespace {
// slab5d acting on its own (actor system, source admin) in a workspace, on `route`: no
// request, no credential, so no usage is metered.
Actor system_actor(const std::string& workspace_id, const std::string& tenant_id) {
  return Actor{.workspace_id = workspace_id, .tenant_id = tenant_id, .source = "admin"};
}

// The audit row of a change slab5d makes for itself. No request is answered: its status is 0,
// and no event type covers these changes (api.md §8.3).
void record_system_change(WriteUnit& unit, std::string action, std::string target_type, std::string target_id,
                          slab5::Json after, std::optional<slab5::Json> before = std::nullopt) {
  unit.record(Change{.action = std::move(action),
                     .target_type = std::move(target_type),
                     .target_id = std::move(target_id),
                     .before = std::move(before),
                     .after = std::move(after),
                     .status = 0,
                     .emit_event = false});
}
}  // namespace

App::StartInfo bootstrap_if_new(App& app, const std::string& email_in, const std::string& password_in) {
  App::StartInfo info;
  Conn& db = app.db();
  // Hash outside the write transaction: it is the slow part.
  std::string password = password_in.empty() ? slab5::random_base62(20) : password_in;
  std::string email = email_in.empty() ? "dev@slab5.local" : email_in;
  std::string hash = hash_password(password, password_cost(app.config().password_cost));

  std::string tenant = slab5::new_id("ten"), workspace_id = slab5::new_id("wrk");
  RequestMeta call{.route = "slab5d init"};
  Actor system = system_actor(workspace_id, tenant);
  WriteUnit unit(db, system, call);
  MetaStore& meta = (db).meta();
  if (value_or_throw(meta.get("bootstrapped"))) return info;
  std::string now = slab5::format_rfc3339(slab5::now_millis());
  value_or_throw(db.workspaces().insert_tenant(tenant, "Personal", now));
  std::string user = slab5::new_id("usr");
  value_or_throw(db.members().insert_user(NewUser{.id = user,
                                                  .tenant_id = tenant,
                                                  .email = email,
                                                  .name = "Development Owner",
                                                  .password_hash = hash,
                                                  .email_verified_at = now,
                                                  .created_at = now}));
  auto ws = value_or_throw(
      insert_workspace(db, "Personal Workspace", derive_slug(db, "personal"), tenant, user, workspace_id));
  auto key = value_or_throw(
      insert_credential(db, CredentialSpec{.kind = "api_key",
                                           .workspace_id = ws.id,
                                           .name = "slab5d first-start key",
                                           .description = "Created by slab5d on a new database; holds every scope.",
                                           .scopes = slab5::all_scopes(),
                                           .created_by_type = "system",
                                           .created_by_id = "system"}));

  record_system_change(unit, "user.registered", "user", user, {{"id", user}, {"email", email}});
  record_system_change(unit, "workspace.created", "workspace", ws.id, ws.to_json());
  record_system_change(unit, "api_key.created", "api_key", key.credential.id,
                       key.credential.to_json(slab5::now_millis()));
  value_or_throw(meta.insert("bootstrapped", now));
  value_or_throw(unit.commit());

  info.created = true;
  info.api_key = key.token;
  info.owner_email = email;
  info.owner_password = password_in.empty() ? password : "";
  info.workspace_id = ws.id;
  return info;
}

std::optional<ExecKey> issue_exec_key(App& app) {
  Conn& db = app.db();
  auto oldest = value_or_throw(db.workspaces().oldest());
  if (!oldest) return std::nullopt;
  std::string ws = oldest->id, tenant = oldest->tenant_id;
  // A workspace deleted since it was read fails the insert below: no key for nothing.
  RequestMeta call{.route = "slab5d exec"};
  Actor system = system_actor(ws, tenant);
  WriteUnit unit(db, system, call);
  auto now = slab5::now_millis();
  auto key = value_or_throw(insert_credential(
      db, CredentialSpec{.kind = "api_key",
                         .workspace_id = ws,
                         .name = "slab5d exec",
                         .description = "Created by slab5d exec for one command; revoked when it ends.",
                         .scopes = slab5::all_scopes(),
                         .expires_at = slab5::format_rfc3339(now + kExecKeyLifetimeMs),
                         .created_by_type = "system",
                         .created_by_id = "system"}));
  record_system_change(unit, "api_key.created", "api_key", key.credential.id, key.credential.to_json(now));
  value_or_throw(unit.commit());
  return ExecKey{std::move(key.credential), std::move(tenant), std::move(key.token)};
}

void revoke_exec_key(App& app, const ExecKey& key) {
  Conn& db = app.db();
  RequestMeta call{.route = "slab5d exec"};
  Actor system = system_actor(key.credential.workspace_id, key.tenant_id);
  WriteUnit unit(db, system, call);
  auto c = find_credential(db, "api_key", key.credential.workspace_id, key.credential.id);
  if (!c || c->revoked_at) return;  // revoked meanwhile, or its workspace is gone
  auto now = slab5::now_millis();
  slab5::Json before = c->to_json(now);
  c->revoked_at = c->updated_at = slab5::format_rfc3339(now);
  value_or_throw(save_credential(db, *c));
  record_system_change(unit, "api_key.revoked", "api_key", c->id, c->to_json(now), std::move(before));
  value_or_throw(unit.commit());
}

}  // namespace slab5d
