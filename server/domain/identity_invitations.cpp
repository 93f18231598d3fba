#include "domain/identity_invitations.hpp"

#include "domain/identity.hpp"
#include "domain/identity_service.hpp"
#include "domain/mail.hpp"
#include "domain/outcome.hpp"
#include "domain/sessions.hpp"
#include "domain/workspaces.hpp"
#include "domain/write.hpp"
#include "slab5/crypto.hpp"
#include "slab5/ids.hpp"
#include "slab5/token.hpp"

namespace slab5d {

using slab5::Json;
using slab5::Result;

namespace {
slab5::Error owner_needed(const std::string& what) {
  return slab5::Error{
      "forbidden", "Only an owner may " + what + " an invitation with the owner role.", {{"required_role", "owner"}}};
}
}  // namespace

std::string invitation_status(const Invitation& i, slab5::Millis now) {
  if (i.status == "pending" && slab5::parse_rfc3339(i.expires_at).value_or(0) <= now) return "expired";
  return i.status;
}

Json invitation_json(const Invitation& i, slab5::Millis now) {
  return {{"id", i.id},
          {"workspace_id", i.workspace_id},
          {"email", i.email},
          {"role", i.role},
          {"status", invitation_status(i, now)},
          {"invited_by", {{"type", i.invited_by_type}, {"id", i.invited_by}}},
          {"expires_at", i.expires_at},
          {"created_at", i.created_at},
          {"accepted_at", i.accepted_at ? Json(*i.accepted_at) : Json(nullptr)}};
}

std::optional<InvitationFilter> invitation_filter(std::string_view s) {
  if (s == "pending") return InvitationFilter::Pending;
  if (s == "accepted") return InvitationFilter::Accepted;
  if (s == "revoked") return InvitationFilter::Revoked;
  if (s == "expired") return InvitationFilter::Expired;
  if (s == "all") return InvitationFilter::All;
  return std::nullopt;
}

Result<std::vector<Invitation>> list_invitations(Conn& db, const Actor& actor, InvitationFilter filter,
                                                 const std::optional<std::string>& after, int limit) {
  return db.identity().invitations->list(actor.workspace_id, filter, slab5::format_rfc3339(slab5::now_millis()), after,
                                         limit);
}

Result<Json> create_invitation(Conn& db, const MailSettings& mail, const Actor& actor, const RequestMeta& meta,
                               const NewInvitation& in) {
  if (in.role == "owner" && !caller_is_owner(actor)) return tl::unexpected(owner_needed("send"));
  auto now = slab5::now_millis();
  auto& st = db.identity();
  WriteUnit unit(db, actor, meta);
  OUTCOME_TRY(member, st.invitations->has_member_email(actor.workspace_id, in.email));
  if (member) return slab5::fail("conflict", in.email + " is already a member of this workspace.");
  OUTCOME_TRY(pending, st.invitations->pending_for(actor.workspace_id, in.email, slab5::format_rfc3339(now)));
  if (pending)
    return slab5::fail("conflict", "A pending invitation (" + *pending + ") already exists for " + in.email +
                                       "; revoke it first to send a new one.");
  auto ws = find_workspace(db, actor.workspace_id);
  if (!ws) return slab5::fail("workspace_not_found");
  std::string token = slab5::random_token(32);
  Invitation inv;
  inv.id = slab5::new_id("inv");
  inv.workspace_id = ws->id;
  inv.email = in.email;
  inv.role = in.role;
  inv.invited_by_type = actor.type;
  inv.invited_by = actor.id;
  inv.status = "pending";
  inv.created_at = slab5::format_rfc3339(now);
  inv.expires_at = slab5::format_rfc3339(now + kInvitationLifetimeMs);
  OUTCOME_CHECK(st.invitations->insert(inv, slab5::token_hash(token)));
  Mail m;
  m.to = in.email;
  m.kind = "invitation";
  m.subject = "You are invited to the Slab5 workspace " + ws->name;
  m.token = token;
  m.link = mail.base_url + "/accept-invite?token=" + token;
  m.body = "You have been invited to join the Slab5 workspace \"" + ws->name + "\" as " + in.role +
           ".\n\nAccept with:\n\n  slab5 auth accept-invite " + token + "\n\nor open " + m.link +
           "\n\nThe invitation is valid for 7 days.\n";
  OUTCOME_CHECK(send_mail(*st.mail, mail, m));
  Json out = invitation_json(inv, now);
  unit.record({.action = "member.invited",
               .target_type = "invitation",
               .target_id = inv.id,
               .after = out,
               .status = status_of(Outcome::Created),
               .emit_event = true});
  OUTCOME_CHECK(unit.commit());
  return out;
}

slab5::Status revoke_invitation(Conn& db, const Actor& actor, const RequestMeta& meta, const std::string& id) {
  auto now = slab5::now_millis();
  auto& st = db.identity();
  WriteUnit unit(db, actor, meta);
  OUTCOME_TRY(inv, st.invitations->find(actor.workspace_id, id));
  if (!inv) return slab5::fail("resource_not_found", "No invitation " + id + " exists in this workspace.");
  if (inv->role == "owner" && !caller_is_owner(actor)) return tl::unexpected(owner_needed("revoke"));
  auto status = invitation_status(*inv, now);
  if (status != "pending")
    return slab5::fail("conflict", "The invitation is " + status + "; only a pending one can be revoked.");
  OUTCOME_CHECK(st.invitations->revoke(id));
  Json before = invitation_json(*inv, now);
  inv->status = "revoked";
  unit.record({.action = "invitation.revoked",
               .target_type = "invitation",
               .target_id = id,
               .before = std::move(before),
               .after = invitation_json(*inv, now),
               .status = status_of(Outcome::Removed),
               .emit_event = true});
  return unit.commit();
}

Result<Json> accept_invitation(Conn& db, IdentityService& svc, const Actor& actor, const RequestMeta& meta,
                               const InvitationAcceptance& in) {
  auto now = slab5::now_millis();
  auto& st = db.identity();
  WriteUnit unit(db, actor, meta);
  OUTCOME_TRY(inv, st.invitations->find_by_token(slab5::token_hash(in.token)));
  if (!inv) return slab5::fail("invalid_request", "The invitation token is not valid.");
  auto status = invitation_status(*inv, now);
  if (status != "pending") return slab5::fail("token_expired", "The invitation is " + status + ".");
  auto ws = find_workspace(db, inv->workspace_id);
  if (!ws) return slab5::fail("token_expired", "The invitation's workspace no longer exists.");

  OUTCOME_TRY(user, st.users->find_by_email(inv->email));
  bool created = false;
  if (!user) {
    if (!in.password_hash)
      return tl::unexpected(slab5::validation_error("password", "is required: " + inv->email + " has no account yet"));
    // The invitee joins the inviting tenant; following the mailed link proves the address.
    OUTCOME_TRY(fresh, insert_user(*st.users, ws->tenant_id, inv->email, in.name.value_or(""), in.password_hash, true));
    user = std::move(fresh);
    created = true;
  } else if (membership_role(db, ws->id, user->id)) {
    return slab5::fail("conflict", inv->email + " is already a member of this workspace.");
  } else if (!user->email_verified_at) {
    // Registered but never verified: anyone can register any address, so the password set
    // then proves nothing. Accepting proves the mailbox; the accepter chooses the password.
    if (!in.password_hash)
      return tl::unexpected(slab5::validation_error(
          "password", "is required: the account for " + inv->email +
                          " was never verified, so its password is chosen now (the one set at registration is "
                          "discarded)"));
    if (in.name) user->name = *in.name;
    OUTCOME_CHECK(claim_unverified_account(unit, st, *user, in.password_hash, "invitation", ws->id));
  }
  std::string at = slab5::format_rfc3339(now);
  OUTCOME_CHECK(st.invitations->accept(*inv, user->id, at));

  // The invitee acts, in the workspace they join.
  Actor as_user = actor;
  as_user.type = "user";
  as_user.id = user->id;
  as_user.workspace_id = ws->id;
  as_user.tenant_id = ws->tenant_id;
  int done = status_of(Outcome::Done);
  if (created)
    unit.record({.action = "user.registered",
                 .target_type = "user",
                 .target_id = user->id,
                 .after = user_json(*user),
                 .status = done,
                 .emit_event = false,
                 .actor = as_user});
  Json before = invitation_json(*inv, now);
  inv->status = "accepted";
  inv->accepted_at = at;
  Json after = invitation_json(*inv, now);
  after["user_id"] = user->id;
  unit.record({.action = "invitation.accepted",
               .target_type = "invitation",
               .target_id = inv->id,
               .before = std::move(before),
               .after = std::move(after),
               .status = done,
               .emit_event = true,
               .actor = as_user});
  OUTCOME_TRY(out, start_session(unit, meta, st, svc, *user, ws->id));
  OUTCOME_CHECK(unit.commit());
  return out;
}

}  // namespace slab5d
