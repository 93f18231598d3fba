// slab5's exit codes (cli.md §4), one table shared by the commands, `help exit-codes`,
// the manual and the tests.
#pragma once
#include <span>
#include <string_view>

namespace slab5cli {

enum Exit : int {
  kOk = 0,
  kFailure = 1,
  kUsage = 2,
  kNotFound = 3,
  kUnauthenticated = 4,
  kForbidden = 5,
  kRateLimited = 6,
  kNetwork = 7,
  kServerError = 8,
  kInterrupted = 130,
};

struct ExitCodeInfo {
  int code;
  std::string_view meaning;
};
std::span<const ExitCodeInfo> exit_code_table();

}  // namespace slab5cli
