#include "domain/workspaces.hpp"

#include "store/sqlite/record_store.hpp"

#include <cctype>

#include "slab5/access.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"

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

namespace {
constexpr const char* kWorkspaceColumns = "id, slug, name, tenant_id, enabled_modules, created_at, updated_at";

Workspace read_workspace(const Query& q) {
  Workspace w;
  w.id = q.text(0);
  w.slug = q.text(1);
  w.name = q.text(2);
  w.tenant_id = q.text(3);
  auto mods = slab5::Json::parse(q.text(4), nullptr, false);
  if (mods.is_array())
    for (auto& m : mods) w.enabled_modules.push_back(m.get<std::string>());
  w.created_at = q.text(5);
  w.updated_at = q.text(6);
  return w;
}
}  // namespace

std::optional<Workspace> find_workspace(Db& db, const std::string& id) {
  auto q = db.query(std::string("SELECT ") + kWorkspaceColumns + " FROM workspaces WHERE id = ?", id);
  if (!q.next()) return std::nullopt;
  return read_workspace(q);
}

std::optional<Workspace> find_workspace_by_slug(Db& db, const std::string& slug) {
  auto q = db.query(std::string("SELECT ") + kWorkspaceColumns + " FROM workspaces WHERE slug = ?", slug);
  if (!q.next()) return std::nullopt;
  return read_workspace(q);
}

std::optional<std::string> membership_role(Db& db, const std::string& workspace_id, const std::string& user_id) {
  auto q = db.query("SELECT role FROM memberships WHERE workspace_id = ? AND user_id = ?", workspace_id, user_id);
  if (!q.next()) return std::nullopt;
  return q.text(0);
}

bool valid_slug(const std::string& slug) {
  if (slug.size() < 3 || slug.size() > 48) return false;
  for (char c : slug)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

std::string derive_slug(Db& db, const std::string& name) {
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

Workspace create_workspace(Db& db, const std::string& name, const std::string& slug, std::string tenant_id,
                           const std::string& owner_user_id) {
  std::string now = slab5::format_rfc3339(slab5::now_millis());
  if (tenant_id.empty()) {
    tenant_id = slab5::new_id("ten");
    db.query("INSERT INTO tenants (id, name, created_at) VALUES (?,?,?)", tenant_id, name, now).run();
  }
  Workspace w;
  w.id = slab5::new_id("wrk");
  w.slug = slug;
  w.name = name;
  w.tenant_id = tenant_id;
  w.enabled_modules = slab5::default_enabled_modules();
  w.created_at = now;
  w.updated_at = now;
  int rc = db.query("INSERT INTO workspaces (id, tenant_id, slug, name, enabled_modules, created_at, updated_at) "
                    "VALUES (?,?,?,?,?,?,?)",
                    w.id, w.tenant_id, w.slug, w.name, slab5::Json(w.enabled_modules).dump(), now, now)
               .run();
  if (rc != 101 /* SQLITE_DONE */) throw DbError(rc, "workspace slug already taken");
  insert_initial_records(db, w.id, w.tenant_id);
  if (!owner_user_id.empty())
    db.query("INSERT INTO memberships (workspace_id, user_id, role, joined_at) VALUES (?,?,?,?)", w.id,
             owner_user_id, "owner", now)
        .run();
  return w;
}

}  // namespace slab5d
