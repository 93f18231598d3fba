#include "domain/workspace_admin.hpp"

#include <algorithm>

#include "domain/audit.hpp"
#include "domain/write.hpp"
#include "slab5/access.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"
#include "store/workspace_store.hpp"

namespace slab5d {

using slab5::fail;
using slab5::validation_error;

slab5::Result<std::string> validate_workspace_name(const std::string& name_in, const char* field) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  std::size_t b = 0, e = name_in.size();
  while (b < e && is_space(name_in[b])) ++b;
  while (e > b && is_space(name_in[e - 1])) --e;
  std::string name = name_in.substr(b, e - b);
  if (name.empty()) return tl::unexpected(validation_error(field, "must not be empty"));
  std::size_t chars = 0;
  for (unsigned char c : name) {
    if ((c & 0xC0) != 0x80) ++chars;  // count code points, not bytes (the body is valid UTF-8)
    if (c < 0x20 || c == 0x7f) return tl::unexpected(validation_error(field, "must not contain control characters"));
  }
  if (chars > 100) return tl::unexpected(validation_error(field, "must be at most 100 characters"));
  return name;
}

namespace {

// Read to be changed (workspace_store.hpp get_for_update).
slab5::Result<Workspace> load(WorkspaceStore& store, const std::string& id) {
  auto ws = store.get_for_update(id);
  if (!ws) return tl::unexpected(ws.error());
  if (!*ws) return fail("workspace_not_found");
  return std::move(**ws);
}

// Records the change and commits; the workspace's own changes carry no event type (api.md §8.3).
slab5::Status commit_change(WriteUnit& unit, std::string action, const std::string& id,
                            std::optional<slab5::Json> before, std::optional<slab5::Json> after, AuditOutcome outcome) {
  unit.record(Change{.action = std::move(action),
                     .target_type = "workspace",
                     .target_id = id,
                     .before = std::move(before),
                     .after = std::move(after),
                     .status = audit_status(outcome),
                     .emit_event = false});
  return unit.commit();
}

}  // namespace

slab5::Result<Workspace> current_workspace(Conn& db, const Actor& actor) {
  WorkspaceStore& store = (db).workspaces();
  return load(store, actor.workspace_id);
}

slab5::Result<Page<WorkspaceMembership>> list_user_workspaces(Conn& db, const Actor& actor, const PageRequest& page) {
  auto rows = db.workspaces().list_for_user(actor.user_id, page.after, page.limit + 1);
  if (!rows) return tl::unexpected(rows.error());
  return make_page(std::move(*rows), page.limit, [](const WorkspaceMembership& m) { return m.workspace.id; });
}

slab5::Result<Workspace> create_user_workspace(Conn& db, const Actor& actor, const RequestMeta& meta,
                                               const NewWorkspace& in) {
  auto name = validate_workspace_name(in.name);
  if (!name) return tl::unexpected(name.error());
  if (in.slug && !valid_slug(*in.slug))
    return tl::unexpected(validation_error("slug", "must be 3-48 characters of a-z, 0-9 and '-'"));
  WorkspaceStore& store = (db).workspaces();
  // A user's tenant never changes; a user deleted meanwhile fails the owner membership below.
  auto tenant_id = store.tenant_of_user(actor.user_id);
  if (!tenant_id) return tl::unexpected(tenant_id.error());
  if (!*tenant_id) return fail("unauthorized", "The signed-in user no longer exists.");
  // The unit acts in the workspace it makes: the audit row belongs there. Creating it is not
  // a call metered in it (the caller had no workspace yet), so no credential is metered.
  Actor in_new = actor;
  in_new.workspace_id = slab5::new_id("wrk");
  in_new.tenant_id = **tenant_id;
  in_new.credential_id.clear();
  WriteUnit unit(db, in_new, meta);
  // The write lock is held (BEGIN IMMEDIATE), so check-then-insert cannot race.
  if (in.slug) {
    auto taken = store.get_by_slug(*in.slug);
    if (!taken) return tl::unexpected(taken.error());
    if (*taken) return fail("conflict", "The slug '" + *in.slug + "' is already taken.", {{"field", "slug"}});
  }
  std::string chosen = in.slug ? *in.slug : derive_slug(db, *name);
  auto ws = insert_workspace(db, *name, chosen, in_new.tenant_id, actor.user_id, in_new.workspace_id);
  if (!ws) return tl::unexpected(ws.error());
  if (auto ok = commit_change(unit, "workspace.created", ws->id, std::nullopt, ws->to_json(), AuditOutcome::Created);
      !ok)
    return tl::unexpected(ok.error());
  return std::move(*ws);
}

