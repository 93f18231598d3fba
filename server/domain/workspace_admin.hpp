// Workspace administration (api.md §3): create, rename, enable or disable modules, delete.
// Each change runs in one transaction with its audit event; ids and slugs never change.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "domain/workspaces.hpp"
#include "slab5/error.hpp"

namespace slab5d {

struct Ctx;

// A workspace name: 1-100 characters after trimming, no control characters.
slab5::Result<std::string> validate_workspace_name(const std::string& name, const char* field = "name");

struct WorkspaceMembership {
  Workspace workspace;
  std::string role;
};
// The user's workspaces, newest first, after the workspace id `after` (when set); at most `limit`.
std::vector<WorkspaceMembership> list_user_workspaces(Db& db, const std::string& user_id,
                                                      const std::optional<std::string>& after, int limit);

// Creates a workspace in the caller's tenant with the caller as owner. `slug` is checked
// against [a-z0-9-]{3,48} (422) and uniqueness (409 conflict); derived from the name when absent.
slab5::Result<Workspace> create_user_workspace(Ctx& ctx, const std::string& name,
                                               const std::optional<std::string>& slug);
// Renames the caller's workspace.
slab5::Result<Workspace> rename_workspace(Ctx& ctx, const std::string& name);
// Enables or disables a module; unknown modules are resource_not_found. A no-op writes nothing.
slab5::Result<Workspace> set_module_enabled(Ctx& ctx, const std::string& module, bool enabled);
// Deletes the caller's workspace with its memberships, invitations, credentials and usage
// events once `confirm` equals its slug. Audit events stay.
slab5::Status delete_workspace(Ctx& ctx, const std::string& confirm);

}  // namespace slab5d
