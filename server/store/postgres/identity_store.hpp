// The identity stores on PostgreSQL: the users, tenants, email_tokens, login_failures,
// mail_throttle, sessions, used_refresh_tokens, invitations, signing_keys and mail tables of
// migration 1 (memberships are read, and written only by accepting an invitation). Each is
// the statement-by-statement counterpart of store/sqlite/identity_store.*, with the same
// results, order and error codes.
#pragma once
#include "store/identity_store.hpp"
#include "store/postgres/pg.hpp"

namespace slab5d {

class PgUserStore final : public UserStore {
 public:
  explicit PgUserStore(PgConn& conn) : conn_(conn) {}
  slab5::Result<std::optional<User>> find(const std::string& id) override;
  slab5::Result<std::optional<User>> find_by_email(const std::string& email) override;
  slab5::Status insert(const User& user) override;
  slab5::Status update(const User& user) override;
  slab5::Status insert_tenant(const std::string& id, const std::string& name, const std::string& created_at) override;
  slab5::Status insert_email_token(const EmailToken& token) override;
  slab5::Result<std::optional<EmailToken>> find_email_token(const std::string& token_hash,
                                                            const std::string& kind) override;
  slab5::Status mark_email_token_used(const std::string& token_hash, const std::string& at) override;
  slab5::Result<LoginFailures> login_failures(const std::string& email, std::int64_t since_ms) override;
  slab5::Status add_login_failure(const std::string& email, std::int64_t at_ms, std::int64_t forget_ms) override;
  slab5::Status clear_login_failures(const std::string& email) override;
  slab5::Result<bool> claim_mail_slot(const std::string& email, std::int64_t now_ms,
                                      std::int64_t free_after_ms) override;
  slab5::Result<std::vector<Membership>> memberships(const std::string& user_id) override;
  slab5::Result<std::optional<std::string>> personal_workspace(const std::string& user_id) override;

 private:
  PgConn& conn_;
};

class PgSessionStore final : public SessionStore {
 public:
  explicit PgSessionStore(PgConn& conn) : conn_(conn) {}
  slab5::Result<std::optional<SessionRecord>> find(const std::string& id) override;
  slab5::Result<std::optional<SessionRecord>> find_by_refresh(const std::string& refresh_hash) override;
  slab5::Result<std::optional<std::string>> find_used_refresh(const std::string& refresh_hash) override;
  slab5::Result<std::vector<SessionRecord>> list_active(const std::string& user_id, const std::string& now,
                                                        const std::optional<std::string>& after, int limit) override;
  slab5::Status insert(const SessionRecord& session, const std::string& refresh_hash) override;
  slab5::Status rotate(const std::string& id, const std::string& old_hash, const std::string& new_hash,
                       const std::string& at, const std::string& expires_at) override;
  slab5::Status touch(const std::string& id, const std::string& at) override;
  slab5::Status revoke(const std::string& id, const std::string& at) override;
  slab5::Result<int> revoke_all(const std::string& user_id, const std::string& at) override;

 private:
  PgConn& conn_;
};

class PgInvitationStore final : public InvitationStore {
 public:
  explicit PgInvitationStore(PgConn& conn) : conn_(conn) {}
  slab5::Result<std::optional<Invitation>> find(const std::string& workspace_id, const std::string& id) override;
  slab5::Result<std::optional<Invitation>> find_by_token(const std::string& token_hash) override;
  slab5::Result<std::vector<Invitation>> list(const std::string& workspace_id, InvitationFilter filter,
                                              const std::string& now, const std::optional<std::string>& after,
                                              int limit) override;
  slab5::Result<bool> has_member_email(const std::string& workspace_id, const std::string& email) override;
  slab5::Result<std::optional<std::string>> pending_for(const std::string& workspace_id, const std::string& email,
                                                        const std::string& now) override;
  slab5::Status insert(const Invitation& invitation, const std::string& token_hash) override;
  slab5::Status revoke(const std::string& id) override;
  slab5::Status accept(const Invitation& invitation, const std::string& user_id, const std::string& at) override;

 private:
  PgConn& conn_;
};

class PgSigningKeyStore final : public SigningKeyStore {
 public:
  explicit PgSigningKeyStore(PgConn& conn) : conn_(conn) {}
  slab5::Result<std::vector<StoredSigningKey>> active(const std::string& alg) override;
  slab5::Result<std::vector<StoredSigningKey>> all_active() override;
  slab5::Result<std::optional<StoredSigningKey>> find_active(const std::string& kid) override;
  slab5::Status add_committed(const StoredSigningKey& key) override;

 private:
  PgConn& conn_;
};

class PgMailStore final : public MailStore {
 public:
  explicit PgMailStore(PgConn& conn) : conn_(conn) {}
  slab5::Status insert(const StoredMail& mail) override;
  slab5::Result<std::vector<StoredMail>> list(const std::string& to) override;
  slab5::Status clear() override;

 private:
  PgConn& conn_;
};

// The identity stores over `conn` (the PostgreSQL Conn keeps one set per connection).
IdentityStore open_pg_identity_store(PgConn& conn);

}  // namespace slab5d
