// The tables of modules, scopes and roles (api.md §2, §3): which scope belongs to which
// module, what each role grants a session, and the order of role seniority.
#pragma once
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace slab5 {

struct ModuleInfo {
  std::string_view id;            // "crm"
  std::string_view scope_prefix;  // "crm" (scopes are "<prefix>:read|write")
  bool enabled_by_default;
};
struct ScopeInfo {
  std::string_view scope;   // "crm:read"
  std::string_view module;  // "crm", or empty for control-plane scopes
  bool write;
};
struct RoleInfo {
  std::string_view role;
  int rank;                 // higher is more senior
  std::string_view grants;  // "all", "module_rw", "module_read"
  std::string_view summary;
};

std::span<const ModuleInfo> module_table();
std::span<const ScopeInfo> scope_table();
std::span<const RoleInfo> role_table();

const ModuleInfo* find_module(std::string_view id);
const ScopeInfo* find_scope(std::string_view scope);
const RoleInfo* find_role(std::string_view role);

std::vector<std::string> default_enabled_modules();
std::vector<std::string> all_scopes();
// The scopes a session of this role carries.
std::vector<std::string> scopes_for_role(std::string_view role);
int role_rank(std::string_view role);

}  // namespace slab5
