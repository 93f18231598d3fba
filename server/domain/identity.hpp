// Users, registration and email verification (api.md §2.1-2.2), and what the other identity
// rules share. Each rule takes the acting Actor, the RequestMeta of the call and typed input,
// knows no HTTP, and writes through one WriteUnit (its audit rows in the same transaction).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "domain/actor.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "store/conn.hpp"
#include "store/identity_store.hpp"
#include "store/workspace_store.hpp"

namespace slab5d {

struct IdentityService;
class WriteUnit;

inline constexpr std::int64_t kVerifyTokenLifetimeMs = 24LL * 3600 * 1000;
inline constexpr std::int64_t kMailIntervalMs = 60 * 1000;

// A user as clients see it: never the password hash.
slab5::Json user_json(const User& user);

// Shape checks shared by the routes.
slab5::Status check_email(const char* field, const std::string& email);
slab5::Status check_password(const char* field, const std::string& password);
slab5::Status check_name(const char* field, const std::optional<std::string>& name);

// A new user, stored (caller holds the unit). conflict when the address has an account.
slab5::Result<User> insert_user(UserStore& users, const std::string& tenant_id, const std::string& email,
                                const std::string& name, const std::optional<std::string>& password_hash,
                                bool verified);

// The actor an audit row names for what a user (or the system, for them) did outside any
// workspace the caller was in: `caller` with `type`/`id`, in `workspace_id` (and its tenant)
// when one is given.
Actor audit_actor(Conn& db, const Actor& caller, const std::string& type, const std::string& id,
                  const std::optional<std::string>& workspace_id);

// A sign-up's two audit rows (no events), recorded as the new user in their new workspace:
// `user.registered` with `user_after`, then `workspace.created`. Email and OAuth sign-up both
// record them so.
void record_sign_up(WriteUnit& unit, const Actor& as_user, const slab5::Json& user_after, const std::string& user_id,
                    const Workspace& ws, int status);

// The first proof of the mailbox for an account that was registered but never verified
// (an accepted invitation, an OAuth sign-in): whoever registered it proved nothing, so the
// password they chose must not survive. Sets email_verified_at, replaces the password hash
// with `new_password_hash` (nullopt clears it: no password sign-in until one is set
// through a proved flow), revokes every session of the account, and records
// user.email_verified with `via`, the password outcome and the sessions revoked, in the
// workspace `workspace_id` (default: the personal one). `user` is updated.
slab5::Status claim_unverified_account(WriteUnit& unit, IdentityStore& store, User& user,
                                       const std::optional<std::string>& new_password_hash, const std::string& via,
                                       const std::optional<std::string>& workspace_id);

struct Registration {
  std::string email;
  std::string password_hash;  // hashed by the caller, also for an existing address (same time)
  std::string name;
};

// POST /v1/auth/register: always the same answer; creates the account with its personal
// tenant and workspace, or mails the owner of an existing one.
slab5::Result<slab5::Json> register_account(Conn& db, IdentityService& svc, const Actor& actor, const RequestMeta& meta,
                                            const Registration& input);
// POST /v1/auth/verify-email
slab5::Result<slab5::Json> verify_email(Conn& db, const Actor& actor, const RequestMeta& meta,
                                        const std::string& token);
// POST /v1/auth/resend-verification
slab5::Result<slab5::Json> resend_verification(Conn& db, IdentityService& svc, const Actor& actor,
                                               const RequestMeta& meta, const std::string& email);

// GET /v1/me for a session: the user, their memberships and the calling session.
slab5::Result<slab5::Json> describe_session_user(Conn& db, const Actor& actor);

}  // namespace slab5d
