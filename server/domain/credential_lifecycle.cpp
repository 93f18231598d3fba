#include "domain/credential_lifecycle.hpp"

#include "domain/audit.hpp"
#include "domain/write.hpp"
#include "logger.hpp"
#include "store/credential_store.hpp"
#include "store/store_error.hpp"

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

Result<Credential> load(Conn& db, const Actor& actor, const CredentialKind& kind, const std::string& id) {
  auto c = db.credentials().get(kind.kind, actor.workspace_id, id);
  if (!c) return tl::unexpected(c.error());
  if (!*c) return not_found(kind, id);
  return std::move(**c);
}

tl::unexpected<Error> refuse(Conn& db, const Actor& actor, const RequestMeta& meta, const CredentialKind& kind,
                             const std::string& verb, const std::string& target_id, Error e,
                             std::optional<Json> attempted = std::nullopt) {
  audit_refused_credential_action(db, actor, meta, kind, verb, target_id, e, std::move(attempted));
  return tl::unexpected(std::move(e));
}

// A change of a credential: an event as well (`api_key.created`, …, the audit action's name;
// the secret is never in it); creating, rotating and revoking are also credential actions
// (api.md §7).
Change credential_change(const CredentialKind& kind, const std::string& verb, const std::string& id,
                         std::optional<Json> before, std::optional<Json> after, AuditOutcome outcome,
                         bool credential_action) {
  return Change{.action = kind.kind + "." + verb,
                .target_type = kind.kind,
                .target_id = id,
                .before = std::move(before),
                .after = std::move(after),
                .status = audit_status(outcome),
                .credential_action = credential_action};
}

CredentialSpec spec_for(const Actor& actor, const CredentialKind& kind, std::string name, std::string description,
                        std::vector<std::string> scopes, std::optional<std::string> expires_at) {
  return CredentialSpec{.kind = kind.kind,
                        .workspace_id = actor.workspace_id,
                        .name = std::move(name),
                        .description = std::move(description),
                        .scopes = std::move(scopes),
                        .expires_at = std::move(expires_at),
                        .created_by_type = actor.type,
                        .created_by_id = actor.id};
}

std::string now_text(slab5::Millis now) { return slab5::format_rfc3339(now); }

}  // namespace

void audit_refused_credential_action(Conn& db, const Actor& actor, const RequestMeta& meta, const CredentialKind& kind,
                                     const std::string& verb, const std::string& target_id, const Error& e,
                                     std::optional<Json> attempted) {
  try {
    WriteUnit unit(db, actor, meta);
    Json after = {{"code", e.code}, {"message", e.effective_message()}};
    if (e.extra.contains("required_scope")) after["required_scope"] = e.extra["required_scope"];
    if (attempted) after["attempted"] = std::move(*attempted);
    unit.record(Change{.action = kind.kind + "." + verb + "_refused",
                       .target_type = kind.kind,
                       .target_id = target_id,
                       .after = std::move(after),
                       .status = e.http_status(),
                       .emit_event = false});
    if (auto ok = unit.commit(); !ok)
      logger().log(LogLevel::Error, "could not audit a refused credential action",
                   {{"request_id", meta.request_id}, {"error", ok.error().effective_message()}});
  } catch (const StoreError& err) {
    // The refusal stands even when its record cannot be written.
    logger().log(LogLevel::Error, "could not audit a refused credential action",
                 {{"request_id", meta.request_id}, {"error", err.what()}});
  }
}

Result<Page<Credential>> list_credentials(Conn& db, const Actor& actor, const CredentialKind& kind,
                                          const std::string& status, slab5::Millis now, const PageRequest& page) {
  if (status != "active" && status != "revoked" && status != "expired" && status != "all")
    return slab5::fail("invalid_request", "status must be one of active, revoked, expired, all.");
  auto rows = db.credentials().list(CredentialQuery{.kind = kind.kind,
                                                    .workspace_id = actor.workspace_id,
                                                    .status = status,
                                                    .now = now,
                                                    .before_id = page.after,
                                                    .limit = page.limit});
  if (!rows) return tl::unexpected(rows.error());
  return make_page(std::move(*rows), page.limit, [](const Credential& c) { return c.id; });
}

Result<Credential> get_credential(Conn& db, const Actor& actor, const CredentialKind& kind, const std::string& id) {
  return load(db, actor, kind, id);
}

Result<IssuedCredential> create_credential(Conn& db, const Actor& actor, const RequestMeta& meta,
                                           const CredentialKind& kind, const CredentialInput& in) {
  if (auto ok = check_no_escalation(actor, in.scopes, kind); !ok)
    return refuse(db, actor, meta, kind, "create", "", ok.error(), Json{{"scopes", in.scopes}});
  auto now = slab5::now_millis();
  WriteUnit unit(db, actor, meta);
  auto made = insert_credential(db, spec_for(actor, kind, in.name, in.description, in.scopes, in.expires_at));
  if (!made) return tl::unexpected(made.error());  // the unit rolls back: no audit row, no usage
  unit.record(credential_change(kind, "created", made->credential.id, std::nullopt, made->credential.to_json(now),
                                AuditOutcome::Created, true));
  if (auto ok = unit.commit(); !ok) return tl::unexpected(ok.error());
  return IssuedCredential{std::move(made->credential), std::move(made->token)};
}

