#include "domain/audit_query.hpp"

#include "store/audit_store.hpp"

namespace slab5d {

slab5::Result<Page<slab5::Json>> list_audit_events(Conn& db, const Actor& actor, const AuditFilters& f,
                                                   const PageRequest& page) {
  auto rows = db.audit().list(actor.workspace_id, f, page.after, page.limit + 1);
  if (!rows) return tl::unexpected(rows.error());
  return make_page(std::move(*rows), page.limit, [](const slab5::Json& e) { return e["id"].get<std::string>(); });
}

slab5::Result<slab5::Json> get_audit_event(Conn& db, const Actor& actor, const std::string& id) {
  auto ev = db.audit().get(actor.workspace_id, id);
  if (!ev) return tl::unexpected(ev.error());
  if (!*ev) return slab5::fail("resource_not_found", "No audit event " + id + " in this workspace.");
  return std::move(**ev);
}

}  // namespace slab5d
