// The main of pg_tests: doctest's runner, once it is known that there is a PostgreSQL server
// to run against (pg_test_db.hpp). A missing server fails the run; only SLAB5_TEST_PG=skip
// (a machine without PostgreSQL) reports the binary skipped (77, SKIP_RETURN_CODE in
// tests/CMakeLists.txt), never a silent pass.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "pg_test_db.hpp"

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  if (const char* opt = std::getenv("SLAB5_TEST_PG"); opt && std::string(opt) == "skip") {
    std::fprintf(stderr, "SKIPPED: SLAB5_TEST_PG=skip: the PostgreSQL tests did not run\n");
    return 77;
  }
  try {
    (void)slab5d::testing::pg_test_url();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pg_tests: %s\n", e.what());
    return 1;
  }
  return context.run();
}
