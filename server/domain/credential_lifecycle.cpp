#include "domain/credential_lifecycle.hpp"

#include "app.hpp"
#include "domain/audit.hpp"
#include "logger.hpp"
#include "slab5/ids.hpp"
#include "usage_recorder.hpp"

namespace slab5d {

using slab5::Error;
using slab5::Json;
using slab5::Result;

Json IssuedCredential::to_json(slab5::Millis now) const {
  Json j = credential.to_json(now);
  j["secret"] = secret;
  return j;
}

namespace {

tl::unexpected<Error> not_found(const CredentialKind& kind, const std::string& id) {
  return slab5::fail("resource_not_found", "No " + kind.noun + " " + id + " in this workspace.");
}

tl::unexpected<Error> refuse(Ctx& ctx, const CredentialKind& kind, const std::string& verb, const std::string& target_id,
                             Error e, std::optional<Json> attempted = std::nullopt) {
  audit_refused_credential_action(ctx, kind, verb, target_id, e, std::move(attempted));
  return tl::unexpected(std::move(e));
}

void record_credential_action(Ctx& ctx, int status) {
  std::string id = slab5::new_id("use"), type = ctx.who.credential_type(),
              route = ctx.route.method + " " + ctx.route.pattern, at = slab5::format_rfc3339(slab5::now_millis());
  UsageEvent ev;
  ev.id = id;
  ev.workspace_id = ctx.who.workspace_id;
  ev.credential_type = type;
  ev.credential_id = ctx.who.credential_id;
  ev.route = route;
  ev.status = status;
  ev.kind = "credential_action";
  ev.request_id = ctx.request_id;
  ev.created_at = at;
  ctx.app.usage().record(ev);
}

std::string now_text(slab5::Millis now) { return slab5::format_rfc3339(now); }

}  // namespace

// The refused change was rolled back (or never started); the record of the attempt stays.
void audit_refused_credential_action(Ctx& ctx, const CredentialKind& kind, const std::string& verb,
                                     const std::string& target_id, const Error& e, std::optional<Json> attempted) {
  try {
    Tx tx(ctx.db);
    auto ev = audit_from(ctx, kind.kind + "." + verb + "_refused", kind.kind, target_id, e.http_status());
    Json after = {{"code", e.code}, {"message", e.effective_message()}};
    if (e.extra.contains("required_scope")) after["required_scope"] = e.extra["required_scope"];
    if (attempted) after["attempted"] = std::move(*attempted);
    ev.after = std::move(after);
    record_audit(ctx.db, std::move(ev));
    tx.commit();
  } catch (const DbError& err) {
    // The refusal stands even when its record cannot be written.
    logger().log(LogLevel::Error, "could not audit a refused credential action",
                 {{"request_id", ctx.request_id}, {"error", err.what()}});
  }
}

Result<IssuedCredential> create_credential(Ctx& ctx, const CredentialKind& kind, const CredentialInput& in) {
  if (auto ok = check_no_escalation(ctx.who, in.scopes, kind); !ok)
    return refuse(ctx, kind, "create", "", ok.error(), Json{{"scopes", in.scopes}});
  auto now = slab5::now_millis();
  Tx tx(ctx.db);
  auto made = insert_credential(ctx.db, kind.kind, ctx.who.workspace_id, in.name, in.description, in.scopes,
                                in.expires_at, ctx.who.actor_type(), ctx.who.actor_id());
  auto ev = audit_from(ctx, kind.kind + ".created", kind.kind, made.credential.id, 201);
  ev.after = made.credential.to_json(now);
  record_audit(ctx.db, std::move(ev));
  tx.commit();
  record_credential_action(ctx, 201);
  return IssuedCredential{std::move(made.credential), std::move(made.token)};
}

Result<Credential> update_credential(Ctx& ctx, const CredentialKind& kind, const std::string& id,
                                     const CredentialPatch& patch) {
  auto now = slab5::now_millis();
  std::optional<Error> refusal;
  Json attempted;
  {
    Tx tx(ctx.db);
    auto c = find_credential(ctx.db, kind.kind, ctx.who.workspace_id, id);
    if (!c) return not_found(kind, id);
    if (c->revoked_at) {
      refusal = Error{"conflict", "The " + kind.noun + " " + id + " is revoked; revoked credentials cannot be edited."};
    } else if (patch.change_expiry && c->replaced_by) {
      // Its secret was rotated away: moving the cutoff would bring it back (overlap 0 means
      // "stop now"). Revoking ends it sooner; the replacement carries the lifetime.
      refusal = Error{"conflict", "The " + kind.noun + " " + id + " was rotated (replaced by " + *c->replaced_by +
                                      "); the expiry of a rotated-away secret cannot be changed. Revoke it to stop it "
                                      "now, or change the expiry of " + *c->replaced_by + "."};
      attempted = {{"expires_at", patch.expires_at ? Json(*patch.expires_at) : Json(nullptr)}};
    } else if (patch.change_expiry && c->status(now) == "expired") {
      refusal = Error{"conflict", "The " + kind.noun + " " + id + " expired at " + c->expires_at.value_or("") +
                                      "; an expired credential cannot be revived or given another expiry. Create a "
                                      "new one instead."};
      attempted = {{"expires_at", patch.expires_at ? Json(*patch.expires_at) : Json(nullptr)}};
    } else if (patch.scopes || patch.change_expiry) {
      // Changing what a credential may do, or for how long, is granting: the resulting
      // scopes must all be held by the caller. Renaming and describing are not.
      const auto& resulting = patch.scopes ? *patch.scopes : c->scopes;
      if (auto ok = check_no_escalation(ctx.who, resulting, kind); !ok) {
        refusal = ok.error();
        attempted = {{"scopes", resulting}};
      }
    }
    if (!refusal) {
      Json before = c->to_json(now);
      if (patch.name) c->name = *patch.name;
      if (patch.description) c->description = *patch.description;
      if (patch.scopes) c->scopes = *patch.scopes;
      if (patch.change_expiry) c->expires_at = patch.expires_at;
      c->updated_at = now_text(now);
      save_credential(ctx.db, *c);
      auto ev = audit_from(ctx, kind.kind + ".updated", kind.kind, c->id, 200);
      ev.before = std::move(before);
      ev.after = c->to_json(now);
      record_audit(ctx.db, std::move(ev));
      tx.commit();
      return *c;
    }
  }
  return refuse(ctx, kind, "update", id, std::move(*refusal),
                attempted.is_null() ? std::nullopt : std::optional<Json>(attempted));
}

Result<IssuedCredential> rotate_credential(Ctx& ctx, const CredentialKind& kind, const std::string& id,
                                           std::int64_t overlap_seconds) {
  auto now = slab5::now_millis();
  std::optional<Error> refusal;
  {
    Tx tx(ctx.db);
    auto old = find_credential(ctx.db, kind.kind, ctx.who.workspace_id, id);
    if (!old) return not_found(kind, id);
    auto status = old->status(now);
    if (status != "active") {
      refusal = Error{"conflict", "The " + kind.noun + " " + id + " is " + status + "; only an active " + kind.noun +
                                      " can be rotated (create a new one instead)."};
    } else if (auto ok = check_no_escalation(ctx.who, old->scopes, kind); !ok) {
      refusal = ok.error();
    }
    if (!refusal) {
      Json before = old->to_json(now);
      // The replacement keeps the old key's lifetime: rotation changes the secret only.
      auto made = insert_credential(ctx.db, kind.kind, ctx.who.workspace_id, old->name, old->description, old->scopes,
                                    old->expires_at, ctx.who.actor_type(), ctx.who.actor_id());
      auto cutoff = now + overlap_seconds * 1000;
      auto current_expiry = old->expires_at ? slab5::parse_rfc3339(*old->expires_at) : std::nullopt;
      if (!current_expiry || cutoff < *current_expiry) old->expires_at = now_text(cutoff);
      old->replaced_by = made.credential.id;
      old->updated_at = now_text(now);
      save_credential(ctx.db, *old);
      auto ev = audit_from(ctx, kind.kind + ".rotated", kind.kind, old->id, 201);
      ev.before = std::move(before);
      ev.after = {{"rotated", old->to_json(now)}, {"replacement", made.credential.to_json(now)},
                  {"overlap_seconds", overlap_seconds}};
      record_audit(ctx.db, std::move(ev));
      tx.commit();
      record_credential_action(ctx, 201);
      return IssuedCredential{std::move(made.credential), std::move(made.token)};
    }
  }
  return refuse(ctx, kind, "rotate", id, std::move(*refusal));
}

Result<Credential> revoke_credential(Ctx& ctx, const CredentialKind& kind, const std::string& id) {
  auto now = slab5::now_millis();
  {
    Tx tx(ctx.db);
    auto c = find_credential(ctx.db, kind.kind, ctx.who.workspace_id, id);
    if (!c) return not_found(kind, id);
    if (!c->revoked_at) {
      Json before = c->to_json(now);
      c->revoked_at = c->updated_at = now_text(now);
      save_credential(ctx.db, *c);
      auto ev = audit_from(ctx, kind.kind + ".revoked", kind.kind, c->id, 200);
      ev.before = std::move(before);
      ev.after = c->to_json(now);
      record_audit(ctx.db, std::move(ev));
      tx.commit();
      record_credential_action(ctx, 200);
      return *c;
    }
  }
  return refuse(ctx, kind, "revoke", id,
                Error{"conflict", "The " + kind.noun + " " + id + " is already revoked."});
}

}  // namespace slab5d
