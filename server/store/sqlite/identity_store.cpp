// Every SQL statement of the identity aggregate. Each write's step is checked: SQLITE_DONE
// is success, a constraint hit becomes `conflict` (never a success), and a write that should
// have changed a row and changed none says what it found instead.
#include "store/sqlite/identity_store.hpp"

#include <sqlite3.h>

namespace slab5d {

using slab5::Result;
using slab5::Status;

namespace {

// Steps a write to its end: conflict (with `message`) on a constraint hit.
Status run(Query&& q, const std::string& message) {
  if (q.run() != SQLITE_DONE) return slab5::fail("conflict", message);
  return {};
}

std::optional<std::string> null_if_empty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

constexpr const char* kUserColumns =
    "id, tenant_id, email, name, password_hash, email_verified_at, created_at, updated_at";

User read_user(const Query& q) {
  User u;
  u.id = q.text(0);
  u.tenant_id = q.text(1);
  u.email = q.text(2);
  u.name = q.text(3);
  u.password_hash = q.opt_text(4);
  u.email_verified_at = q.opt_text(5);
  u.created_at = q.text(6);
  u.updated_at = q.text(7);
  return u;
}

constexpr const char* kSessionColumns =
    "id, user_id, workspace_id, created_at, last_used_at, expires_at, revoked_at, user_agent, ip";

SessionRecord read_session(const Query& q) {
  SessionRecord s;
  s.id = q.text(0);
  s.user_id = q.text(1);
  s.workspace_id = q.opt_text(2).value_or("");
  s.created_at = q.text(3);
  s.last_used_at = q.opt_text(4);
  s.expires_at = q.text(5);
  s.revoked_at = q.opt_text(6);
  s.user_agent = q.text(7);
  s.ip = q.text(8);
  return s;
}

constexpr const char* kInvitationColumns =
    "id, workspace_id, email, role, invited_by_type, coalesce(invited_by, ''), status, expires_at, created_at, "
    "accepted_at";

Invitation read_invitation(const Query& q) {
  Invitation i;
  i.id = q.text(0);
  i.workspace_id = q.text(1);
  i.email = q.text(2);
  i.role = q.text(3);
  i.invited_by_type = q.text(4);
  i.invited_by = q.text(5);
  i.status = q.text(6);
  i.expires_at = q.text(7);
  i.created_at = q.text(8);
  i.accepted_at = q.opt_text(9);
  return i;
}

constexpr const char* kKeyColumns = "kid, alg, private_key, public_jwk, created_at";

StoredSigningKey read_key(const Query& q) { return {q.text(0), q.text(1), q.text(2), q.text(3), q.text(4)}; }

}  // namespace

IdentityStore open_identity_store(Db& db) {
  return {std::make_unique<SqliteUserStore>(db), std::make_unique<SqliteSessionStore>(db),
          std::make_unique<SqliteInvitationStore>(db), std::make_unique<SqliteSigningKeyStore>(db),
          std::make_unique<SqliteMailStore>(db)};
}

// ---- users ----------------------------------------------------------------------------

Result<std::optional<User>> SqliteUserStore::find(const std::string& id) {
  auto q = db_.query(std::string("SELECT ") + kUserColumns + " FROM users WHERE id = ?", id);
  if (!q.next()) return std::optional<User>{};
  return std::optional<User>{read_user(q)};
}

Result<std::optional<User>> SqliteUserStore::find_by_email(const std::string& email) {
  auto q = db_.query(std::string("SELECT ") + kUserColumns + " FROM users WHERE email = ?", email);
  if (!q.next()) return std::optional<User>{};
  return std::optional<User>{read_user(q)};
}

Status SqliteUserStore::insert(const User& u) {
  return run(
      db_.query("INSERT INTO users (id, tenant_id, email, name, password_hash, email_verified_at, created_at, "
                "updated_at) VALUES (?,?,?,?,?,?,?,?)",
                u.id, u.tenant_id, u.email, u.name, u.password_hash, u.email_verified_at, u.created_at, u.updated_at),
      "An account with this email address already exists.");
}

Status SqliteUserStore::update(const User& u) {
  if (auto st = run(db_.query("UPDATE users SET name = ?, password_hash = ?, email_verified_at = ?, updated_at = ? "
                              "WHERE id = ?",
                              u.name, u.password_hash, u.email_verified_at, u.updated_at, u.id),
                    "The account could not be updated.");
      !st)
    return st;
  if (db_.changes() != 1) return slab5::fail("resource_not_found", "The account no longer exists.");
  return {};
}

Status SqliteUserStore::insert_tenant(const std::string& id, const std::string& name, const std::string& created_at) {
  return run(db_.query("INSERT INTO tenants (id, name, created_at) VALUES (?,?,?)", id, name, created_at),
             "The tenant could not be created.");
}

Status SqliteUserStore::insert_email_token(const EmailToken& t) {
  return run(db_.query("INSERT INTO email_tokens (token_hash, user_id, kind, expires_at, created_at) "
                       "VALUES (?,?,?,?,?)",
                       t.token_hash, t.user_id, t.kind, t.expires_at, t.created_at),
             "The mail token could not be stored.");
}

Result<std::optional<EmailToken>> SqliteUserStore::find_email_token(const std::string& token_hash,
                                                                    const std::string& kind) {
  auto q = db_.query(
      "SELECT token_hash, user_id, kind, expires_at, used_at, created_at FROM email_tokens "
      "WHERE token_hash = ? AND kind = ?",
      token_hash, kind);
  if (!q.next()) return std::optional<EmailToken>{};
  return std::optional<EmailToken>{EmailToken{q.text(0), q.text(1), q.text(2), q.text(3), q.opt_text(4), q.text(5)}};
}

Status SqliteUserStore::mark_email_token_used(const std::string& token_hash, const std::string& at) {
  if (auto st =
          run(db_.query("UPDATE email_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL", at, token_hash),
              "The token could not be marked as used.");
      !st)
    return st;
  if (db_.changes() != 1) return slab5::fail("conflict", "The token was already used.");
  return {};
}

Result<LoginFailures> SqliteUserStore::login_failures(const std::string& email, std::int64_t since_ms) {
  auto q = db_.query("SELECT count(*), coalesce(max(at_ms), 0) FROM login_failures WHERE email = ? AND at_ms > ?",
                     email, since_ms);
  if (!q.next()) return LoginFailures{};
  return LoginFailures{int(q.integer(0)), q.integer(1)};
}

Status SqliteUserStore::add_login_failure(const std::string& email, std::int64_t at_ms, std::int64_t forget_ms) {
  if (auto st = run(db_.query("DELETE FROM login_failures WHERE email = ? AND at_ms <= ?", email, forget_ms),
                    "Old sign-in failures could not be forgotten.");
      !st)
    return st;
  return run(db_.query("INSERT INTO login_failures (email, at_ms) VALUES (?, ?)", email, at_ms),
             "The sign-in failure could not be recorded.");
}

Status SqliteUserStore::clear_login_failures(const std::string& email) {
  return run(db_.query("DELETE FROM login_failures WHERE email = ?", email),
             "The sign-in failures could not be cleared.");
}

Result<bool> SqliteUserStore::claim_mail_slot(const std::string& email, std::int64_t now_ms,
                                              std::int64_t free_after_ms) {
  auto st = run(db_.query("INSERT INTO mail_throttle (email, last_sent_ms) VALUES (?, ?) "
                          "ON CONFLICT(email) DO UPDATE SET last_sent_ms = excluded.last_sent_ms "
                          "WHERE mail_throttle.last_sent_ms <= ?",
                          email, now_ms, free_after_ms),
                "The mail slot could not be claimed.");
  if (!st) return tl::unexpected(st.error());
  return db_.changes() > 0;
}

Result<std::vector<Membership>> SqliteUserStore::memberships(const std::string& user_id) {
  auto q = db_.query("SELECT workspace_id, role FROM memberships WHERE user_id = ? ORDER BY joined_at, workspace_id",
                     user_id);
  std::vector<Membership> out;
  while (q.next()) out.push_back({q.text(0), q.text(1)});
  return out;
}

Result<std::optional<std::string>> SqliteUserStore::personal_workspace(const std::string& user_id) {
  auto q = db_.query(
      "SELECT m.workspace_id FROM memberships m JOIN workspaces w ON w.id = m.workspace_id "
      "JOIN users u ON u.id = m.user_id WHERE m.user_id = ? "
      "ORDER BY (w.tenant_id = u.tenant_id) DESC, m.joined_at, w.id LIMIT 1",
      user_id);
  if (!q.next()) return std::optional<std::string>{};
  return std::optional<std::string>{q.text(0)};
}

// ---- sessions -------------------------------------------------------------------------

Result<std::optional<SessionRecord>> SqliteSessionStore::find(const std::string& id) {
  auto q = db_.query(std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE id = ?", id);
  if (!q.next()) return std::optional<SessionRecord>{};
  return std::optional<SessionRecord>{read_session(q)};
}

Result<std::optional<SessionRecord>> SqliteSessionStore::find_by_refresh(const std::string& refresh_hash) {
  auto q = db_.query(std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE refresh_hash = ?", refresh_hash);
  if (!q.next()) return std::optional<SessionRecord>{};
  return std::optional<SessionRecord>{read_session(q)};
}

Result<std::optional<std::string>> SqliteSessionStore::find_used_refresh(const std::string& refresh_hash) {
  auto q = db_.query("SELECT session_id FROM used_refresh_tokens WHERE token_hash = ?", refresh_hash);
  if (!q.next()) return std::optional<std::string>{};
  return std::optional<std::string>{q.text(0)};
}

Result<std::vector<SessionRecord>> SqliteSessionStore::list_active(const std::string& user_id, const std::string& now,
                                                                   const std::optional<std::string>& after, int limit) {
  auto q = db_.query(std::string("SELECT ") + kSessionColumns +
                         " FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? "
                         "AND (? = '' OR id < ?) ORDER BY id DESC LIMIT ?",
                     user_id, now, after.value_or(""), after.value_or(""), limit);
  std::vector<SessionRecord> out;
  while (q.next()) out.push_back(read_session(q));
  return out;
}

Status SqliteSessionStore::insert(const SessionRecord& s, const std::string& refresh_hash) {
  return run(db_.query("INSERT INTO sessions (id, user_id, workspace_id, refresh_hash, created_at, last_used_at, "
                       "expires_at, user_agent, ip) VALUES (?,?,?,?,?,?,?,?,?)",
                       s.id, s.user_id, null_if_empty(s.workspace_id), refresh_hash, s.created_at, s.last_used_at,
                       s.expires_at, s.user_agent, s.ip),
             "The session could not be created: its account no longer exists.");
}

Status SqliteSessionStore::rotate(const std::string& id, const std::string& old_hash, const std::string& new_hash,
                                  const std::string& at, const std::string& expires_at) {
  if (auto st = run(db_.query("INSERT OR IGNORE INTO used_refresh_tokens (token_hash, session_id, used_at) "
                              "VALUES (?,?,?)",
                              old_hash, id, at),
                    "The used refresh token could not be remembered.");
      !st)
    return st;
  if (auto st = run(db_.query("UPDATE sessions SET refresh_hash = ?, last_used_at = ?, expires_at = ? "
                              "WHERE id = ? AND refresh_hash = ?",
                              new_hash, at, expires_at, id, old_hash),
                    "The refresh token could not be rotated.");
      !st)
    return st;
  if (db_.changes() != 1) return slab5::fail("conflict", "The refresh token was rotated meanwhile.");
  return {};
}

Status SqliteSessionStore::touch(const std::string& id, const std::string& at) {
  return run(db_.query("UPDATE sessions SET last_used_at = ? WHERE id = ?", at, id),
             "The session's last use could not be recorded.");
}

Status SqliteSessionStore::revoke(const std::string& id, const std::string& at) {
  if (auto st = run(db_.query("UPDATE sessions SET revoked_at = ?, refresh_hash = NULL "
                              "WHERE id = ? AND revoked_at IS NULL",
                              at, id),
                    "The session could not be revoked.");
      !st)
    return st;
  if (db_.changes() != 1) return slab5::fail("conflict", "The session is already revoked.");
  return {};
}

Result<int> SqliteSessionStore::revoke_all(const std::string& user_id, const std::string& at) {
  auto st = run(db_.query("UPDATE sessions SET revoked_at = ?, refresh_hash = NULL "
                          "WHERE user_id = ? AND revoked_at IS NULL",
                          at, user_id),
                "The sessions could not be revoked.");
  if (!st) return tl::unexpected(st.error());
  return int(db_.changes());
}

// ---- invitations ----------------------------------------------------------------------

Result<std::optional<Invitation>> SqliteInvitationStore::find(const std::string& workspace_id, const std::string& id) {
  auto q =
      db_.query(std::string("SELECT ") + kInvitationColumns + " FROM invitations WHERE id = ? AND workspace_id = ?", id,
                workspace_id);
  if (!q.next()) return std::optional<Invitation>{};
  return std::optional<Invitation>{read_invitation(q)};
}

Result<std::optional<Invitation>> SqliteInvitationStore::find_by_token(const std::string& token_hash) {
  auto q =
      db_.query(std::string("SELECT ") + kInvitationColumns + " FROM invitations WHERE token_hash = ?", token_hash);
  if (!q.next()) return std::optional<Invitation>{};
  return std::optional<Invitation>{read_invitation(q)};
}

Result<std::vector<Invitation>> SqliteInvitationStore::list(const std::string& workspace_id, InvitationFilter filter,
                                                            const std::string& now,
                                                            const std::optional<std::string>& after, int limit) {
  std::string sql = std::string("SELECT ") + kInvitationColumns +
                    " FROM invitations WHERE workspace_id = ? AND (? = '' OR id < ?) AND ";
  // Every branch binds `now` once, so the statement's parameters stay in one order.
  switch (filter) {
    case InvitationFilter::Pending:
      sql += "status = 'pending' AND expires_at > ?";
      break;
    case InvitationFilter::Expired:
      sql += "status = 'pending' AND expires_at <= ?";
      break;
    case InvitationFilter::Accepted:
      sql += "status = 'accepted' AND ? <> ''";
      break;
    case InvitationFilter::Revoked:
      sql += "status = 'revoked' AND ? <> ''";
      break;
    case InvitationFilter::All:
      sql += "? <> ''";
      break;
  }
  sql += " ORDER BY id DESC LIMIT ?";
  auto q = db_.query(sql, workspace_id, after.value_or(""), after.value_or(""), now, limit);
  std::vector<Invitation> out;
  while (q.next()) out.push_back(read_invitation(q));
  return out;
}

Result<bool> SqliteInvitationStore::has_member_email(const std::string& workspace_id, const std::string& email) {
  auto q = db_.query(
      "SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id "
      "WHERE m.workspace_id = ? AND u.email = ?",
      workspace_id, email);
  return q.next();
}

Result<std::optional<std::string>> SqliteInvitationStore::pending_for(const std::string& workspace_id,
                                                                      const std::string& email,
                                                                      const std::string& now) {
  auto q = db_.query(
      "SELECT id FROM invitations WHERE workspace_id = ? AND email = ? AND status = 'pending' "
      "AND expires_at > ?",
      workspace_id, email, now);
  if (!q.next()) return std::optional<std::string>{};
  return std::optional<std::string>{q.text(0)};
}

Status SqliteInvitationStore::insert(const Invitation& i, const std::string& token_hash) {
  return run(db_.query("INSERT INTO invitations (id, workspace_id, email, role, token_hash, invited_by_type, "
                       "invited_by, status, expires_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                       i.id, i.workspace_id, i.email, i.role, token_hash, i.invited_by_type, i.invited_by, i.status,
                       i.expires_at, i.created_at),
             "The invitation cannot be written: its workspace no longer exists.");
}

Status SqliteInvitationStore::revoke(const std::string& id) {
  if (auto st = run(db_.query("UPDATE invitations SET status = 'revoked' WHERE id = ? AND status = 'pending'", id),
                    "The invitation could not be revoked.");
      !st)
    return st;
  if (db_.changes() != 1) return slab5::fail("conflict", "The invitation is no longer pending.");
  return {};
}

Status SqliteInvitationStore::accept(const Invitation& i, const std::string& user_id, const std::string& at) {
  if (auto st = run(db_.query("INSERT INTO memberships (workspace_id, user_id, role, joined_at) VALUES (?,?,?,?)",
                              i.workspace_id, user_id, i.role, at),
                    "The invitation cannot be accepted: the account is a member already, or the workspace no "
                    "longer exists.");
      !st)
    return st;
  if (auto st = run(db_.query("UPDATE invitations SET status = 'accepted', accepted_at = ? "
                              "WHERE id = ? AND status = 'pending'",
                              at, i.id),
                    "The invitation could not be marked as accepted.");
      !st)
    return st;
  if (db_.changes() != 1) return slab5::fail("conflict", "The invitation is no longer pending.");
  return {};
}

// ---- signing keys ---------------------------------------------------------------------

Result<std::vector<StoredSigningKey>> SqliteSigningKeyStore::active(const std::string& alg) {
  auto q = db_.query(std::string("SELECT ") + kKeyColumns +
                         " FROM signing_keys WHERE active = 1 AND alg = ? ORDER BY created_at DESC, kid",
                     alg);
  std::vector<StoredSigningKey> out;
  while (q.next()) out.push_back(read_key(q));
  return out;
}

Result<std::vector<StoredSigningKey>> SqliteSigningKeyStore::all_active() {
  auto q = db_.query(std::string("SELECT ") + kKeyColumns + " FROM signing_keys WHERE active = 1");
  std::vector<StoredSigningKey> out;
  while (q.next()) out.push_back(read_key(q));
  return out;
}

Result<std::optional<StoredSigningKey>> SqliteSigningKeyStore::find_active(const std::string& kid) {
  auto q = db_.query(std::string("SELECT ") + kKeyColumns + " FROM signing_keys WHERE kid = ? AND active = 1", kid);
  if (!q.next()) return std::optional<StoredSigningKey>{};
  return std::optional<StoredSigningKey>{read_key(q)};
}

Status SqliteSigningKeyStore::add_committed(const StoredSigningKey& k) {
  if (!sqlite3_get_autocommit(db_.handle()))
    return slab5::fail("internal_error", "The signing key must be created outside a transaction.");
  Tx tx(db_);
  if (auto st = run(db_.query("INSERT INTO signing_keys (kid, alg, private_key, public_jwk, created_at, active) "
                              "VALUES (?,?,?,?,?,1)",
                              k.kid, k.alg, k.private_key, k.public_jwk, k.created_at),
                    "The signing key could not be stored.");
      !st)
    return st;
  tx.commit();
  return {};
}

// ---- the development mailbox ----------------------------------------------------------

Status SqliteMailStore::insert(const StoredMail& m) {
  return run(db_.query("INSERT INTO mail (id, to_addr, subject, kind, token, link, body, created_at) "
                       "VALUES (?,?,?,?,?,?,?,?)",
                       m.id, m.to, m.subject, m.kind, m.token, m.link, m.body, m.created_at),
             "The mail could not be stored.");
}

Result<std::vector<StoredMail>> SqliteMailStore::list(const std::string& to) {
  auto q = db_.query(
      "SELECT id, to_addr, subject, kind, token, link, body, created_at FROM mail "
      "WHERE (? = '' OR to_addr = ?) ORDER BY id DESC",
      to, to);
  std::vector<StoredMail> out;
  while (q.next())
    out.push_back({q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6), q.text(7)});
  return out;
}

Status SqliteMailStore::clear() { return run(db_.query("DELETE FROM mail"), "The mailbox could not be cleared."); }

}  // namespace slab5d
