// Every SQL statement of the identity aggregate, ported from store/sqlite/identity_store.cpp
// line by line. Each write's outcome is checked: a constraint hit (PgRun, a value) becomes
// `conflict`, never a success, and a write that should have changed a row and changed none
// says what it found instead. Text that SQLite orders or compares bytewise (ids, RFC 3339
// times) is compared COLLATE "C" here, so that the order does not depend on the database's
// locale; addresses are CITEXT, as SQLite's COLLATE NOCASE.
#include "store/postgres/identity_store.hpp"

namespace slab5d {

using slab5::Result;
using slab5::Status;

namespace {

// A write run to its end: conflict (with `message`) on a constraint hit.
Status checked(const PgRun& r, const std::string& message) {
  if (!r.ok()) return slab5::fail("conflict", message);
  return {};
}

std::optional<std::string> null_if_empty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

constexpr const char* kUserColumns =
    "id, tenant_id, email, name, password_hash, email_verified_at, created_at, updated_at";

User read_user(const PgResult& q, int row) {
  User u;
  u.id = q.text(row, 0);
  u.tenant_id = q.text(row, 1);
  u.email = q.text(row, 2);
  u.name = q.text(row, 3);
  u.password_hash = q.opt_text(row, 4);
  u.email_verified_at = q.opt_text(row, 5);
  u.created_at = q.text(row, 6);
  u.updated_at = q.text(row, 7);
  return u;
}

constexpr const char* kSessionColumns =
    "id, user_id, workspace_id, created_at, last_used_at, expires_at, revoked_at, user_agent, ip";

SessionRecord read_session(const PgResult& q, int row) {
  SessionRecord s;
  s.id = q.text(row, 0);
  s.user_id = q.text(row, 1);
  s.workspace_id = q.opt_text(row, 2).value_or("");
  s.created_at = q.text(row, 3);
  s.last_used_at = q.opt_text(row, 4);
  s.expires_at = q.text(row, 5);
  s.revoked_at = q.opt_text(row, 6);
  s.user_agent = q.text(row, 7);
  s.ip = q.text(row, 8);
  return s;
}

constexpr const char* kInvitationColumns =
    "id, workspace_id, email, role, invited_by_type, coalesce(invited_by, ''), status, expires_at, created_at, "
    "accepted_at";

Invitation read_invitation(const PgResult& q, int row) {
  Invitation i;
  i.id = q.text(row, 0);
  i.workspace_id = q.text(row, 1);
  i.email = q.text(row, 2);
  i.role = q.text(row, 3);
  i.invited_by_type = q.text(row, 4);
  i.invited_by = q.text(row, 5);
  i.status = q.text(row, 6);
  i.expires_at = q.text(row, 7);
  i.created_at = q.text(row, 8);
  i.accepted_at = q.opt_text(row, 9);
  return i;
}

constexpr const char* kKeyColumns = "kid, alg, private_key, public_jwk, created_at";

StoredSigningKey read_key(const PgResult& q, int row) {
  return {q.text(row, 0), q.text(row, 1), q.text(row, 2), q.text(row, 3), q.text(row, 4)};
}

std::vector<StoredSigningKey> read_keys(const PgResult& q) {
  std::vector<StoredSigningKey> out;
  out.reserve(std::size_t(q.rows()));
  for (int i = 0; i < q.rows(); ++i) out.push_back(read_key(q, i));
  return out;
}

}  // namespace

IdentityStore open_pg_identity_store(PgConn& conn) {
  return {std::make_unique<PgUserStore>(conn), std::make_unique<PgSessionStore>(conn),
          std::make_unique<PgInvitationStore>(conn), std::make_unique<PgSigningKeyStore>(conn),
          std::make_unique<PgMailStore>(conn)};
}

// ---- users ----------------------------------------------------------------------------

Result<std::optional<User>> PgUserStore::find(const std::string& id) {
  auto q = conn_.exec(std::string("SELECT ") + kUserColumns + " FROM users WHERE id = $1", id);
  if (q.rows() == 0) return std::optional<User>{};
  return std::optional<User>{read_user(q, 0)};
}

Result<std::optional<User>> PgUserStore::find_by_email(const std::string& email) {
  auto q = conn_.exec(std::string("SELECT ") + kUserColumns + " FROM users WHERE email = $1", email);
  if (q.rows() == 0) return std::optional<User>{};
  return std::optional<User>{read_user(q, 0)};
}

Status PgUserStore::insert(const User& u) {
  return checked(
      conn_.run("INSERT INTO users (id, tenant_id, email, name, password_hash, email_verified_at, created_at, "
                "updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
                u.id, u.tenant_id, u.email, u.name, u.password_hash, u.email_verified_at, u.created_at, u.updated_at),
      "An account with this email address already exists.");
}

Status PgUserStore::update(const User& u) {
  auto r =
      conn_.run("UPDATE users SET name = $1, password_hash = $2, email_verified_at = $3, updated_at = $4 WHERE id = $5",
                u.name, u.password_hash, u.email_verified_at, u.updated_at, u.id);
  if (auto st = checked(r, "The account could not be updated."); !st) return st;
  if (r.affected() != 1) return slab5::fail("resource_not_found", "The account no longer exists.");
  return {};
}

Status PgUserStore::insert_tenant(const std::string& id, const std::string& name, const std::string& created_at) {
  return checked(conn_.run("INSERT INTO tenants (id, name, created_at) VALUES ($1,$2,$3)", id, name, created_at),
                 "The tenant could not be created.");
}

Status PgUserStore::insert_email_token(const EmailToken& t) {
  return checked(conn_.run("INSERT INTO email_tokens (token_hash, user_id, kind, expires_at, created_at) "
                           "VALUES ($1,$2,$3,$4,$5)",
                           t.token_hash, t.user_id, t.kind, t.expires_at, t.created_at),
                 "The mail token could not be stored.");
}

Result<std::optional<EmailToken>> PgUserStore::find_email_token(const std::string& token_hash,
                                                                const std::string& kind) {
  auto q = conn_.exec(
      "SELECT token_hash, user_id, kind, expires_at, used_at, created_at FROM email_tokens "
      "WHERE token_hash = $1 AND kind = $2",
      token_hash, kind);
  if (q.rows() == 0) return std::optional<EmailToken>{};
  return std::optional<EmailToken>{
      EmailToken{q.text(0, 0), q.text(0, 1), q.text(0, 2), q.text(0, 3), q.opt_text(0, 4), q.text(0, 5)}};
}

Status PgUserStore::mark_email_token_used(const std::string& token_hash, const std::string& at) {
  auto r = conn_.run("UPDATE email_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL", at, token_hash);
  if (auto st = checked(r, "The token could not be marked as used."); !st) return st;
  if (r.affected() != 1) return slab5::fail("conflict", "The token was already used.");
  return {};
}

Result<LoginFailures> PgUserStore::login_failures(const std::string& email, std::int64_t since_ms) {
  auto q = conn_.exec("SELECT count(*), coalesce(max(at_ms), 0) FROM login_failures WHERE email = $1 AND at_ms > $2",
                      email, since_ms);
  if (q.rows() == 0) return LoginFailures{};
  return LoginFailures{int(q.integer(0, 0)), q.integer(0, 1)};
}

Status PgUserStore::add_login_failure(const std::string& email, std::int64_t at_ms, std::int64_t forget_ms) {
  if (auto st = checked(conn_.run("DELETE FROM login_failures WHERE email = $1 AND at_ms <= $2", email, forget_ms),
                        "Old sign-in failures could not be forgotten.");
      !st)
    return st;
  return checked(conn_.run("INSERT INTO login_failures (email, at_ms) VALUES ($1, $2)", email, at_ms),
                 "The sign-in failure could not be recorded.");
}

Status PgUserStore::clear_login_failures(const std::string& email) {
  return checked(conn_.run("DELETE FROM login_failures WHERE email = $1", email),
                 "The sign-in failures could not be cleared.");
}

Result<bool> PgUserStore::claim_mail_slot(const std::string& email, std::int64_t now_ms, std::int64_t free_after_ms) {
  // One statement: of two processes claiming at once, the second waits for the first's row
  // and then finds the slot taken.
  auto r = conn_.run(
      "INSERT INTO mail_throttle (email, last_sent_ms) VALUES ($1, $2) "
      "ON CONFLICT (email) DO UPDATE SET last_sent_ms = excluded.last_sent_ms "
      "WHERE mail_throttle.last_sent_ms <= $3",
      email, now_ms, free_after_ms);
  if (auto st = checked(r, "The mail slot could not be claimed."); !st) return tl::unexpected(st.error());
  return r.affected() > 0;
}

Result<std::vector<Membership>> PgUserStore::memberships(const std::string& user_id) {
  auto q = conn_.exec(
      "SELECT workspace_id, role FROM memberships WHERE user_id = $1 "
      "ORDER BY joined_at COLLATE \"C\", workspace_id COLLATE \"C\"",
      user_id);
  std::vector<Membership> out;
  for (int i = 0; i < q.rows(); ++i) out.push_back({q.text(i, 0), q.text(i, 1)});
  return out;
}

Result<std::optional<std::string>> PgUserStore::personal_workspace(const std::string& user_id) {
  auto q = conn_.exec(
      "SELECT m.workspace_id FROM memberships m JOIN workspaces w ON w.id = m.workspace_id "
      "JOIN users u ON u.id = m.user_id WHERE m.user_id = $1 "
      "ORDER BY (w.tenant_id = u.tenant_id) DESC, m.joined_at COLLATE \"C\", w.id COLLATE \"C\" LIMIT 1",
      user_id);
  if (q.rows() == 0) return std::optional<std::string>{};
  return std::optional<std::string>{q.text(0, 0)};
}

// ---- sessions -------------------------------------------------------------------------

Result<std::optional<SessionRecord>> PgSessionStore::find(const std::string& id) {
  auto q = conn_.exec(std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE id = $1", id);
  if (q.rows() == 0) return std::optional<SessionRecord>{};
  return std::optional<SessionRecord>{read_session(q, 0)};
}

Result<std::optional<SessionRecord>> PgSessionStore::find_by_refresh(const std::string& refresh_hash) {
  auto q =
      conn_.exec(std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE refresh_hash = $1", refresh_hash);
  if (q.rows() == 0) return std::optional<SessionRecord>{};
  return std::optional<SessionRecord>{read_session(q, 0)};
}

Result<std::optional<std::string>> PgSessionStore::find_used_refresh(const std::string& refresh_hash) {
  auto q = conn_.exec("SELECT session_id FROM used_refresh_tokens WHERE token_hash = $1", refresh_hash);
  if (q.rows() == 0) return std::optional<std::string>{};
  return std::optional<std::string>{q.text(0, 0)};
}

Result<std::vector<SessionRecord>> PgSessionStore::list_active(const std::string& user_id, const std::string& now,
                                                               const std::optional<std::string>& after, int limit) {
  auto q = conn_.exec(std::string("SELECT ") + kSessionColumns +
                          " FROM sessions WHERE user_id = $1 AND revoked_at IS NULL "
                          "AND expires_at COLLATE \"C\" > $2 AND ($3 = '' OR id COLLATE \"C\" < $4) "
                          "ORDER BY id COLLATE \"C\" DESC LIMIT $5",
                      user_id, now, after.value_or(""), after.value_or(""), limit);
  std::vector<SessionRecord> out;
  for (int i = 0; i < q.rows(); ++i) out.push_back(read_session(q, i));
  return out;
}

Status PgSessionStore::insert(const SessionRecord& s, const std::string& refresh_hash) {
  return checked(conn_.run("INSERT INTO sessions (id, user_id, workspace_id, refresh_hash, created_at, last_used_at, "
                           "expires_at, user_agent, ip) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
                           s.id, s.user_id, null_if_empty(s.workspace_id), refresh_hash, s.created_at, s.last_used_at,
                           s.expires_at, s.user_agent, s.ip),
                 "The session could not be created: its account no longer exists.");
}

Status PgSessionStore::rotate(const std::string& id, const std::string& old_hash, const std::string& new_hash,
                              const std::string& at, const std::string& expires_at) {
  // SQLite's INSERT OR IGNORE: a token remembered already stays as it is; a session that is
  // gone is still a foreign-key hit (OR IGNORE does not apply to foreign keys either).
  if (auto st = checked(conn_.run("INSERT INTO used_refresh_tokens (token_hash, session_id, used_at) "
                                  "VALUES ($1,$2,$3) ON CONFLICT DO NOTHING",
                                  old_hash, id, at),
                        "The used refresh token could not be remembered.");
      !st)
    return st;
  auto r = conn_.run(
      "UPDATE sessions SET refresh_hash = $1, last_used_at = $2, expires_at = $3 WHERE id = $4 AND refresh_hash = $5",
      new_hash, at, expires_at, id, old_hash);
  if (auto st = checked(r, "The refresh token could not be rotated."); !st) return st;
  if (r.affected() != 1) return slab5::fail("conflict", "The refresh token was rotated meanwhile.");
  return {};
}

Status PgSessionStore::touch(const std::string& id, const std::string& at) {
  return checked(conn_.run("UPDATE sessions SET last_used_at = $1 WHERE id = $2", at, id),
                 "The session's last use could not be recorded.");
}

Status PgSessionStore::revoke(const std::string& id, const std::string& at) {
  auto r = conn_.run("UPDATE sessions SET revoked_at = $1, refresh_hash = NULL WHERE id = $2 AND revoked_at IS NULL",
                     at, id);
  if (auto st = checked(r, "The session could not be revoked."); !st) return st;
  if (r.affected() != 1) return slab5::fail("conflict", "The session is already revoked.");
  return {};
}

Result<int> PgSessionStore::revoke_all(const std::string& user_id, const std::string& at) {
  auto r =
      conn_.run("UPDATE sessions SET revoked_at = $1, refresh_hash = NULL WHERE user_id = $2 AND revoked_at IS NULL",
                at, user_id);
  if (auto st = checked(r, "The sessions could not be revoked."); !st) return tl::unexpected(st.error());
  return int(r.affected());
}

// ---- invitations ----------------------------------------------------------------------

Result<std::optional<Invitation>> PgInvitationStore::find(const std::string& workspace_id, const std::string& id) {
  auto q =
      conn_.exec(std::string("SELECT ") + kInvitationColumns + " FROM invitations WHERE id = $1 AND workspace_id = $2",
                 id, workspace_id);
  if (q.rows() == 0) return std::optional<Invitation>{};
  return std::optional<Invitation>{read_invitation(q, 0)};
}

Result<std::optional<Invitation>> PgInvitationStore::find_by_token(const std::string& token_hash) {
  auto q =
      conn_.exec(std::string("SELECT ") + kInvitationColumns + " FROM invitations WHERE token_hash = $1", token_hash);
  if (q.rows() == 0) return std::optional<Invitation>{};
  return std::optional<Invitation>{read_invitation(q, 0)};
}

Result<std::vector<Invitation>> PgInvitationStore::list(const std::string& workspace_id, InvitationFilter filter,
                                                        const std::string& now, const std::optional<std::string>& after,
                                                        int limit) {
  std::string sql = std::string("SELECT ") + kInvitationColumns +
                    " FROM invitations WHERE workspace_id = $1 AND ($2 = '' OR id COLLATE \"C\" < $3) AND ";
  // Every branch uses `now` ($4) once, so the statement's parameters stay in one order.
  switch (filter) {
    case InvitationFilter::Pending:
      sql += "status = 'pending' AND expires_at COLLATE \"C\" > $4";
      break;
    case InvitationFilter::Expired:
      sql += "status = 'pending' AND expires_at COLLATE \"C\" <= $4";
      break;
    case InvitationFilter::Accepted:
      sql += "status = 'accepted' AND $4 <> ''";
      break;
    case InvitationFilter::Revoked:
      sql += "status = 'revoked' AND $4 <> ''";
      break;
    case InvitationFilter::All:
      sql += "$4 <> ''";
      break;
  }
  sql += " ORDER BY id COLLATE \"C\" DESC LIMIT $5";
  auto q = conn_.exec(sql, workspace_id, after.value_or(""), after.value_or(""), now, limit);
  std::vector<Invitation> out;
  for (int i = 0; i < q.rows(); ++i) out.push_back(read_invitation(q, i));
  return out;
}

Result<bool> PgInvitationStore::has_member_email(const std::string& workspace_id, const std::string& email) {
  auto q = conn_.exec(
      "SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id "
      "WHERE m.workspace_id = $1 AND u.email = $2",
      workspace_id, email);
  return q.rows() > 0;
}

Result<std::optional<std::string>> PgInvitationStore::pending_for(const std::string& workspace_id,
                                                                  const std::string& email, const std::string& now) {
  // SQLite reads the first row of its (workspace_id, id) index, the lowest id, when there are
  // several (the domain refuses a second pending invitation, so there are not).
  auto q = conn_.exec(
      "SELECT id FROM invitations WHERE workspace_id = $1 AND email = $2 AND status = 'pending' "
      "AND expires_at COLLATE \"C\" > $3 ORDER BY id COLLATE \"C\" LIMIT 1",
      workspace_id, email, now);
  if (q.rows() == 0) return std::optional<std::string>{};
  return std::optional<std::string>{q.text(0, 0)};
}

Status PgInvitationStore::insert(const Invitation& i, const std::string& token_hash) {
  return checked(conn_.run("INSERT INTO invitations (id, workspace_id, email, role, token_hash, invited_by_type, "
                           "invited_by, status, expires_at, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
                           i.id, i.workspace_id, i.email, i.role, token_hash, i.invited_by_type, i.invited_by, i.status,
                           i.expires_at, i.created_at),
                 "The invitation cannot be written: its workspace no longer exists.");
}

Status PgInvitationStore::revoke(const std::string& id) {
  auto r = conn_.run("UPDATE invitations SET status = 'revoked' WHERE id = $1 AND status = 'pending'", id);
  if (auto st = checked(r, "The invitation could not be revoked."); !st) return st;
  if (r.affected() != 1) return slab5::fail("conflict", "The invitation is no longer pending.");
  return {};
}

Status PgInvitationStore::accept(const Invitation& i, const std::string& user_id, const std::string& at) {
  if (auto st = checked(conn_.run("INSERT INTO memberships (workspace_id, user_id, role, joined_at) "
                                  "VALUES ($1,$2,$3,$4)",
                                  i.workspace_id, user_id, i.role, at),
                        "The invitation cannot be accepted: the account is a member already, or the workspace no "
                        "longer exists.");
      !st)
    return st;
  auto r = conn_.run(
      "UPDATE invitations SET status = 'accepted', accepted_at = $1 WHERE id = $2 AND status = 'pending'", at, i.id);
  if (auto st = checked(r, "The invitation could not be marked as accepted."); !st) return st;
  if (r.affected() != 1) return slab5::fail("conflict", "The invitation is no longer pending.");
  return {};
}

// ---- signing keys ---------------------------------------------------------------------

Result<std::vector<StoredSigningKey>> PgSigningKeyStore::active(const std::string& alg) {
  return read_keys(conn_.exec(std::string("SELECT ") + kKeyColumns +
                                  " FROM signing_keys WHERE active AND alg = $1 "
                                  "ORDER BY created_at COLLATE \"C\" DESC, kid COLLATE \"C\"",
                              alg));
}

Result<std::vector<StoredSigningKey>> PgSigningKeyStore::all_active() {
  // SQLite returns them in the order they were stored (its row ids); a PostgreSQL table has
  // no such order, so they come in the order of their creation times.
  return read_keys(conn_.exec(std::string("SELECT ") + kKeyColumns +
                              " FROM signing_keys WHERE active ORDER BY created_at COLLATE \"C\", kid COLLATE \"C\""));
}

Result<std::optional<StoredSigningKey>> PgSigningKeyStore::find_active(const std::string& kid) {
  auto q = conn_.exec(std::string("SELECT ") + kKeyColumns + " FROM signing_keys WHERE kid = $1 AND active", kid);
  if (q.rows() == 0) return std::optional<StoredSigningKey>{};
  return std::optional<StoredSigningKey>{read_key(q, 0)};
}

Status PgSigningKeyStore::add_committed(const StoredSigningKey& k) {
  if (conn_.in_transaction())
    return slab5::fail("internal_error", "The signing key must be created outside a transaction.");
  PgTx tx(conn_);
  if (auto st = checked(conn_.run("INSERT INTO signing_keys (kid, alg, private_key, public_jwk, created_at, active) "
                                  "VALUES ($1,$2,$3,$4,$5,true)",
                                  k.kid, k.alg, k.private_key, k.public_jwk, k.created_at),
                        "The signing key could not be stored.");
      !st)
    return st;
  tx.commit();
  return {};
}

// ---- the development mailbox ----------------------------------------------------------

Status PgMailStore::insert(const StoredMail& m) {
  return checked(conn_.run("INSERT INTO mail (id, to_addr, subject, kind, token, link, body, created_at) "
                           "VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
                           m.id, m.to, m.subject, m.kind, m.token, m.link, m.body, m.created_at),
                 "The mail could not be stored.");
}

Result<std::vector<StoredMail>> PgMailStore::list(const std::string& to) {
  auto q = conn_.exec(
      "SELECT id, to_addr, subject, kind, token, link, body, created_at FROM mail "
      "WHERE ($1 = '' OR to_addr = $2) ORDER BY id COLLATE \"C\" DESC",
      to, to);
  std::vector<StoredMail> out;
  for (int i = 0; i < q.rows(); ++i)
    out.push_back({q.text(i, 0), q.text(i, 1), q.text(i, 2), q.text(i, 3), q.text(i, 4), q.text(i, 5), q.text(i, 6),
                   q.text(i, 7)});
  return out;
}

Status PgMailStore::clear() { return checked(conn_.run("DELETE FROM mail"), "The mailbox could not be cleared."); }

}  // namespace slab5d
