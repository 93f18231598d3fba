#include "domain/identity.hpp"

#include "app.hpp"
#include "domain/audit.hpp"
#include "domain/identity_service.hpp"
#include "domain/mail.hpp"
#include "domain/sessions.hpp"
#include "domain/workspaces.hpp"
#include "slab5/crypto.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"
#include "slab5/token.hpp"

namespace slab5d {

using slab5::Json;
using slab5::Result;

namespace {
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

std::string now_text() { return slab5::format_rfc3339(slab5::now_millis()); }

void mail_verification(Ctx& ctx, const User& u) {
  std::string token = slab5::random_token(32);
  auto now = slab5::now_millis();
  ctx.db.query("INSERT INTO email_tokens (token_hash, user_id, kind, expires_at, created_at) VALUES (?,?,?,?,?)",
               slab5::token_hash(token), u.id, "verify_email",
               slab5::format_rfc3339(now + kVerifyTokenLifetimeMs), slab5::format_rfc3339(now))
      .run();
  Mail m;
  m.to = u.email;
  m.kind = "verify_email";
  m.subject = "Verify your email address for Slab5";
  m.token = token;
  m.link = ctx.app.base_url() + "/verify-email?token=" + token;
  m.body = "Welcome to Slab5.\n\nConfirm your email address with:\n\n  slab5 auth verify-email " + token +
           "\n\nor open " + m.link + "\n\nThe link is valid for 24 hours.\n";
  send_mail(ctx.app, ctx.db, m);
}

void mail_already_registered(Ctx& ctx, const User& u) {
  Mail m;
  m.to = u.email;
  m.kind = "already_registered";
  m.subject = "You already have a Slab5 account";
  m.link = ctx.app.base_url();
  m.body = "Someone (hopefully you) tried to register a Slab5 account with this address, but it already has "
           "one.\n\nSign in with 'slab5 login'. If you did not ask for this, ignore this mail.\n";
  send_mail(ctx.app, ctx.db, m);
}
}  // namespace

Json User::to_json() const {
  return {{"id", id},
          {"email", email},
          {"name", name},
          {"tenant_id", tenant_id},
          {"email_verified", email_verified_at.has_value()},
          {"email_verified_at", email_verified_at ? Json(*email_verified_at) : Json(nullptr)},
          {"created_at", created_at},
          {"updated_at", updated_at}};
}

std::optional<User> find_user(Db& db, const std::string& id) {
  auto q = db.query(std::string("SELECT ") + kUserColumns + " FROM users WHERE id = ?", id);
  if (!q.next()) return std::nullopt;
  return read_user(q);
}

std::optional<User> find_user_by_email(Db& db, const std::string& email) {
  auto q = db.query(std::string("SELECT ") + kUserColumns + " FROM users WHERE email = ?", email);
  if (!q.next()) return std::nullopt;
  return read_user(q);
}

User insert_user(Db& db, const std::string& tenant_id, const std::string& email, const std::string& name,
                 const std::optional<std::string>& password_hash, bool verified) {
  User u;
  u.id = slab5::new_id("usr");
  u.tenant_id = tenant_id;
  u.email = email;
  u.name = name;
  u.password_hash = password_hash;
  u.created_at = u.updated_at = now_text();
  if (verified) u.email_verified_at = u.created_at;
  db.query("INSERT INTO users (id, tenant_id, email, name, password_hash, email_verified_at, created_at, updated_at) "
           "VALUES (?,?,?,?,?,?,?,?)",
           u.id, u.tenant_id, u.email, u.name, u.password_hash, u.email_verified_at, u.created_at, u.updated_at)
      .run();
  return u;
}

void claim_unverified_account(Ctx& ctx, User& user, const std::optional<std::string>& new_password_hash,
                              const std::string& via, const std::optional<std::string>& workspace_id) {
  std::string at = now_text();
  Json before = user.to_json();
  bool had_password = user.password_hash.has_value();
  ctx.db.query("UPDATE users SET email_verified_at = ?, password_hash = ?, updated_at = ? WHERE id = ?", at,
               new_password_hash, at, user.id)
      .run();
  int revoked = revoke_user_sessions(ctx.db, user.id, at);
  user.email_verified_at = at;
  user.password_hash = new_password_hash;
  user.updated_at = at;
  AuditEvent ev = audit_from(ctx, "user.email_verified", "user", user.id, 200);
  std::optional<std::string> ws = workspace_id ? workspace_id : personal_workspace_id(ctx.db, user.id);
  if (ws) {
    ev.workspace_id = *ws;
    if (auto w = find_workspace(ctx.db, *ws)) ev.tenant_id = w->tenant_id;
  }
  ev.actor_type = "user";
  ev.actor_id = user.id;
  ev.before = std::move(before);
  Json after = user.to_json();
  after["via"] = via;
  // What happened to the password the unproved registration had set: never the hash (and
  // not under "password", a field the audit trail strips as a secret).
  after["password_change"] = new_password_hash ? "replaced" : (had_password ? "cleared" : "none");
  after["sessions_revoked"] = revoked;
  ev.after = std::move(after);
  record_audit(ctx.db, std::move(ev));
}

slab5::Status check_email(const char* field, const std::string& email) {
  auto at = email.find('@');
  bool ok = email.size() >= 3 && email.size() <= 254 && at != std::string::npos && at > 0 &&
            at == email.rfind('@') && at + 1 < email.size() && email.find('.', at) != std::string::npos &&
            email.back() != '.';
  for (char c : email)
    if ((unsigned char)c <= 0x20 || c == 0x7f) ok = false;
  if (!ok) return tl::unexpected(slab5::validation_error(field, "must be an email address"));
  return {};
}

slab5::Status check_password(const char* field, const std::string& password) {
  if (password.size() < 8 || password.size() > 1024)
    return tl::unexpected(slab5::validation_error(field, "must be 8-1024 bytes"));
  return {};
}

slab5::Status check_name(const char* field, const std::optional<std::string>& name) {
  if (name && name->size() > 200) return tl::unexpected(slab5::validation_error(field, "must be at most 200 bytes"));
  return {};
}

std::optional<std::string> personal_workspace_id(Db& db, const std::string& user_id) {
  auto q = db.query("SELECT m.workspace_id FROM memberships m JOIN workspaces w ON w.id = m.workspace_id "
                    "JOIN users u ON u.id = m.user_id WHERE m.user_id = ? "
                    "ORDER BY (w.tenant_id = u.tenant_id) DESC, m.joined_at, w.id LIMIT 1",
                    user_id);
  if (!q.next()) return std::nullopt;
  return q.text(0);
}

bool claim_mail_slot(Db& db, const std::string& email) {
  auto now = slab5::now_millis();
  db.query("INSERT INTO mail_throttle (email, last_sent_ms) VALUES (?, ?) "
           "ON CONFLICT(email) DO UPDATE SET last_sent_ms = excluded.last_sent_ms "
           "WHERE mail_throttle.last_sent_ms <= ?",
           email, now, now - kMailIntervalMs)
      .run();
  return db.changes() > 0;
}

Result<Json> register_account(Ctx& ctx, const std::string& email, const std::string& password_hash,
                              const std::string& name) {
  Json answer = {{"status", "verification_sent"}, {"email", email}};
  Tx tx(ctx.db);
  if (auto existing = find_user_by_email(ctx.db, email)) {
    // Same answer as for a new address; the owner of the address learns about it by mail.
    if (claim_mail_slot(ctx.db, email)) mail_already_registered(ctx, *existing);
    tx.commit();
    return answer;
  }
  bool verified = ctx.app.config().auto_verify;
  std::string tenant = slab5::new_id("ten");
  ctx.db.query("INSERT INTO tenants (id, name, created_at) VALUES (?,?,?)", tenant, name.empty() ? email : name,
               now_text())
      .run();
  User u = insert_user(ctx.db, tenant, email, name, password_hash, verified);
  Workspace ws = create_workspace(ctx.db, "Personal Workspace", derive_slug(ctx.db, "personal"), tenant, u.id);

  auto event = [&](std::string action, std::string ttype, std::string tid, Json after) {
    AuditEvent ev = audit_from(ctx, std::move(action), std::move(ttype), std::move(tid), 202);
    ev.workspace_id = ws.id;
    ev.tenant_id = tenant;
    ev.actor_type = "user";
    ev.actor_id = u.id;
    ev.after = std::move(after);
    record_audit(ctx.db, std::move(ev));
  };
  event("user.registered", "user", u.id, u.to_json());
  event("workspace.created", "workspace", ws.id, ws.to_json());
  if (!verified) {
    claim_mail_slot(ctx.db, email);
    mail_verification(ctx, u);
  }
  tx.commit();
  return answer;
}

Result<Json> verify_email(Ctx& ctx, const std::string& token) {
  Tx tx(ctx.db);
  std::string user_id;
  slab5::Millis expires = 0;
  bool used = false;
  {
    auto q = ctx.db.query("SELECT user_id, expires_at, used_at FROM email_tokens WHERE token_hash = ? AND kind = ?",
                          slab5::token_hash(token), "verify_email");
    if (!q.next()) return slab5::fail("invalid_request", "The verification token is not valid.");
    user_id = q.text(0);
    expires = slab5::parse_rfc3339(q.text(1)).value_or(0);
    used = !q.is_null(2);
  }
  if (used) return slab5::fail("token_expired", "The verification token was already used.");
  if (expires <= slab5::now_millis()) return slab5::fail("token_expired", "The verification token has expired.");
  auto user = find_user(ctx.db, user_id);
  if (!user) return slab5::fail("invalid_request", "The verification token is not valid.");
  std::string now = now_text();
  ctx.db.query("UPDATE email_tokens SET used_at = ? WHERE token_hash = ?", now, slab5::token_hash(token)).run();
  bool was_verified = user->email_verified_at.has_value();
  Json before = user->to_json();
  if (!was_verified) {
    ctx.db.query("UPDATE users SET email_verified_at = ?, updated_at = ? WHERE id = ?", now, now, user->id).run();
    user->email_verified_at = now;
    user->updated_at = now;
    AuditEvent ev = audit_from(ctx, "user.email_verified", "user", user->id, 200);
    if (auto ws = personal_workspace_id(ctx.db, user->id)) {
      ev.workspace_id = *ws;
      if (auto w = find_workspace(ctx.db, *ws)) ev.tenant_id = w->tenant_id;
    }
    ev.actor_type = "user";
    ev.actor_id = user->id;
    ev.before = before;
    ev.after = user->to_json();
    record_audit(ctx.db, std::move(ev));
  }
  tx.commit();
  return Json{{"user", user->to_json()}};
}

Result<Json> resend_verification(Ctx& ctx, const std::string& email) {
  Json answer = {{"status", "verification_sent"}, {"email", email}};
  Tx tx(ctx.db);
  auto user = find_user_by_email(ctx.db, email);
  // Unknown and verified addresses get the same answer and no mail.
  if (user && !user->email_verified_at && claim_mail_slot(ctx.db, email)) mail_verification(ctx, *user);
  tx.commit();
  return answer;
}

}  // namespace slab5d
