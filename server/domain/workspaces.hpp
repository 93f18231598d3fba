// Workspaces and tenants: the records and the reads every route needs, through the
// WorkspaceStore and MemberStore.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "store/conn.hpp"
#include "store/workspace_store.hpp"

namespace slab5d {

std::optional<Workspace> find_workspace(Conn& db, const std::string& id);
std::optional<Workspace> find_workspace_by_slug(Conn& db, const std::string& slug);
// The user's role in the workspace, if a member.
std::optional<std::string> membership_role(Conn& db, const std::string& workspace_id, const std::string& user_id);

// Writes a tenant (when tenant_id is empty), the workspace with the default modules and its
// initial records, and the owner membership (when owner_user_id is set), in the caller's
// transaction. A taken slug or a tenant or owner that is gone is an error, nothing of it kept
// by a caller that does not commit.
// `id` is made here when empty.
slab5::Result<Workspace> insert_workspace(Conn& db, const std::string& name, const std::string& slug,
                                          std::string tenant_id, const std::string& owner_user_id,
                                          const std::string& id = {});
// insert_workspace for callers that treat a failure as unexpected: throws StoreError.
Workspace create_workspace(Conn& db, const std::string& name, const std::string& slug, std::string tenant_id,
                           const std::string& owner_user_id);
// "Acme Corp!" → "acme-corp", unique in the database (suffix -2, -3, … when taken).
std::string derive_slug(Conn& db, const std::string& name);
bool valid_slug(const std::string& slug);

}  // namespace slab5d
