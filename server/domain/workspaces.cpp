#include "domain/workspaces.hpp"

#include <cctype>

#include "domain/store_result.hpp"
#include "slab5/access.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"
#include "store/member_store.hpp"
#include "store/record_store.hpp"
#include "store/workspace_store.hpp"

namespace slab5d {

slab5::Json Workspace::to_json() const {
  return {{"id", id},
          {"slug", slug},
          {"name", name},
          {"tenant_id", tenant_id},
          {"enabled_modules", enabled_modules},
          {"created_at", created_at},
          {"updated_at", updated_at}};
}

std::optional<Workspace> find_workspace(Conn& db, const std::string& id) {
  return value_or_throw(db.workspaces().get(id));
}

std::optional<Workspace> find_workspace_by_slug(Conn& db, const std::string& slug) {
  return value_or_throw(db.workspaces().get_by_slug(slug));
}

std::optional<std::string> membership_role(Conn& db, const std::string& workspace_id, const std::string& user_id) {
  return value_or_throw(db.members().role(workspace_id, user_id));
}

bool valid_slug(const std::string& slug) {
  if (slug.size() < 3 || slug.size() > 48) return false;
  for (char c : slug)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

std::string derive_slug(Conn& db, const std::string& name) {
  std::string base;
  for (char c : name) {
    unsigned char u = (unsigned char)c;
    if (std::isalnum(u) && u < 128) {
      base.push_back(char(std::tolower(u)));
    } else if (!base.empty() && base.back() != '-') {
      base.push_back('-');
    }
  }
  while (!base.empty() && base.back() == '-') base.pop_back();
  if (base.size() > 40) base.resize(40);
  while (!base.empty() && base.back() == '-') base.pop_back();
  if (base.size() < 3) base = "workspace" + (base.empty() ? "" : "-" + base);
  std::string slug = base;
  for (int n = 2; find_workspace_by_slug(db, slug); ++n) slug = base + "-" + std::to_string(n);
  return slug;
}

slab5::Result<Workspace> insert_workspace(Conn& db, const std::string& name, const std::string& slug,
                                          std::string tenant_id, const std::string& owner_user_id,
                                          const std::string& id) {
  WorkspaceStore& workspaces = (db).workspaces();
  std::string now = slab5::format_rfc3339(slab5::now_millis());
  if (tenant_id.empty()) {
    tenant_id = slab5::new_id("ten");
    if (auto ok = workspaces.insert_tenant(tenant_id, name, now); !ok) return tl::unexpected(ok.error());
  }
  Workspace w;
  w.id = id.empty() ? slab5::new_id("wrk") : id;
  w.slug = slug;
  w.name = name;
  w.tenant_id = tenant_id;
  w.enabled_modules = slab5::default_enabled_modules();
  w.created_at = now;
  w.updated_at = now;
  if (auto ok = workspaces.insert(w); !ok) return tl::unexpected(ok.error());
  if (auto ok = insert_initial_records(db.records(), w.id, w.tenant_id); !ok) return tl::unexpected(ok.error());
  if (!owner_user_id.empty())
    if (auto ok = db.members().insert(w.id, owner_user_id, "owner", now); !ok) return tl::unexpected(ok.error());
  return w;
}

Workspace create_workspace(Conn& db, const std::string& name, const std::string& slug, std::string tenant_id,
                           const std::string& owner_user_id) {
  auto w = insert_workspace(db, name, slug, std::move(tenant_id), owner_user_id);
  return value_or_throw(std::move(w));
}

}  // namespace slab5d
