// Unit tests for lib/slab5: times and durations.
#include <doctest/doctest.h>

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