Result<Credential> update_credential(Conn& db, const Actor& actor, const RequestMeta& meta, const CredentialKind& kind,
                                     const std::string& id, const CredentialPatch& patch) {
  auto now = slab5::now_millis();
  std::optional<Error> refusal;
  Json attempted;
  {
    WriteUnit unit(db, actor, meta);
    auto c = load(db, actor, kind, id);
    if (!c) return c;
    if (c->revoked_at) {
      refusal = Error{"conflict", "The " + kind.noun + " " + id + " is revoked; revoked credentials cannot be edited."};
    } else if (patch.change_expiry && c->replaced_by) {
      // Its secret was rotated away: moving the cutoff would bring it back (overlap 0 means
      // "stop now"). Revoking ends it sooner; the replacement carries the lifetime.
      refusal = Error{"conflict", "The " + kind.noun + " " + id + " was rotated (replaced by " + *c->replaced_by +
                                      "); the expiry of a rotated-away secret cannot be changed. Revoke it to stop it "
                                      "now, or change the expiry of " +
                                      *c->replaced_by + "."};
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
      if (auto ok = check_no_escalation(actor, resulting, kind); !ok) {
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
      if (auto ok = save_credential(db, *c); !ok) return tl::unexpected(ok.error());
      unit.record(
          credential_change(kind, "updated", c->id, std::move(before), c->to_json(now), AuditOutcome::Updated, false));
      if (auto ok = unit.commit(); !ok) return tl::unexpected(ok.error());
      return c;
    }
  }
  return refuse(db, actor, meta, kind, "update", id, std::move(*refusal),
                attempted.is_null() ? std::nullopt : std::optional<Json>(attempted));
}

Result<IssuedCredential> rotate_credential(Conn& db, const Actor& actor, const RequestMeta& meta,
                                           const CredentialKind& kind, const std::string& id,
                                           std::int64_t overlap_seconds) {
  auto now = slab5::now_millis();
  std::optional<Error> refusal;
  {
    WriteUnit unit(db, actor, meta);
    auto old = load(db, actor, kind, id);
    if (!old) return tl::unexpected(old.error());
    auto status = old->status(now);
    if (status != "active") {
      refusal = Error{"conflict", "The " + kind.noun + " " + id + " is " + status + "; only an active " + kind.noun +
                                      " can be rotated (create a new one instead)."};
    } else if (auto ok = check_no_escalation(actor, old->scopes, kind); !ok) {
      refusal = ok.error();
    }
    if (!refusal) {
      Json before = old->to_json(now);
      // The replacement keeps the old key's lifetime: rotation changes the secret only.
      auto made =
          insert_credential(db, spec_for(actor, kind, old->name, old->description, old->scopes, old->expires_at));
      if (!made) return tl::unexpected(made.error());
      auto cutoff = now + overlap_seconds * 1000;
      auto current_expiry = old->expires_at ? slab5::parse_rfc3339(*old->expires_at) : std::nullopt;
      if (!current_expiry || cutoff < *current_expiry) old->expires_at = now_text(cutoff);
      old->replaced_by = made->credential.id;
      old->updated_at = now_text(now);
      if (auto ok = save_credential(db, *old); !ok) return tl::unexpected(ok.error());
      Json after = {{"rotated", old->to_json(now)},
                    {"replacement", made->credential.to_json(now)},
                    {"overlap_seconds", overlap_seconds}};
      unit.record(credential_change(kind, "rotated", old->id, std::move(before), std::move(after),
                                    AuditOutcome::Created, true));
      if (auto ok = unit.commit(); !ok) return tl::unexpected(ok.error());
      return IssuedCredential{std::move(made->credential), std::move(made->token)};
    }
  }
  return refuse(db, actor, meta, kind, "rotate", id, std::move(*refusal));
}

Result<Credential> revoke_credential(Conn& db, const Actor& actor, const RequestMeta& meta, const CredentialKind& kind,
                                     const std::string& id) {
  auto now = slab5::now_millis();
  {
    WriteUnit unit(db, actor, meta);
    auto c = load(db, actor, kind, id);
    if (!c) return c;
    if (!c->revoked_at) {
      Json before = c->to_json(now);
      c->revoked_at = c->updated_at = now_text(now);
      if (auto ok = save_credential(db, *c); !ok) return tl::unexpected(ok.error());
      unit.record(
          credential_change(kind, "revoked", c->id, std::move(before), c->to_json(now), AuditOutcome::Updated, true));
      if (auto ok = unit.commit(); !ok) return tl::unexpected(ok.error());
      return c;
    }
  }
  return refuse(db, actor, meta, kind, "revoke", id,
                Error{"conflict", "The " + kind.noun + " " + id + " is already revoked."});
}

}  // namespace slab5d
