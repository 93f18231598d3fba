// Reading usage events (api.md §7): grouped summaries and the raw, newest-first listing.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "slab5/json_util.hpp"
#include "store/db.hpp"

namespace slab5d {

enum class UsageGroup { Day, Route, Credential, Kind };
std::optional<UsageGroup> parse_usage_group(std::string_view s);  // day | route | credential | kind

struct UsageRange {
  std::optional<std::string> since;  // RFC 3339, inclusive
  std::optional<std::string> until;  // RFC 3339, exclusive
};

struct UsageRow {
  std::string key;
  std::int64_t requests = 0;
  std::int64_t units = 0;
  std::int64_t errors = 0;  // responses with status >= 400

  slab5::Json to_json() const;
};

// Days in ascending order; other groupings by requests, most first.
std::vector<UsageRow> summarize_usage(Db& db, const std::string& workspace_id, const UsageRange& range,
                                      UsageGroup group);

struct UsageFilters {
  UsageRange range;
  std::optional<std::string> kind;
  std::optional<std::string> credential_id;
};
// Raw events (api.md §7 object), newest first, with ids below `after`; at most `limit`.
std::vector<slab5::Json> list_usage_events(Db& db, const std::string& workspace_id, const UsageFilters& f,
                                           const std::optional<std::string>& after, int limit);

}  // namespace slab5d
