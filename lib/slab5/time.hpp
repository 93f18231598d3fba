// Time: RFC 3339 with milliseconds in UTC, relative durations ("15m", "7d").
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace slab5 {

using Millis = std::int64_t;  // milliseconds since the Unix epoch

// The server clock: real time, moved by the test-suite controls of api.md §9.1 (an offset, or
// frozen at one instant). Every rule that reads time calls now_millis(); what must keep real
// time (log timestamps, I/O deadlines) calls real_now_millis(). In the CLI the clock is never
// moved, so the two agree.
Millis now_millis();
Millis real_now_millis();

struct ClockState {
  Millis now = 0;        // what now_millis() returns at the moment of reading
  Millis offset_ms = 0;  // now - real time
  bool frozen = false;
};
ClockState clock_state();
void clock_advance(Millis by);   // moves the clock forward (or back, with a negative value)
void clock_set(Millis at);       // the clock reads `at` now and runs on from there (unless frozen)
void clock_freeze(bool frozen);  // stops the clock at its current reading, or lets it run again
void clock_reset();              // back to real time, running
// Increases on every change above, so a worker sleeping until a clock time can notice the jump.
std::uint64_t clock_generation();
std::string format_rfc3339(Millis ms);                                     // 2026-11-22T23:42:53.123Z
inline std::string now_rfc3339() { return format_rfc3339(now_millis()); }  // the server clock's now
std::optional<Millis> parse_rfc3339(std::string_view s);
// "90s", "15m", "1h", "7d", "2w" → milliseconds; also a bare number of seconds.
std::optional<Millis> parse_duration(std::string_view s);
// A time filter value: an RFC 3339 time, or a duration meaning "that long ago".
std::optional<Millis> parse_time_or_ago(std::string_view s, Millis now);
// "3 minutes ago", "in 2 days"
std::string relative_time(Millis t, Millis now);

}  // namespace slab5
