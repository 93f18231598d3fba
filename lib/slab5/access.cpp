#include "slab5/access.hpp"

#include <array>

namespace slab5 {
namespace {
constexpr std::array kModules{
    ModuleInfo{"activity_log", "activity", true},
    ModuleInfo{"analytics_governance", "analytics", true},
    ModuleInfo{"assets", "assets", true},
    ModuleInfo{"cms", "cms", true},
    ModuleInfo{"crm", "crm", true},
    ModuleInfo{"integrations", "integrations", true},
    ModuleInfo{"support", "support", true},
    ModuleInfo{"tasks", "tasks", true},
    ModuleInfo{"bi", "bi", false},
};
constexpr std::array kScopes{
    ScopeInfo{"crm:read", "crm", false},
    ScopeInfo{"crm:write", "crm", true},
    ScopeInfo{"support:read", "support", false},
    ScopeInfo{"support:write", "support", true},
    ScopeInfo{"tasks:read", "tasks", false},
    ScopeInfo{"tasks:write", "tasks", true},
    ScopeInfo{"activity:read", "activity_log", false},
    ScopeInfo{"activity:write", "activity_log", true},
    ScopeInfo{"cms:read", "cms", false},
    ScopeInfo{"cms:write", "cms", true},
    ScopeInfo{"assets:read", "assets", false},
    ScopeInfo{"assets:write", "assets", true},
    ScopeInfo{"integrations:read", "integrations", false},
    ScopeInfo{"integrations:write", "integrations", true},
    ScopeInfo{"analytics:read", "analytics_governance", false},
    ScopeInfo{"analytics:write", "analytics_governance", true},
    ScopeInfo{"bi:read", "bi", false},
    ScopeInfo{"bi:write", "bi", true},
    ScopeInfo{"audit:read", "", false},
    ScopeInfo{"usage:read", "", false},
    ScopeInfo{"settings:admin", "", true},
};
constexpr std::array kRoles{
    RoleInfo{"owner", 50, "all", "every scope; may delete the workspace and make or demote owners"},
    RoleInfo{"admin", 40, "all", "every scope; manages credentials, members (not owners), modules"},
    RoleInfo{"member", 30, "module_rw", "all module read and write scopes"},
    RoleInfo{"agent", 20, "module_rw", "all module read and write scopes"},
    RoleInfo{"readonly", 10, "module_read", "all module read scopes"},
};
}  // namespace

std::span<const ModuleInfo> module_table() { return kModules; }
std::span<const ScopeInfo> scope_table() { return kScopes; }
std::span<const RoleInfo> role_table() { return kRoles; }

const ModuleInfo* find_module(std::string_view id) {
  for (const auto& m : kModules)
    if (m.id == id) return &m;
  return nullptr;
}
const ScopeInfo* find_scope(std::string_view scope) {
  for (const auto& s : kScopes)
    if (s.scope == scope) return &s;
  return nullptr;
}
const RoleInfo* find_role(std::string_view role) {
  for (const auto& r : kRoles)
    if (r.role == role) return &r;
  return nullptr;
}

std::vector<std::string> default_enabled_modules() {
  std::vector<std::string> out;
  for (const auto& m : kModules)
    if (m.enabled_by_default) out.emplace_back(m.id);
  return out;
}

std::vector<std::string> all_scopes() {
  std::vector<std::string> out;
  for (const auto& s : kScopes) out.emplace_back(s.scope);
  return out;
}

std::vector<std::string> scopes_for_role(std::string_view role) {
  const RoleInfo* r = find_role(role);
  std::vector<std::string> out;
  if (!r) return out;
  for (const auto& s : kScopes) {
    bool module_scope = !s.module.empty();
    if (r->grants == "all" || (module_scope && r->grants == "module_rw") ||
        (module_scope && r->grants == "module_read" && !s.write))
      out.emplace_back(s.scope);
  }
  return out;
}

int role_rank(std::string_view role) {
  const RoleInfo* r = find_role(role);
  return r ? r->rank : 0;
}

}  // namespace slab5
