// Unit tests for lib/slab5: times and durations.
#include <doctest/doctest.h>

#include <cstdlib>

#include "slab5/time.hpp"

using namespace slab5;

TEST_CASE("RFC 3339 times format with milliseconds in UTC and parse back") {
  CHECK(format_rfc3339(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339(1795390973123) == "2026-11-22T23:42:53.123Z");
  CHECK(parse_rfc3339("2026-11-22T23:42:53.123Z") == 1795390973123);
  CHECK(parse_rfc3339("2026-11-22T23:42:53Z") == 1795390973000);
  CHECK(parse_rfc3339("2026-11-23T00:42:53.123+01:00") == 1795390973123);
  CHECK_FALSE(parse_rfc3339("2026-11-22 23:42:53Z").has_value());
  CHECK_FALSE(parse_rfc3339("2026-13-22T23:42:53Z").has_value());
  CHECK_FALSE(parse_rfc3339("yesterday").has_value());
}

TEST_CASE("durations: 15m, 1h, 7d, bare seconds; garbage refused") {
  CHECK(parse_duration("15m") == 15 * 60000);
  CHECK(parse_duration("1h") == 3600000);
  CHECK(parse_duration("7d") == 7 * 86400000LL);
  CHECK(parse_duration("90") == 90000);
  CHECK_FALSE(parse_duration("").has_value());
  CHECK_FALSE(parse_duration("-5m").has_value());
  CHECK_FALSE(parse_duration("5 minutes").has_value());
  CHECK(parse_time_or_ago("1h", 10 * 3600000) == 9 * 3600000);
  CHECK(relative_time(0, 3 * 60000) == "3 minutes ago");
  CHECK(relative_time(2 * 86400000, 0) == "in 2 days");
}

TEST_CASE("a duration too long to count in milliseconds is refused, not wrapped around") {
  CHECK(parse_duration("1000w") == 1000 * 7 * 86400000LL);
  CHECK_FALSE(parse_duration("1099511627776w").has_value());
  CHECK_FALSE(parse_duration("99999999999999d").has_value());
  auto longest = parse_duration("1099511627h");
  if (longest) CHECK(*longest > 0);
}

TEST_CASE("the server clock moves by advance and set, stops when frozen and returns to real time on reset") {
  clock_reset();
  auto gen = clock_generation();
  clock_advance(90 * 60000);
  CHECK(clock_generation() > gen);
  auto st = clock_state();
  CHECK(st.offset_ms >= 90 * 60000 - 50);
  CHECK(st.offset_ms <= 90 * 60000 + 50);
  CHECK(now_millis() - real_now_millis() >= 90 * 60000 - 50);

  const Millis at = *parse_rfc3339("2030-01-01T00:00:00Z");
  clock_set(at);
  CHECK(now_millis() >= at);
  CHECK(now_millis() < at + 5000);

  clock_freeze(true);
  auto frozen = now_millis();
  CHECK(clock_state().frozen);
  clock_advance(3600000);
  CHECK(now_millis() == frozen + 3600000);
  clock_set(at);
  CHECK(now_millis() == at);
  clock_freeze(false);  // runs on from the frozen reading
  CHECK(now_millis() >= at);
  CHECK(now_millis() < at + 5000);
  CHECK_FALSE(clock_state().frozen);

  clock_freeze(true);
  clock_reset();
  CHECK_FALSE(clock_state().frozen);
  CHECK(std::abs(now_millis() - real_now_millis()) < 50);
}
