#include "domain/identity.hpp"

#include "domain/identity_service.hpp"
#include "domain/mail.hpp"
#include "domain/outcome.hpp"
#include "domain/sessions.hpp"
#include "domain/workspaces.hpp"
#include "domain/write.hpp"
#include "slab5/crypto.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"
#include "slab5/token.hpp"

namespace slab5d {

using slab5::Json;

void record_sign_up(WriteUnit& unit, const Actor& as_user, const Json& user_after, const std::string& user_id,
                    const Workspace& ws, int status) {
  unit.record({.action = "user.registered",
               .target_type = "user",
               .target_id = user_id,
               .after = user_after,
               .status = status,
               .emit_event = false,
               .actor = as_user});
  unit.record({.action = "workspace.created",
               .target_type = "workspace",
               .target_id = ws.id,
               .after = ws.to_json(),
               .status = status,
               .emit_event = false,
               .actor = as_user});
}
using slab5::Result;

namespace {

slab5::Status mail_verification(IdentityStore& st, IdentityService& svc, const User& u) {
  std::string token = slab5::random_token(32);
  auto now = slab5::now_millis();
  OUTCOME_CHECK(st.users->insert_email_token({.token_hash = slab5::token_hash(token),
                                              .user_id = u.id,
                                              .kind = "verify_email",
                                              .expires_at = slab5::format_rfc3339(now + kVerifyTokenLifetimeMs),
                                              .created_at = slab5::format_rfc3339(now)}));
  Mail m;
  m.to = u.email;
  m.kind = "verify_email";
  m.subject = "Verify your email address for Slab5";
  m.token = token;
  m.link = svc.base_url() + "/verify-email?token=" + token;
  m.body = "Welcome to Slab5.\n\nConfirm your email address with:\n\n  slab5 auth verify-email " + token +
           "\n\nor open " + m.link + "\n\nThe link is valid for 24 hours.\n";
  OUTCOME_CHECK(send_mail(*st.mail, svc.mail(), m));
  return {};
}

slab5::Status mail_already_registered(IdentityStore& st, IdentityService& svc, const User& u) {
  Mail m;
  m.to = u.email;
  m.kind = "already_registered";
  m.subject = "You already have a Slab5 account";
  m.link = svc.base_url();
  m.body =
      "Someone (hopefully you) tried to register a Slab5 account with this address, but it already has "
      "one.\n\nSign in with 'slab5 login'. If you did not ask for this, ignore this mail.\n";
  OUTCOME_CHECK(send_mail(*st.mail, svc.mail(), m));
  return {};
}

Result<bool> claim_mail_slot(UserStore& users, const std::string& email) {
  auto now = slab5::now_millis();
  return users.claim_mail_slot(email, now, now - kMailIntervalMs);
}

}  // namespace

Json user_json(const User& u) {
  return {{"id", u.id},
          {"email", u.email},
          {"name", u.name},
          {"tenant_id", u.tenant_id},
          {"email_verified", u.email_verified_at.has_value()},
          {"email_verified_at", u.email_verified_at ? Json(*u.email_verified_at) : Json(nullptr)},
          {"created_at", u.created_at},
          {"updated_at", u.updated_at}};
}

Result<User> insert_user(UserStore& users, const std::string& tenant_id, const std::string& email,
                         const std::string& name, const std::optional<std::string>& password_hash, bool verified) {
  User u;
  u.id = slab5::new_id("usr");
  u.tenant_id = tenant_id;
  u.email = email;
  u.name = name;
  u.password_hash = password_hash;
  u.created_at = u.updated_at = slab5::now_rfc3339();
  if (verified) u.email_verified_at = u.created_at;
  OUTCOME_CHECK(users.insert(u));
  return u;
}

Actor audit_actor(Conn& db, const Actor& caller, const std::string& type, const std::string& id,
                  const std::optional<std::string>& workspace_id) {
  Actor a = caller;
  a.type = type;
  a.id = id;
  if (workspace_id && !workspace_id->empty()) {
    a.workspace_id = *workspace_id;
    if (auto w = find_workspace(db, *workspace_id)) a.tenant_id = w->tenant_id;
  }
  return a;
}

slab5::Status claim_unverified_account(WriteUnit& unit, IdentityStore& st, User& user,
                                       const std::optional<std::string>& new_password_hash, const std::string& via,
                                       const std::optional<std::string>& workspace_id) {
  std::string at = slab5::now_rfc3339();
  Json before = user_json(user);
  bool had_password = user.password_hash.has_value();
  user.email_verified_at = at;
  user.password_hash = new_password_hash;
  user.updated_at = at;
  OUTCOME_CHECK(st.users->update(user));
  OUTCOME_TRY(revoked, st.sessions->revoke_all(user.id, at));
  std::optional<std::string> ws = workspace_id;
  if (!ws) {
    OUTCOME_TRY(personal, st.users->personal_workspace(user.id));
    ws = personal;
  }
  Json after = user_json(user);
  after["via"] = via;
  // What happened to the password the unproved registration had set: never the hash (and
  // not under "password", a field the audit trail strips as a secret).
  after["password_change"] = new_password_hash ? "replaced" : (had_password ? "cleared" : "none");
  after["sessions_revoked"] = revoked;
  unit.record({.action = "user.email_verified",
               .target_type = "user",
               .target_id = user.id,
               .before = std::move(before),
               .after = std::move(after),
               .status = status_of(Outcome::Done),
               .emit_event = false,
               .actor = audit_actor(unit.db(), unit.actor(), "user", user.id, ws)});
  return {};
}

slab5::Status check_email(const char* field, const std::string& email) {
  auto at = email.find('@');
  bool ok = email.size() >= 3 && email.size() <= 254 && at != std::string::npos && at > 0 && at == email.rfind('@') &&
            at + 1 < email.size() && email.find('.', at) != std::string::npos && email.back() != '.';
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

Result<Json> register_account(Conn& db, IdentityService& svc, const Actor& actor, const RequestMeta& meta,
                              const Registration& in) {
  Json answer = {{"status", "verification_sent"}, {"email", in.email}};
  auto& st = db.identity();
  WriteUnit unit(db, actor, meta);
  OUTCOME_TRY(existing, st.users->find_by_email(in.email));
  if (existing) {
    // Same answer as for a new address; the owner of the address learns about it by mail.
    OUTCOME_TRY(slot, claim_mail_slot(*st.users, in.email));
    if (slot) OUTCOME_CHECK(mail_already_registered(st, svc, *existing));
    OUTCOME_CHECK(unit.commit());
    return answer;
  }
  bool verified = svc.config().auto_verify;
  std::string tenant = slab5::new_id("ten");
  OUTCOME_CHECK(st.users->insert_tenant(tenant, in.name.empty() ? in.email : in.name, slab5::now_rfc3339()));
  OUTCOME_TRY(u, insert_user(*st.users, tenant, in.email, in.name, in.password_hash, verified));
  Workspace ws = create_workspace(db, "Personal Workspace", derive_slug(db, "personal"), tenant, u.id);

  // The new user acts, in their new workspace.
  Actor as_user = actor;
  as_user.type = "user";
  as_user.id = u.id;
  as_user.workspace_id = ws.id;
  as_user.tenant_id = tenant;
  int status = status_of(Outcome::Accepted);
  record_sign_up(unit, as_user, user_json(u), u.id, ws, status);
  if (!verified) {
    OUTCOME_CHECK(claim_mail_slot(*st.users, in.email));
    OUTCOME_CHECK(mail_verification(st, svc, u));
  }
  OUTCOME_CHECK(unit.commit());
  return answer;
}

Result<Json> verify_email(Conn& db, const Actor& actor, const RequestMeta& meta, const std::string& token) {
  auto& st = db.identity();
  WriteUnit unit(db, actor, meta);
  std::string hash = slab5::token_hash(token);
  OUTCOME_TRY(row, st.users->find_email_token(hash, "verify_email"));
  if (!row) return slab5::fail("invalid_request", "The verification token is not valid.");
  if (row->used_at) return slab5::fail("token_expired", "The verification token was already used.");
  if (slab5::parse_rfc3339(row->expires_at).value_or(0) <= slab5::now_millis())
    return slab5::fail("token_expired", "The verification token has expired.");
  OUTCOME_TRY(user, st.users->find(row->user_id));
  if (!user) return slab5::fail("invalid_request", "The verification token is not valid.");
  std::string now = slab5::now_rfc3339();
  OUTCOME_CHECK(st.users->mark_email_token_used(hash, now));
  if (!user->email_verified_at) {
    Json before = user_json(*user);
    user->email_verified_at = now;
    user->updated_at = now;
    OUTCOME_CHECK(st.users->update(*user));
    OUTCOME_TRY(ws, st.users->personal_workspace(user->id));
    unit.record({.action = "user.email_verified",
                 .target_type = "user",
                 .target_id = user->id,
                 .before = std::move(before),
                 .after = user_json(*user),
                 .status = status_of(Outcome::Done),
                 .emit_event = false,
                 .actor = audit_actor(db, actor, "user", user->id, ws)});
  }
  OUTCOME_CHECK(unit.commit());
  return Json{{"user", user_json(*user)}};
}

Result<Json> resend_verification(Conn& db, IdentityService& svc, const Actor& actor, const RequestMeta& meta,
                                 const std::string& email) {
  Json answer = {{"status", "verification_sent"}, {"email", email}};
  auto& st = db.identity();
  WriteUnit unit(db, actor, meta);
  OUTCOME_TRY(user, st.users->find_by_email(email));
  // Unknown and verified addresses get the same answer and no mail.
  if (user && !user->email_verified_at) {
    OUTCOME_TRY(slot, claim_mail_slot(*st.users, email));
    if (slot) OUTCOME_CHECK(mail_verification(st, svc, *user));
  }
  OUTCOME_CHECK(unit.commit());
  return answer;
}

Result<Json> describe_session_user(Conn& db, const Actor& actor) {
  auto& st = db.identity();
  OUTCOME_TRY(user, st.users->find(actor.user_id));
  if (!user) return slab5::fail("unauthorized", "The session's user no longer exists.");
  OUTCOME_TRY(rows, st.users->memberships(user->id));
  Json memberships = Json::array();
  for (const auto& m : rows)
    if (auto w = find_workspace(db, m.workspace_id))
      memberships.push_back({{"workspace", w->to_json()}, {"role", m.role}});
  OUTCOME_TRY(session, st.sessions->find(actor.credential_id));
  Json current = session ? session_json(*session, actor.credential_id) : Json(nullptr);
  return Json{{"user", user_json(*user)}, {"memberships", memberships}, {"session", current}};
}

}  // namespace slab5d
