// Workspaces and tenants: the records and the reads every route needs.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "slab5/json_util.hpp"
#include "store/db.hpp"

namespace slab5d {

struct Workspace {
  std::string id;
  std::string slug;
  std::string name;
  std::string tenant_id;
  std::vector<std::string> enabled_modules;
  std::string created_at;
  std::string updated_at;

  slab5::Json to_json() const;
};

std::optional<Workspace> find_workspace(Db& db, const std::string& id);
std::optional<Workspace> find_workspace_by_slug(Db& db, const std::string& slug);
// The user's role in the workspace, if a member.
std::optional<std::string> membership_role(Db& db, const std::string& workspace_id, const std::string& user_id);

// Creates a tenant (when tenant_id is empty), the workspace with the default modules and
// the owner membership. Caller holds the transaction. Returns the workspace.
Workspace create_workspace(Db& db, const std::string& name, const std::string& slug, std::string tenant_id,
                           const std::string& owner_user_id);
// "Acme Corp!" → "acme-corp", unique in the database (suffix -2, -3, … when taken).
std::string derive_slug(Db& db, const std::string& name);
bool valid_slug(const std::string& slug);

}  // namespace slab5d
