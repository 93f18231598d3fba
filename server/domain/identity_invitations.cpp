#include "domain/identity_invitations.hpp"

#include "app.hpp"
#include "domain/audit.hpp"
#include "domain/identity.hpp"
#include "domain/identity_service.hpp"
#include "domain/mail.hpp"
#include "domain/sessions.hpp"
#include "domain/workspaces.hpp"
#include "slab5/crypto.hpp"
#include "slab5/ids.hpp"
#include "slab5/token.hpp"

namespace slab5d {

using slab5::Json;
using slab5::Result;

namespace {
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

slab5::Error owner_needed(const std::string& what) {
  return slab5::Error{"forbidden", "Only an owner may " + what + " an invitation with the owner role.",
                      {{"required_role", "owner"}}};
}
bool caller_is_owner(const Ctx& ctx) { return ctx.who.is_session() && ctx.who.role == "owner"; }
}  // namespace

std::string Invitation::effective_status(slab5::Millis now) const {
  if (status == "pending" && slab5::parse_rfc3339(expires_at).value_or(0) <= now) return "expired";
  return status;
}

Json Invitation::to_json(slab5::Millis now) const {
  return {{"id", id},
          {"workspace_id", workspace_id},
          {"email", email},
          {"role", role},
          {"status", effective_status(now)},
          {"invited_by", {{"type", invited_by_type}, {"id", invited_by}}},
          {"expires_at", expires_at},
          {"created_at", created_at},
          {"accepted_at", accepted_at ? Json(*accepted_at) : Json(nullptr)}};
}

std::optional<Invitation> find_invitation(Db& db, const std::string& workspace_id, const std::string& id) {
  auto q = db.query(std::string("SELECT ") + kInvitationColumns + " FROM invitations WHERE id = ? AND workspace_id = ?",
                    id, workspace_id);
  if (!q.next()) return std::nullopt;
  return read_invitation(q);
}

std::vector<Invitation> list_invitations(Db& db, const std::string& workspace_id, const std::string& status,
                                         const std::optional<std::string>& after, int limit) {
  std::string now = slab5::format_rfc3339(slab5::now_millis());
  std::string sql = std::string("SELECT ") + kInvitationColumns +
                    " FROM invitations WHERE workspace_id = ? AND (? = '' OR id < ?) AND ";
  if (status == "pending") sql += "status = 'pending' AND expires_at > ?";
  else if (status == "expired") sql += "status = 'pending' AND expires_at <= ?";
  else if (status == "all") sql += "? <> ''";
  else sql += "status = '" + std::string(status == "accepted" ? "accepted" : "revoked") + "' AND ? <> ''";
  sql += " ORDER BY id DESC LIMIT ?";
  auto q = db.query(sql, workspace_id, after.value_or(""), after.value_or(""), now, limit);
  std::vector<Invitation> out;
  while (q.next()) out.push_back(read_invitation(q));
  return out;
}

Result<Json> create_invitation(Ctx& ctx, const std::string& email, const std::string& role) {
  if (role == "owner" && !caller_is_owner(ctx)) return tl::unexpected(owner_needed("send"));
  auto now = slab5::now_millis();
  Tx tx(ctx.db);
  {
    auto q = ctx.db.query("SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id "
                          "WHERE m.workspace_id = ? AND u.email = ?",
                          ctx.who.workspace_id, email);
    if (q.next()) return slab5::fail("conflict", email + " is already a member of this workspace.");
  }
  {
    auto q = ctx.db.query("SELECT id FROM invitations WHERE workspace_id = ? AND email = ? AND status = 'pending' "
                          "AND expires_at > ?",
                          ctx.who.workspace_id, email, slab5::format_rfc3339(now));
    if (q.next())
      return slab5::fail("conflict", "A pending invitation (" + q.text(0) + ") already exists for " + email +
                                         "; revoke it first to send a new one.");
  }
  auto ws = find_workspace(ctx.db, ctx.who.workspace_id);
  if (!ws) return slab5::fail("workspace_not_found");
  std::string token = slab5::random_token(32);
  Invitation inv;
  inv.id = slab5::new_id("inv");
  inv.workspace_id = ws->id;
  inv.email = email;
  inv.role = role;
  inv.invited_by_type = ctx.who.actor_type();
  inv.invited_by = ctx.who.actor_id();
  inv.status = "pending";
  inv.created_at = slab5::format_rfc3339(now);
  inv.expires_at = slab5::format_rfc3339(now + kInvitationLifetimeMs);
  ctx.db.query("INSERT INTO invitations (id, workspace_id, email, role, token_hash, invited_by_type, invited_by, "
               "status, expires_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
               inv.id, inv.workspace_id, inv.email, inv.role, slab5::token_hash(token), inv.invited_by_type,
               inv.invited_by, inv.status, inv.expires_at, inv.created_at)
      .run();
  Mail m;
  m.to = email;
  m.kind = "invitation";
  m.subject = "You are invited to the Slab5 workspace " + ws->name;
  m.token = token;
  m.link = ctx.app.base_url() + "/accept-invite?token=" + token;
  m.body = "You have been invited to join the Slab5 workspace \"" + ws->name + "\" as " + role +
           ".\n\nAccept with:\n\n  slab5 auth accept-invite " + token + "\n\nor open " + m.link +
           "\n\nThe invitation is valid for 7 days.\n";
  send_mail(ctx.app, ctx.db, m);
  Json out = inv.to_json(now);
  AuditEvent ev = audit_from(ctx, "member.invited", "invitation", inv.id, 201);
  ev.after = out;
  record_audit(ctx.db, std::move(ev));
  tx.commit();
  return out;
}

slab5::Status revoke_invitation(Ctx& ctx, const std::string& id) {
  auto now = slab5::now_millis();
  Tx tx(ctx.db);
  auto inv = find_invitation(ctx.db, ctx.who.workspace_id, id);
  if (!inv) return slab5::fail("resource_not_found", "No invitation " + id + " exists in this workspace.");
  if (inv->role == "owner" && !caller_is_owner(ctx)) return tl::unexpected(owner_needed("revoke"));
  auto status = inv->effective_status(now);
  if (status != "pending") return slab5::fail("conflict", "The invitation is " + status + "; only a pending one can be revoked.");
  ctx.db.query("UPDATE invitations SET status = 'revoked' WHERE id = ?", id).run();
  AuditEvent ev = audit_from(ctx, "invitation.revoked", "invitation", id, 204);
  ev.before = inv->to_json(now);
  inv->status = "revoked";
  ev.after = inv->to_json(now);
  record_audit(ctx.db, std::move(ev));
  tx.commit();
  return {};
}

Result<Json> accept_invitation(Ctx& ctx, IdentityService& svc, const std::string& token,
                               const std::optional<std::string>& password_hash, const std::optional<std::string>& name) {
  auto now = slab5::now_millis();
  Tx tx(ctx.db);
  std::optional<Invitation> inv;
  {
    auto q = ctx.db.query(std::string("SELECT ") + kInvitationColumns + " FROM invitations WHERE token_hash = ?",
                          slab5::token_hash(token));
    if (q.next()) inv = read_invitation(q);
  }
  if (!inv) return slab5::fail("invalid_request", "The invitation token is not valid.");
  auto status = inv->effective_status(now);
  if (status != "pending") return slab5::fail("token_expired", "The invitation is " + status + ".");
  auto ws = find_workspace(ctx.db, inv->workspace_id);
  if (!ws) return slab5::fail("token_expired", "The invitation's workspace no longer exists.");

  auto user = find_user_by_email(ctx.db, inv->email);
  bool created = false;
  if (!user) {
    if (!password_hash)
      return tl::unexpected(slab5::validation_error("password", "is required: " + inv->email + " has no account yet"));
    // The invitee joins the inviting tenant; following the mailed link proves the address.
    user = insert_user(ctx.db, ws->tenant_id, inv->email, name.value_or(""), password_hash, true);
    created = true;
  } else if (membership_role(ctx.db, ws->id, user->id)) {
    return slab5::fail("conflict", inv->email + " is already a member of this workspace.");
  } else if (!user->email_verified_at) {
    // Registered but never verified: anyone can register any address, so the password set
    // then proves nothing. Accepting proves the mailbox; the accepter chooses the password.
    if (!password_hash)
      return tl::unexpected(slab5::validation_error(
          "password", "is required: the account for " + inv->email +
                          " was never verified, so its password is chosen now (the one set at registration is "
                          "discarded)"));
    if (name) {
      ctx.db.query("UPDATE users SET name = ? WHERE id = ?", *name, user->id).run();
      user->name = *name;
    }
    claim_unverified_account(ctx, *user, password_hash, "invitation", ws->id);
  }
  std::string at = slab5::format_rfc3339(now);
  if (!user->email_verified_at) {
    ctx.db.query("UPDATE users SET email_verified_at = ?, updated_at = ? WHERE id = ?", at, at, user->id).run();
    user->email_verified_at = at;
  }
  ctx.db.query("INSERT INTO memberships (workspace_id, user_id, role, joined_at) VALUES (?,?,?,?)", ws->id, user->id,
               inv->role, at)
      .run();
  ctx.db.query("UPDATE invitations SET status = 'accepted', accepted_at = ? WHERE id = ?", at, inv->id).run();

  auto event = [&](std::string action, std::string ttype, std::string tid, std::optional<Json> before, Json after) {
    AuditEvent ev = audit_from(ctx, std::move(action), std::move(ttype), std::move(tid), 200);
    ev.workspace_id = ws->id;
    ev.tenant_id = ws->tenant_id;
    ev.actor_type = "user";
    ev.actor_id = user->id;
    ev.before = std::move(before);
    ev.after = std::move(after);
    record_audit(ctx.db, std::move(ev));
  };
  if (created) event("user.registered", "user", user->id, std::nullopt, user->to_json());
  Json before = inv->to_json(now);
  inv->status = "accepted";
  inv->accepted_at = at;
  Json after = inv->to_json(now);
  after["user_id"] = user->id;
  event("invitation.accepted", "invitation", inv->id, before, after);
  Json out = start_session(ctx, svc, *user, ws->id);
  tx.commit();
  return out;
}

}  // namespace slab5d
