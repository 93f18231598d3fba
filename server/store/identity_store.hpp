// The identity aggregate's storage (api.md §2, §4, §9): accounts and the proofs of their
// mailboxes, sign-in throttling, sessions and their refresh tokens, invitations, the session
// signing keys and the development mailbox. Interfaces and plain rows only — no SQL and no
// SQLite type: store/sqlite/identity_store.* implements them, and a second backend would be
// a sibling folder. Every call returns its outcome; a constraint hit is `conflict`, never a
// success. Times are RFC 3339 text unless named `_ms`.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "slab5/error.hpp"

namespace slab5d {

struct User {
  std::string id;
  std::string tenant_id;
  std::string email;
  std::string name;
  std::optional<std::string> password_hash;  // PHC string; none for OAuth-only accounts
  std::optional<std::string> email_verified_at;
  std::string created_at;
  std::string updated_at;
};

struct EmailToken {
  std::string token_hash;  // SHA-256 of the mailed token
  std::string user_id;
  std::string kind;  // verify_email
  std::string expires_at;
  std::optional<std::string> used_at;
  std::string created_at;
};

struct LoginFailures {
  int count = 0;
  std::int64_t last_ms = 0;  // the newest one (0 when none)
};

struct Membership {
  std::string workspace_id;
  std::string role;
};

struct SessionRecord {
  std::string id;
  std::string user_id;
  std::string workspace_id;  // "" when the session has none
  std::string created_at;
  std::optional<std::string> last_used_at;
  std::string expires_at;  // the refresh lifetime
  std::optional<std::string> revoked_at;
  std::string user_agent;
  std::string ip;
};

struct Invitation {
  std::string id;
  std::string workspace_id;
  std::string email;
  std::string role;
  std::string invited_by_type;
  std::string invited_by;
  std::string status;  // stored: pending | accepted | revoked
  std::string expires_at;
  std::string created_at;
  std::optional<std::string> accepted_at;
};

// Which invitations a list shows, at a moment (`now`): expiry is not stored.
enum class InvitationFilter { Pending, Accepted, Revoked, Expired, All };

struct StoredSigningKey {
  std::string kid;
  std::string alg;
  std::string private_key;  // PKCS#8 PEM, encrypted under the key-encryption key
  std::string public_jwk;   // JSON text
  std::string created_at;
};

// A message of the development mailbox; token, link and body as the caller sealed them.
struct StoredMail {
  std::string id;
  std::string to;
  std::string subject;
  std::string kind;
  std::string token;
  std::string link;
  std::string body;
  std::string created_at;
};

// Accounts, their tenants, the tokens that prove a mailbox, sign-in failures, the mail
// throttle, and the memberships a sign-in needs to pick a workspace.
class UserStore {
 public:
  virtual ~UserStore() = default;
  [[nodiscard]] virtual slab5::Result<std::optional<User>> find(const std::string& id) = 0;
  // Case-insensitive, as addresses are compared everywhere.
  [[nodiscard]] virtual slab5::Result<std::optional<User>> find_by_email(const std::string& email) = 0;
  // conflict when the address has an account.
  [[nodiscard]] virtual slab5::Status insert(const User& user) = 0;
  // Writes name, password hash, verification time and updated_at; resource_not_found when
  // the user is gone.
  [[nodiscard]] virtual slab5::Status update(const User& user) = 0;
  // The tenant a new account starts with.
  [[nodiscard]] virtual slab5::Status insert_tenant(const std::string& id, const std::string& name,
                                                    const std::string& created_at) = 0;

  [[nodiscard]] virtual slab5::Status insert_email_token(const EmailToken& token) = 0;
  [[nodiscard]] virtual slab5::Result<std::optional<EmailToken>> find_email_token(const std::string& token_hash,
                                                                                  const std::string& kind) = 0;
  // conflict when the token was used meanwhile.
  [[nodiscard]] virtual slab5::Status mark_email_token_used(const std::string& token_hash, const std::string& at) = 0;

  // Failed sign-ins for the address after `since_ms`.
  [[nodiscard]] virtual slab5::Result<LoginFailures> login_failures(const std::string& email,
                                                                    std::int64_t since_ms) = 0;
  // Records a failure at `at_ms` and forgets the address's failures at or before `forget_ms`.
  [[nodiscard]] virtual slab5::Status add_login_failure(const std::string& email, std::int64_t at_ms,
                                                        std::int64_t forget_ms) = 0;
  [[nodiscard]] virtual slab5::Status clear_login_failures(const std::string& email) = 0;

  // Takes the address's mail slot when the last one was taken at or before `free_after_ms`;
  // false (nothing written) when one was taken later.
  [[nodiscard]] virtual slab5::Result<bool> claim_mail_slot(const std::string& email, std::int64_t now_ms,
                                                            std::int64_t free_after_ms) = 0;

