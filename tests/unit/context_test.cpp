// Unit tests for settings slab5 resolves from flags and the environment (cli/context).
#include <doctest/doctest.h>

#include <map>

#include "context.hpp"

using namespace slab5cli;

namespace {
slab5::EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}
}  // namespace

// Found with tests/fuzz/fuzz_cli_args: `--timeout 1e300` (or inf, nan) converted an
// out-of-range double to long, which is undefined behaviour (a negative timeout in practice).
TEST_CASE("the timeout in milliseconds is positive and bounded for any --timeout / SLAB5_TIMEOUT") {
  for (std::string t : {"1e300", "inf", "-inf", "nan", "1e18", "9223372036854775807"}) {
    CAPTURE(t);
    Context flag;
    flag.env = env_of({});
    flag.g.timeout = t;
    CHECK(flag.timeout_ms() > 0);
    Context env;
    env.env = env_of({{"SLAB5_TIMEOUT", t}});
    CHECK(env.timeout_ms() > 0);
  }
  Context plain;
  plain.env = env_of({});
  CHECK(plain.timeout_ms() == 30000);
  plain.g.timeout = "2.5";
  CHECK(plain.timeout_ms() == 2500);
  plain.g.timeout = "0";
  CHECK(plain.timeout_ms() == 30000);
}
