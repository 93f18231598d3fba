// Reading the audit log (api.md §6): filtered, newest-first pages and single events.
#pragma once
#include <optional>
#include <string>

#include "domain/actor.hpp"
#include "domain/page.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "store/audit_store.hpp"
#include "store/conn.hpp"

namespace slab5d {

// The actor's workspace's events matching the filters (api.md §6 objects), newest first; the
// position is the event id.
slab5::Result<Page<slab5::Json>> list_audit_events(Conn& db, const Actor& actor, const AuditFilters& f,
                                                   const PageRequest& page);
// One event of the actor's workspace, or resource_not_found.
slab5::Result<slab5::Json> get_audit_event(Conn& db, const Actor& actor, const std::string& id);

}  // namespace slab5d