  // The user's memberships, oldest first.
  [[nodiscard]] virtual slab5::Result<std::vector<Membership>> memberships(const std::string& user_id) = 0;
  // The first membership in the user's own tenant, else their first membership.
  [[nodiscard]] virtual slab5::Result<std::optional<std::string>> personal_workspace(const std::string& user_id) = 0;
};

// Sessions and the refresh tokens rotated away from them (kept to detect reuse).
class SessionStore {
 public:
  virtual ~SessionStore() = default;
  [[nodiscard]] virtual slab5::Result<std::optional<SessionRecord>> find(const std::string& id) = 0;
  [[nodiscard]] virtual slab5::Result<std::optional<SessionRecord>> find_by_refresh(
      const std::string& refresh_hash) = 0;
  // The session a rotated-away refresh token belonged to.
  [[nodiscard]] virtual slab5::Result<std::optional<std::string>> find_used_refresh(
      const std::string& refresh_hash) = 0;
  // The user's sessions neither revoked nor expired at `now`, newest first, ids below `after`.
  [[nodiscard]] virtual slab5::Result<std::vector<SessionRecord>> list_active(const std::string& user_id,
                                                                              const std::string& now,
                                                                              const std::optional<std::string>& after,
                                                                              int limit) = 0;
  [[nodiscard]] virtual slab5::Status insert(const SessionRecord& session, const std::string& refresh_hash) = 0;
  // Replaces the refresh token (the old one is remembered as used) and extends the session.
  [[nodiscard]] virtual slab5::Status rotate(const std::string& id, const std::string& old_hash,
                                             const std::string& new_hash, const std::string& at,
                                             const std::string& expires_at) = 0;
  [[nodiscard]] virtual slab5::Status touch(const std::string& id, const std::string& at) = 0;
  // conflict when the session is already revoked (or gone).
  [[nodiscard]] virtual slab5::Status revoke(const std::string& id, const std::string& at) = 0;
  // Revokes every active session of the user; how many.
  [[nodiscard]] virtual slab5::Result<int> revoke_all(const std::string& user_id, const std::string& at) = 0;
};

class InvitationStore {
 public:
  virtual ~InvitationStore() = default;
  [[nodiscard]] virtual slab5::Result<std::optional<Invitation>> find(const std::string& workspace_id,
                                                                      const std::string& id) = 0;
  [[nodiscard]] virtual slab5::Result<std::optional<Invitation>> find_by_token(const std::string& token_hash) = 0;
  // Newest first, ids below `after`.
  [[nodiscard]] virtual slab5::Result<std::vector<Invitation>> list(const std::string& workspace_id,
                                                                    InvitationFilter filter, const std::string& now,
                                                                    const std::optional<std::string>& after,
                                                                    int limit) = 0;
  // Whether an account with the address is a member of the workspace.
  [[nodiscard]] virtual slab5::Result<bool> has_member_email(const std::string& workspace_id,
                                                             const std::string& email) = 0;
  // The id of a pending invitation for the address not expired at `now`.
  [[nodiscard]] virtual slab5::Result<std::optional<std::string>> pending_for(const std::string& workspace_id,
                                                                              const std::string& email,
                                                                              const std::string& now) = 0;
  // conflict when the workspace is gone.
  [[nodiscard]] virtual slab5::Status insert(const Invitation& invitation, const std::string& token_hash) = 0;
  // conflict unless the invitation was pending.
  [[nodiscard]] virtual slab5::Status revoke(const std::string& id) = 0;
  // Makes the user a member with the invitation's role and marks it accepted; conflict when
  // the user is a member already, the workspace is gone or the invitation was not pending.
  [[nodiscard]] virtual slab5::Status accept(const Invitation& invitation, const std::string& user_id,
                                             const std::string& at) = 0;
};

class SigningKeyStore {
 public:
  virtual ~SigningKeyStore() = default;
  // Active keys of `alg`, newest first.
  [[nodiscard]] virtual slab5::Result<std::vector<StoredSigningKey>> active(const std::string& alg) = 0;
  // Every active key (for the JWKS).
  [[nodiscard]] virtual slab5::Result<std::vector<StoredSigningKey>> all_active() = 0;
  [[nodiscard]] virtual slab5::Result<std::optional<StoredSigningKey>> find_active(const std::string& kid) = 0;
  // Stores and commits the key at once, in a transaction of its own: a key stored inside a
  // caller's transaction could be rolled back while this process signs with it. Refused
  // (internal_error) inside another transaction.
  [[nodiscard]] virtual slab5::Status add_committed(const StoredSigningKey& key) = 0;
};

class MailStore {
 public:
  virtual ~MailStore() = default;
  [[nodiscard]] virtual slab5::Status insert(const StoredMail& mail) = 0;
  // Newest first; `to` filters by address when not empty.
  [[nodiscard]] virtual slab5::Result<std::vector<StoredMail>> list(const std::string& to) = 0;
  [[nodiscard]] virtual slab5::Status clear() = 0;
};

// The identity stores of one connection.
struct IdentityStore {
  std::unique_ptr<UserStore> users;
  std::unique_ptr<SessionStore> sessions;
  std::unique_ptr<InvitationStore> invitations;
  std::unique_ptr<SigningKeyStore> keys;
  std::unique_ptr<MailStore> mail;
};

}  // namespace slab5d
