// server/domain/oauth: Cache-Control handling of provider JWKS.
#include "domain/oauth.hpp"

#include <doctest/doctest.h>

using slab5d::cache_max_age;

TEST_CASE("a JWKS is cached for max-age seconds, and not at all without one") {
  CHECK(cache_max_age("public, max-age=19305, must-revalidate, no-transform") == 19305);
  CHECK(cache_max_age("Max-Age=60") == 60);
  CHECK(cache_max_age("s-maxage=100") == 0);
  CHECK(cache_max_age("") == 0);
  CHECK(cache_max_age("no-store, max-age=600") == 0);
  CHECK(cache_max_age("no-cache") == 0);
  CHECK(cache_max_age("max-age=99999999999") == 7 * 86400);
}
