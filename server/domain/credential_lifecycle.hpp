// The lifecycle of API keys and MCP clients (api.md §5): create, edit, rotate, revoke.
// Each change and its audit event share one transaction; refusals (escalation, editing a
// revoked key, revoking twice) are audited in a transaction of their own; creating, rotating
// and revoking also record a credential_action usage event.
#pragma once
#include <string>

#include "domain/credential_rules.hpp"
#include "domain/credentials.hpp"

namespace slab5d {

struct Ctx;

// A credential together with its secret, which exists only in this response.
struct IssuedCredential {
  Credential credential;
  std::string secret;
  slab5::Json to_json(slab5::Millis now) const;  // the key object plus "secret"
};

slab5::Result<IssuedCredential> create_credential(Ctx& ctx, const CredentialKind& kind, const CredentialInput& in);
slab5::Result<Credential> update_credential(Ctx& ctx, const CredentialKind& kind, const std::string& id,
                                            const CredentialPatch& patch);
// The new credential keeps the name, description, scopes and expiry; the old one stops
// working at now + overlap (never later than it would have anyway).
slab5::Result<IssuedCredential> rotate_credential(Ctx& ctx, const CredentialKind& kind, const std::string& id,
                                                  std::int64_t overlap_seconds);
slab5::Result<Credential> revoke_credential(Ctx& ctx, const CredentialKind& kind, const std::string& id);

// Records "<kind>.<verb>_refused" in a transaction of its own (the refused change itself is
// never written). Also used for refusals by the check order (a missing settings:admin).
void audit_refused_credential_action(Ctx& ctx, const CredentialKind& kind, const std::string& verb,
                                     const std::string& target_id, const slab5::Error& e,
                                     std::optional<slab5::Json> attempted = std::nullopt);

}  // namespace slab5d
