// server/domain/identity_login: the throttling schedule.
#include "domain/identity_login.hpp"

#include <doctest/doctest.h>

using slab5d::throttle_delay_ms;

TEST_CASE("sign-in throttling starts at the fifth failure, doubles, and is capped") {
  CHECK(throttle_delay_ms(0) == 0);
  CHECK(throttle_delay_ms(4) == 0);
  CHECK(throttle_delay_ms(5) == 30000);
  CHECK(throttle_delay_ms(6) == 60000);
  CHECK(throttle_delay_ms(7) == 120000);
  CHECK(throttle_delay_ms(9) == 480000);
  CHECK(throttle_delay_ms(10) == 15 * 60 * 1000);
  CHECK(throttle_delay_ms(1000) == 15 * 60 * 1000);
}
