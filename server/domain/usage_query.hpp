// Reading usage events (api.md §7): grouped summaries and the raw, newest-first listing.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "domain/actor.hpp"
#include "domain/page.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "store/conn.hpp"
#include "store/usage_store.hpp"

namespace slab5d {

std::optional<UsageGroup> parse_usage_group(std::string_view s);  // day | route | credential | kind

// The actor's workspace's usage: days in ascending order; other groupings by requests, most first.
slab5::Result<std::vector<UsageRow>> summarize_usage(Conn& db, const Actor& actor, const UsageRange& range,
                                                     UsageGroup group);
// Raw events (api.md §7 objects), newest first; the position is the event id.
slab5::Result<Page<slab5::Json>> list_usage_events(Conn& db, const Actor& actor, const UsageFilters& f,
                                                   const PageRequest& page);

}  // namespace slab5d
