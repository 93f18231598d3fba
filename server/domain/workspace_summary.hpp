// What an assistant wants to know about a workspace at a glance (api.md §8.5's
// get_workspace_assistant_summary): record counts per enabled module, open tasks, open
// tickets and today's usage, each shown only as far as the actor's scopes let it read.
#pragma once
#include "domain/actor.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "store/conn.hpp"

namespace slab5d {

// {"workspace_id", "modules": {"<module>": {"<resource route>": count}}, "open_tasks",
//  "open_tickets", "usage_today": {"requests", "errors"}}; a part the actor may not read
// (no <scope>:read, module disabled, no usage:read) is null, or absent from `modules`.
slab5::Result<slab5::Json> workspace_assistant_summary(Conn& db, const Actor& actor);

}  // namespace slab5d
