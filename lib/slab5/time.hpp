// Time: RFC 3339 with milliseconds in UTC, relative durations ("15m", "7d").
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace slab5 {

using Millis = std::int64_t;  // milliseconds since the Unix epoch

Millis now_millis();
std::string format_rfc3339(Millis ms);  // 2026-11-22T23:42:53.123Z
std::optional<Millis> parse_rfc3339(std::string_view s);
// "90s", "15m", "1h", "7d", "2w" → milliseconds; also a bare number of seconds.
std::optional<Millis> parse_duration(std::string_view s);
// A time filter value: an RFC 3339 time, or a duration meaning "that long ago".
std::optional<Millis> parse_time_or_ago(std::string_view s, Millis now);
// "3 minutes ago", "in 2 days"
std::string relative_time(Millis t, Millis now);

}  // namespace slab5
