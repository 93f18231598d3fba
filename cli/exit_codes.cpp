#include "exit_codes.hpp"

#include <array>

namespace slab5cli {

std::span<const ExitCodeInfo> exit_code_table() {
  static constexpr std::array kTable{
      ExitCodeInfo{kOk, "success"},
      ExitCodeInfo{kFailure, "the API refused the request (a 4xx not listed below) or another failure"},
      ExitCodeInfo{kUsage, "usage error: bad flags or arguments, or a confirmation refused / missing --yes"},
      ExitCodeInfo{kNotFound, "not found (resource_not_found, workspace_not_found)"},
      ExitCodeInfo{kUnauthenticated, "not authenticated (unauthorized, invalid_credentials, no token configured)"},
      ExitCodeInfo{kForbidden,
                   "not permitted (forbidden, missing_required_scope, module_not_enabled, email_not_verified)"},
      ExitCodeInfo{kRateLimited, "rate limited after retries (rate_limited, too_many_attempts)"},
      ExitCodeInfo{kNetwork, "network: cannot connect, TLS failure, timeout"},
      ExitCodeInfo{kServerError, "server error (5xx) after retries"},
      ExitCodeInfo{kInterrupted, "interrupted (Ctrl-C)"},
  };
  return kTable;
}

}  // namespace slab5cli
