// The store of workspaces and tenants (api.md §3): one interface, so the workspace rules in
// domain/ never see SQL and a second backend is a sibling implementation. Every call returns
// its outcome; nothing is ignored.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "slab5/error.hpp"
#include "slab5/json_util.hpp"

namespace slab5d {

struct Workspace {
  std::string id;
  std::string slug;
  std::string name;
  std::string tenant_id;
  std::vector<std::string> enabled_modules;
  std::string created_at;
  std::string updated_at;

  slab5::Json to_json() const;  // the api.md §3 object
};

struct WorkspaceMembership {
  Workspace workspace;
  std::string role;
};

class WorkspaceStore {
 public:
  virtual ~WorkspaceStore() = default;
  [[nodiscard]] virtual slab5::Result<std::optional<Workspace>> get(const std::string& id) = 0;
  // The workspace as get() reads it, to be changed by this transaction: where several writers
  // may run at once (PostgreSQL) its row stays locked until the transaction ends, so that two
  // changes at once (a rename, a module enabled) do not overwrite each other.
  [[nodiscard]] virtual slab5::Result<std::optional<Workspace>> get_for_update(const std::string& id) {
    return get(id);
  }
  [[nodiscard]] virtual slab5::Result<std::optional<Workspace>> get_by_slug(const std::string& slug) = 0;
  // The oldest workspace of the database (slab5d exec's key goes there).
  [[nodiscard]] virtual slab5::Result<std::optional<Workspace>> oldest() = 0;
  [[nodiscard]] virtual slab5::Status insert_tenant(const std::string& id, const std::string& name,
                                                    const std::string& created_at) = 0;
  // A taken slug is `conflict`; a tenant that is gone is `conflict` too.
  [[nodiscard]] virtual slab5::Status insert(const Workspace& ws) = 0;
  // Writes name, enabled_modules and updated_at; a workspace that went is workspace_not_found.
  [[nodiscard]] virtual slab5::Status update(const Workspace& ws) = 0;
  // Removes the workspace with everything of it (memberships, invitations, credentials and
  // their idempotency records, usage events, module data); audit events stay.
  [[nodiscard]] virtual slab5::Status remove(const std::string& id) = 0;
  // The tenant of a user, or nullopt when the user no longer exists.
  [[nodiscard]] virtual slab5::Result<std::optional<std::string>> tenant_of_user(const std::string& user_id) = 0;
  // The user's workspaces, newest first, with workspace ids below `after` (when set); at most `limit`.
  [[nodiscard]] virtual slab5::Result<std::vector<WorkspaceMembership>> list_for_user(
      const std::string& user_id, const std::optional<std::string>& after, int limit) = 0;
};

}  // namespace slab5d