slab5::Result<Workspace> rename_workspace(Conn& db, const Actor& actor, const RequestMeta& meta,
                                          const std::string& name_in) {
  auto name = validate_workspace_name(name_in);
  if (!name) return tl::unexpected(name.error());
  WorkspaceStore& store = (db).workspaces();
  WriteUnit unit(db, actor, meta);
  auto ws = load(store, actor.workspace_id);
  if (!ws) return ws;
  if (ws->name == *name) return ws;  // nothing changes, nothing to audit
  Workspace before = *ws;
  ws->name = *name;
  ws->updated_at = slab5::format_rfc3339(slab5::now_millis());
  if (auto ok = store.update(*ws); !ok) return tl::unexpected(ok.error());
  if (auto ok =
          commit_change(unit, "workspace.updated", ws->id, before.to_json(), ws->to_json(), AuditOutcome::Updated);
      !ok)
    return tl::unexpected(ok.error());
  return ws;
}

slab5::Result<Workspace> set_module_enabled(Conn& db, const Actor& actor, const RequestMeta& meta,
                                            const std::string& module, bool enabled) {
  if (!slab5::find_module(module)) return fail("resource_not_found", "There is no module '" + module + "'.");
  WorkspaceStore& store = (db).workspaces();
  WriteUnit unit(db, actor, meta);
  auto ws = load(store, actor.workspace_id);
  if (!ws) return ws;
  auto& mods = ws->enabled_modules;
  bool is_on = std::find(mods.begin(), mods.end(), module) != mods.end();
  if (is_on == enabled) return ws;  // PUT/DELETE are idempotent; a no-op writes no event
  Workspace before = *ws;
  if (enabled) {
    // Keep the table's order so the list reads the same everywhere.
    std::vector<std::string> ordered;
    for (const auto& m : slab5::module_table()) {
      std::string id(m.id);
      if (id == module || std::find(mods.begin(), mods.end(), id) != mods.end()) ordered.push_back(id);
    }
    mods = std::move(ordered);
  } else {
    mods.erase(std::remove(mods.begin(), mods.end(), module), mods.end());
  }
  ws->updated_at = slab5::format_rfc3339(slab5::now_millis());
  if (auto ok = store.update(*ws); !ok) return tl::unexpected(ok.error());
  if (auto ok = commit_change(unit, enabled ? "workspace.module_enabled" : "workspace.module_disabled", ws->id,
                              before.to_json(), ws->to_json(), AuditOutcome::Updated);
      !ok)
    return tl::unexpected(ok.error());
  return ws;
}

slab5::Status delete_workspace(Conn& db, const Actor& actor, const RequestMeta& meta, const std::string& confirm) {
  WorkspaceStore& store = (db).workspaces();
  WriteUnit unit(db, actor, meta);
  auto ws = load(store, actor.workspace_id);
  if (!ws) return tl::unexpected(ws.error());
  if (confirm != ws->slug)
    return tl::unexpected(validation_error("confirm", "must equal the workspace slug ('" + ws->slug + "')"));
  if (auto ok = store.remove(ws->id); !ok) return ok;
  return commit_change(unit, "workspace.deleted", ws->id, ws->to_json(), std::nullopt, AuditOutcome::Deleted);
}

}  // namespace slab5d
