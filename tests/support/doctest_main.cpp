// The main of every integration test binary: doctest's runner, then the exit code CTest reads.
// A test case that cannot run here (a shell or tool is missing) calls testing::skip(); when
// every case that ran passed and one or more skipped, the binary exits 77, which CTest shows
// as "Skipped" (SKIP_RETURN_CODE in tests/CMakeLists.txt), never as a silent pass.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "harness.hpp"

int main(int argc, char** argv) {
  // The PostgreSQL run of the suite on a machine told it has no PostgreSQL (docs/postgres.md).
  if (const char* pg = std::getenv("SLAB5_TEST_PG"); testing::on_postgres() && pg && std::string(pg) == "skip") {
    std::fprintf(stderr, "SKIPPED: SLAB5_TEST_PG=skip: no PostgreSQL server to run this suite against\n");
    return 77;
  }
  doctest::Context context(argc, argv);
  int failed = context.run();
  if (context.shouldExit() || failed != 0) return failed;
  const auto& skipped = testing::skipped_cases();
  if (skipped.empty()) return 0;
  for (const auto& why : skipped) std::fprintf(stderr, "SKIPPED: %s\n", why.c_str());
  return 77;
}
