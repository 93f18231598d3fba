// First start and `slab5d exec` (server.md §1): the credentials slab5d makes for itself.
#pragma once
#include <optional>
#include <string>

#include "app.hpp"
#include "domain/credentials.hpp"

namespace slab5d {

// On a new database: the development owner, their tenant and workspace, and an API key
// holding every scope (shown once, in the returned StartInfo). Nothing on a later start.
App::StartInfo bootstrap_if_new(App& app, const std::string& email, const std::string& password);

// `slab5d exec` on a database that was not new, whose first key exists only as a hash: an API
// key holding every scope in the oldest workspace, for the one command. It expires after
// kExecKeyLifetimeMs in case slab5d cannot revoke it (killed), and revoke_exec_key() revokes it
// when the command ends. Both are audited (actor system, route "slab5d exec").
constexpr std::int64_t kExecKeyLifetimeMs = 24LL * 3600 * 1000;
struct ExecKey {
  Credential credential;
  std::string tenant_id;
  std::string token;  // handed to the command only
};
std::optional<ExecKey> issue_exec_key(App& app);  // nullopt when the database has no workspace
void revoke_exec_key(App& app, const ExecKey& key);

}  // namespace slab5d
