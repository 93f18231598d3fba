// Local sign-in (POST /v1/auth/session, provider "local"): one answer and about one cost
// for an unknown email and a wrong password, per-email throttling with a growing delay and
// no permanent lock-out, and re-hashing when the configured password cost changed.
#pragma once
#include <optional>
#include <string>

#include "domain/actor.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "store/conn.hpp"

namespace slab5d {

struct IdentityService;

inline constexpr int kFreeFailures = 5;  // failures before throttling
inline constexpr std::int64_t kFailureWindowMs = 15LL * 60 * 1000;
inline constexpr std::int64_t kFirstDelayMs = 30 * 1000;  // doubles per further failure
inline constexpr std::int64_t kMaxDelayMs = 15LL * 60 * 1000;

// The wait imposed after `failures` failures within the window (0 below the threshold).
std::int64_t throttle_delay_ms(int failures);

struct LocalLogin {
  std::string email;
  std::string password;
  std::optional<std::string> workspace_id;
};

// The session response, or: invalid_credentials (one answer for an unknown email and a wrong
// password), email_not_verified, workspace_not_found, or too_many_attempts carrying
// retry_after_seconds. Every failure is recorded as session.failed. Call with the signing
// key primed (SigningKeys::active) outside any transaction.
slab5::Result<slab5::Json> local_login(Conn& db, IdentityService& svc, const Actor& actor, const RequestMeta& meta,
                                       const LocalLogin& input);

}  // namespace slab5d
