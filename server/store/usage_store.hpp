// Usage events (api.md §7): written in batches by the usage recorder and one at a time by a
// WriteUnit, read back as summaries and raw pages.
#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "slab5/error.hpp"
#include "slab5/json_util.hpp"

namespace slab5d {

// One event; the views need to live only until the call they are passed to returns.
struct UsageEvent {
  std::string_view id;
  std::string_view workspace_id;
  std::string_view credential_type;
  std::string_view credential_id;
  std::string_view route;
  int status = 0;
  int units = 1;
  std::string_view kind = "api_request";
  std::string_view request_id;
  std::string_view created_at;
};

enum class UsageGroup { Day, Route, Credential, Kind };

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

struct UsageFilters {
  UsageRange range;
  std::optional<std::string> kind;
  std::optional<std::string> credential_id;
};

class UsageStore {
 public:
  virtual ~UsageStore() = default;
  // Writes the events in the caller's transaction. An event whose (workspace_id, id) is
  // already stored is skipped, the others are written.
  [[nodiscard]] virtual slab5::Status append(std::span<const UsageEvent> events) = 0;
  // Days in ascending order; other groupings by requests, most first.
  [[nodiscard]] virtual slab5::Result<std::vector<UsageRow>> summarize(const std::string& workspace_id,
                                                                       const UsageRange& range, UsageGroup group) = 0;
  // Raw events (api.md §7 objects), newest first, with ids below `after`; at most `limit`.
  [[nodiscard]] virtual slab5::Result<std::vector<slab5::Json>> list(const std::string& workspace_id,
                                                                     const UsageFilters& f,
                                                                     const std::optional<std::string>& after,
                                                                     int limit) = 0;
};

}  // namespace slab5d
