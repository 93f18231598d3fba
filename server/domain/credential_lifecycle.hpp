// The lifecycle of API keys and MCP clients (api.md §5): list, read, create, edit, rotate,
// revoke. Each change is one WriteUnit: the change, its audit row, the call's usage event and,
// for create, rotate and revoke, a credential_action usage event, committed together.
// Refusals (escalation, editing a revoked key, revoking twice) are audited in a unit of their
// own; the refused change itself is never written. The rules take the caller's Actor and
// RequestMeta, never a request.
#pragma once
#include <string>

#include "domain/actor.hpp"
#include "domain/credential_rules.hpp"
#include "domain/credentials.hpp"
#include "domain/page.hpp"

namespace slab5d {

// A credential together with its secret, which exists only in this response.
struct IssuedCredential {
  Credential credential;
  std::string secret;
  slab5::Json to_json(slab5::Millis now) const;  // the key object plus "secret"
};

// The actor's workspace's credentials of `kind` with `status` (active | revoked | expired |
// all) at `now`, newest first; the position is the credential id.
slab5::Result<Page<Credential>> list_credentials(Conn& db, const Actor& actor, const CredentialKind& kind,
                                                 const std::string& status, slab5::Millis now, const PageRequest& page);
slab5::Result<Credential> get_credential(Conn& db, const Actor& actor, const CredentialKind& kind,
                                         const std::string& id);

slab5::Result<IssuedCredential> create_credential(Conn& db, const Actor& actor, const RequestMeta& meta,
                                                  const CredentialKind& kind, const CredentialInput& in);
slab5::Result<Credential> update_credential(Conn& db, const Actor& actor, const RequestMeta& meta,
                                            const CredentialKind& kind, const std::string& id,
                                            const CredentialPatch& patch);
// The new credential keeps the name, description, scopes and expiry; the old one stops
// working at now + overlap (never later than it would have anyway).
slab5::Result<IssuedCredential> rotate_credential(Conn& db, const Actor& actor, const RequestMeta& meta,
                                                  const CredentialKind& kind, const std::string& id,
                                                  std::int64_t overlap_seconds);
slab5::Result<Credential> revoke_credential(Conn& db, const Actor& actor, const RequestMeta& meta,
                                            const CredentialKind& kind, const std::string& id);

// Records "<kind>.<verb>_refused" in a unit of its own (the refused change itself is never
// written). Also used for refusals by the check order (a missing settings:admin). A record
// that cannot be written is logged; the refusal stands.
void audit_refused_credential_action(Conn& db, const Actor& actor, const RequestMeta& meta, const CredentialKind& kind,
                                     const std::string& verb, const std::string& target_id, const slab5::Error& e,
                                     std::optional<slab5::Json> attempted = std::nullopt);

}  // namespace slab5d
