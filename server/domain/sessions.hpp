// Sessions (api.md §2.1-2.2): the sessions table, ES256 access tokens, rotating refresh
// tokens with reuse detection, revocation, and the session response every sign-in returns.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "app.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "store/db.hpp"

namespace slab5d {

struct IdentityService;
struct User;

inline constexpr std::int64_t kRefreshLifetimeMs = 30LL * 24 * 3600 * 1000;

struct SessionRecord {
  std::string id;
  std::string user_id;
  std::string workspace_id;
  std::string created_at;
  std::optional<std::string> last_used_at;
  std::string expires_at;
  std::optional<std::string> revoked_at;
  std::string user_agent;
  std::string ip;

  slab5::Json to_json(const std::string& current_sid) const;
};

std::optional<SessionRecord> find_session(Db& db, const std::string& id);
// The user's active sessions, newest first, ids below `after` when set.
std::vector<SessionRecord> list_active_sessions(Db& db, const std::string& user_id,
                                                const std::optional<std::string>& after, int limit);

// Signs an access token for the session.
std::string issue_access_token(Db& db, IdentityService& svc, const std::string& user_id, const std::string& sid);

// Verifies a bearer JWT into a session principal: signature, kid, claims, and that the
// session exists, belongs to the subject and is neither revoked nor past its lifetime.
slab5::Result<Principal> verify_session_token(Db& db, IdentityService& svc, std::string_view token);

// Creates a session for the user in `workspace_id` and returns the session response
// (api.md §2.2). Writes session.created. Caller holds the transaction.
slab5::Json start_session(Ctx& ctx, IdentityService& svc, const User& user, const std::string& workspace_id);

// POST /v1/auth/refresh
slab5::Result<slab5::Json> refresh_session(Ctx& ctx, IdentityService& svc, const std::string& refresh_token);
// Revokes one of the user's sessions; resource_not_found when it is not theirs, conflict
// when already revoked. Writes session.revoked.
slab5::Status revoke_session(Ctx& ctx, const std::string& user_id, const std::string& sid, const std::string& reason);

// Revokes every active session of the user (no audit event: the caller records the change
// that warrants it). Returns how many were revoked.
int revoke_user_sessions(Db& db, const std::string& user_id, const std::string& at);

// The workspace for a session response: `requested` when the user is a member, else the
// personal workspace. workspace_not_found for a requested workspace that is not theirs.
slab5::Result<std::string> session_workspace(Db& db, const std::string& user_id,
                                             const std::optional<std::string>& requested);

}  // namespace slab5d
