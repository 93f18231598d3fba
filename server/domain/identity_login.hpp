// Local sign-in (POST /v1/auth/session, provider "local"): one answer and about one cost
// for an unknown email and a wrong password, per-email throttling with a growing delay and
// no permanent lock-out, and re-hashing when the configured password cost changed.
#pragma once
#include <optional>
#include <string>

#include "slab5/error.hpp"
#include "slab5/json_util.hpp"

namespace slab5d {

struct Ctx;
struct IdentityService;

inline constexpr int kFreeFailures = 5;                          // failures before throttling
inline constexpr std::int64_t kFailureWindowMs = 15LL * 60 * 1000;
inline constexpr std::int64_t kFirstDelayMs = 30 * 1000;        // doubles per further failure
inline constexpr std::int64_t kMaxDelayMs = 15LL * 60 * 1000;

// The wait imposed after `failures` failures within the window (0 below the threshold).
std::int64_t throttle_delay_ms(int failures);

slab5::Result<slab5::Json> local_login(Ctx& ctx, IdentityService& svc, const std::string& email,
                                       const std::string& password, const std::optional<std::string>& workspace_id);

}  // namespace slab5d
