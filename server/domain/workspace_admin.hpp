// Workspace administration (api.md §3): create, rename, enable or disable modules, delete.
// Each change is one WriteUnit (change + audit row + usage event); ids and slugs never change.
// The rules take the caller's Actor and RequestMeta, never a request.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "domain/actor.hpp"
#include "domain/page.hpp"
#include "domain/workspaces.hpp"
#include "slab5/error.hpp"

namespace slab5d {

// A workspace name: 1-100 characters after trimming, no control characters.
slab5::Result<std::string> validate_workspace_name(const std::string& name, const char* field = "name");

struct NewWorkspace {
  std::string name;
  std::optional<std::string> slug;  // derived from the name when absent
};

// The actor's workspace.
slab5::Result<Workspace> current_workspace(Conn& db, const Actor& actor);
// The signed-in user's workspaces with their role, newest first; the position is the workspace id.
slab5::Result<Page<WorkspaceMembership>> list_user_workspaces(Conn& db, const Actor& actor, const PageRequest& page);

// Creates a workspace in the user's tenant with the user as owner. `slug` is checked
// against [a-z0-9-]{3,48} (validation_failed) and uniqueness (conflict).
slab5::Result<Workspace> create_user_workspace(Conn& db, const Actor& actor, const RequestMeta& meta,
                                               const NewWorkspace& in);
// Renames the actor's workspace.
slab5::Result<Workspace> rename_workspace(Conn& db, const Actor& actor, const RequestMeta& meta,
                                          const std::string& name);
// Enables or disables a module; unknown modules are resource_not_found. A no-op writes nothing.
slab5::Result<Workspace> set_module_enabled(Conn& db, const Actor& actor, const RequestMeta& meta,
                                            const std::string& module, bool enabled);
// Deletes the actor's workspace with its memberships, invitations, credentials and usage
// events once `confirm` equals its slug. Audit events stay.
slab5::Status delete_workspace(Conn& db, const Actor& actor, const RequestMeta& meta, const std::string& confirm);

}  // namespace slab5d
