// First start (server.md §1): on a new database, create the development owner, their
// personal tenant and workspace, and an API key holding every scope.
#include "bootstrap.hpp"

#include "domain/audit.hpp"
#include "domain/credentials.hpp"
#include "domain/passwords.hpp"
#include "domain/workspaces.hpp"
#include "slab5/access.hpp"
#include "slab5/crypto.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"

namespace slab5d {

namespace {
// An audit event of slab5d's own (actor system, source admin) on `route`.
struct SystemEvent {
  Db& db;
  std::string route, workspace_id, tenant_id;

  void operator()(std::string action, std::string target_type, std::string target_id, slab5::Json after,
                  std::optional<slab5::Json> before = std::nullopt) const {
    AuditEvent ev;
    ev.workspace_id = workspace_id;
    ev.tenant_id = tenant_id;
    ev.action = std::move(action);
    ev.source = "admin";
    ev.route = route;
    ev.target_type = std::move(target_type);
    ev.target_id = std::move(target_id);
    ev.before = std::move(before);
    ev.after = std::move(after);
    record_audit(db, std::move(ev));
  }
};
}  // namespace

App::StartInfo bootstrap_if_new(App& app, const std::string& email_in, const std::string& password_in) {
  App::StartInfo info;
  Db& db = app.db();
  // Hash outside the write transaction: it is the slow part.
  std::string password = password_in.empty() ? slab5::random_base62(20) : password_in;
  std::string email = email_in.empty() ? "dev@slab5.local" : email_in;
  std::string hash = hash_password(password, password_cost(app.config().password_cost));

  Tx tx(db);
  {
    auto q = db.query("SELECT value FROM meta WHERE key = 'bootstrapped'");
    if (q.next()) return info;
  }
  std::string now = slab5::format_rfc3339(slab5::now_millis());
  std::string tenant = slab5::new_id("ten");
  db.query("INSERT INTO tenants (id, name, created_at) VALUES (?,?,?)", tenant, "Personal", now).run();
  std::string user = slab5::new_id("usr");
  db.query("INSERT INTO users (id, tenant_id, email, name, password_hash, email_verified_at, created_at, updated_at) "
           "VALUES (?,?,?,?,?,?,?,?)",
           user, tenant, email, "Development Owner", hash, now, now, now)
      .run();
  auto ws = create_workspace(db, "Personal Workspace", derive_slug(db, "personal"), tenant, user);
  auto key = insert_credential(db, "api_key", ws.id, "slab5d first-start key",
                               "Created by slab5d on a new database; holds every scope.", slab5::all_scopes(),
                               std::nullopt, "system", "system");

  SystemEvent system_event{db, "slab5d init", ws.id, tenant};
  system_event("user.registered", "user", user, {{"id", user}, {"email", email}});
  system_event("workspace.created", "workspace", ws.id, ws.to_json());
  system_event("api_key.created", "api_key", key.credential.id, key.credential.to_json(slab5::now_millis()));
  db.query("INSERT INTO meta (key, value) VALUES ('bootstrapped', ?)", now).run();
  tx.commit();

  info.created = true;
  info.api_key = key.token;
  info.owner_email = email;
  info.owner_password = password_in.empty() ? password : "";
  info.workspace_id = ws.id;
  return info;
}


std::optional<ExecKey> issue_exec_key(App& app) {
  Db& db = app.db();
  Tx tx(db);
  std::string ws, tenant;
  {
    auto q = db.query("SELECT id, tenant_id FROM workspaces ORDER BY created_at, id LIMIT 1");
    if (!q.next()) return std::nullopt;
    ws = q.text(0);
    tenant = q.text(1);
  }
  auto now = slab5::now_millis();
  auto key = insert_credential(db, "api_key", ws, "slab5d exec",
                               "Created by slab5d exec for one command; revoked when it ends.", slab5::all_scopes(),
                               slab5::format_rfc3339(now + kExecKeyLifetimeMs), "system", "system");
  SystemEvent{db, "slab5d exec", ws, tenant}("api_key.created", "api_key", key.credential.id,
                                             key.credential.to_json(now));
  tx.commit();
  return ExecKey{std::move(key.credential), std::move(tenant), std::move(key.token)};
}

void revoke_exec_key(App& app, const ExecKey& key) {
  Db& db = app.db();
  Tx tx(db);
  auto c = find_credential(db, "api_key", key.credential.workspace_id, key.credential.id);
  if (!c || c->revoked_at) return;  // revoked meanwhile, or its workspace is gone
  auto now = slab5::now_millis();
  slab5::Json before = c->to_json(now);
  c->revoked_at = c->updated_at = slab5::format_rfc3339(now);
  save_credential(db, *c);
  SystemEvent{db, "slab5d exec", c->workspace_id, key.tenant_id}("api_key.revoked", "api_key", c->id, c->to_json(now),
                                                                 std::move(before));
  tx.commit();
}

}  // namespace slab5d
