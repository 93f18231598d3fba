// Users, registration and email verification (api.md §2.1-2.2). The flows write their
// audit events inside the same transaction as the change.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "store/db.hpp"

namespace slab5d {

struct Ctx;
struct IdentityService;

inline constexpr std::int64_t kVerifyTokenLifetimeMs = 24LL * 3600 * 1000;
inline constexpr std::int64_t kMailIntervalMs = 60 * 1000;

struct User {
  std::string id;
  std::string tenant_id;
  std::string email;
  std::string name;
  std::optional<std::string> password_hash;
  std::optional<std::string> email_verified_at;
  std::string created_at;
  std::string updated_at;

  slab5::Json to_json() const;  // never includes the hash
};

std::optional<User> find_user(Db& db, const std::string& id);
std::optional<User> find_user_by_email(Db& db, const std::string& email);
// Inserts a user (caller holds the transaction).
User insert_user(Db& db, const std::string& tenant_id, const std::string& email, const std::string& name,
                 const std::optional<std::string>& password_hash, bool verified);

// The first proof of the mailbox for an account that was registered but never verified
// (an accepted invitation, an OAuth sign-in): whoever registered it proved nothing, so the
// password they chose must not survive. Sets email_verified_at, replaces the password hash
// with `new_password_hash` (nullopt clears it: no password sign-in until one is set
// through a proved flow), revokes every session of the account, and writes
// user.email_verified with `via`, the password outcome and the sessions revoked. Caller
// holds the transaction; `user` is updated.
void claim_unverified_account(Ctx& ctx, User& user, const std::optional<std::string>& new_password_hash,
                              const std::string& via, const std::optional<std::string>& workspace_id);

// Shape checks shared by the routes.
slab5::Status check_email(const char* field, const std::string& email);
slab5::Status check_password(const char* field, const std::string& password);
slab5::Status check_name(const char* field, const std::optional<std::string>& name);

// The workspace a sign-in lands in without workspaceId: the first membership in the user's
// own tenant (their personal workspace), else their first membership.
std::optional<std::string> personal_workspace_id(Db& db, const std::string& user_id);

// Claims the one-mail-per-address-per-minute slot; false when a mail went out too recently.
bool claim_mail_slot(Db& db, const std::string& email);

// POST /v1/auth/register: always the same answer; creates the account with its personal
// tenant and workspace, or mails the owner of an existing one. The password arrives hashed
// (the caller hashes it, also for an existing address, so both take the same time).
slab5::Result<slab5::Json> register_account(Ctx& ctx, const std::string& email, const std::string& password_hash,
                                            const std::string& name);
// POST /v1/auth/verify-email
slab5::Result<slab5::Json> verify_email(Ctx& ctx, const std::string& token);
// POST /v1/auth/resend-verification
slab5::Result<slab5::Json> resend_verification(Ctx& ctx, const std::string& email);

}  // namespace slab5d
