// First start (server.md §1): on a new database, create the development owner, their
// personal tenant and workspace, and an API key holding every scope.
#include "app.hpp"
#include "domain/audit.hpp"
#include "domain/credentials.hpp"
#include "domain/passwords.hpp"
#include "domain/workspaces.hpp"
#include "slab5/access.hpp"
#include "slab5/crypto.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"

namespace slab5d {

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

  auto system_event = [&](std::string action, std::string ttype, std::string tid, slab5::Json after) {
    AuditEvent ev;
    ev.workspace_id = ws.id;
    ev.tenant_id = tenant;
    ev.action = std::move(action);
    ev.source = "admin";
    ev.route = "slab5d init";
    ev.target_type = std::move(ttype);
    ev.target_id = std::move(tid);
    ev.after = std::move(after);
    record_audit(db, std::move(ev));
  };
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

}  // namespace slab5d
