// Sessions (api.md §2.1-2.2): ES256 access tokens, rotating refresh tokens with reuse
// detection, revocation, and the session response every sign-in returns.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/actor.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "store/conn.hpp"
#include "store/identity_store.hpp"

namespace slab5d {

struct IdentityService;
class WriteUnit;

inline constexpr std::int64_t kRefreshLifetimeMs = 30LL * 24 * 3600 * 1000;

// A session as its owner sees it; `current` is set when `current_sid` is given.
slab5::Json session_json(const SessionRecord& session, const std::string& current_sid);

// What a verified session token says: the web layer turns it into its principal.
struct SessionClaims {
  std::string session_id;
  std::string user_id;
  std::int64_t token_expires_at_ms = 0;
  std::int64_t session_expires_at_ms = 0;  // when the session itself ends
};

// Makes sure a signing key exists, outside any transaction, before a flow that signs inside
// its own (a key made inside it could be rolled back while this process signs with it).
slab5::Status prime_signing_key(Conn& db, IdentityService& svc);
// GET /.well-known/jwks.json: the public halves of the active signing keys.
slab5::Result<slab5::Json> signing_jwks(Conn& db, IdentityService& svc);

// Signs an access token for the session.
slab5::Result<std::string> issue_access_token(SigningKeyStore& keys, IdentityService& svc, const std::string& user_id,
                                              const std::string& sid);

// Verifies a bearer JWT: signature, kid, claims, and that the session exists, belongs to the
// subject and is neither revoked nor past its lifetime. Records the session's last use (at
// most once a minute: bookkeeping, not audited).
slab5::Result<SessionClaims> verify_session(Conn& db, IdentityService& svc, std::string_view token);

// Creates a session for the user in `workspace_id` and returns the session response
// (api.md §2.2), recording session.created in `unit`.
slab5::Result<slab5::Json> start_session(WriteUnit& unit, const RequestMeta& meta, IdentityStore& store,
                                         IdentityService& svc, const User& user, const std::string& workspace_id);

// POST /v1/auth/refresh
slab5::Result<slab5::Json> refresh_session(Conn& db, IdentityService& svc, const Actor& actor, const RequestMeta& meta,
                                           const std::string& refresh_token);
// Revokes one of the user's sessions; resource_not_found when it is not theirs, conflict
// when already revoked. Records session.revoked with `reason`.
slab5::Status revoke_session(Conn& db, const Actor& actor, const RequestMeta& meta, const std::string& user_id,
                             const std::string& sid, const std::string& reason);

// The user's active sessions, newest first, ids below `after` when set.
slab5::Result<std::vector<SessionRecord>> list_sessions(Conn& db, const std::string& user_id,
                                                        const std::optional<std::string>& after, int limit);

// The workspace for a session response: `requested` when the user is a member, else the
// personal workspace. workspace_not_found for a requested workspace that is not theirs.
slab5::Result<std::string> session_workspace(Conn& db, UserStore& users, const std::string& user_id,
                                             const std::optional<std::string>& requested);

}  // namespace slab5d
