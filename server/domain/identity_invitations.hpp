// Invitations (api.md §4) and accepting them (api.md §2.2 accept-invite). Tokens are random,
// single use, stored as SHA-256 and valid 7 days; the raw token travels only in the mail.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/actor.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "slab5/time.hpp"
#include "store/conn.hpp"
#include "store/identity_store.hpp"

namespace slab5d {

struct IdentityService;
struct MailSettings;

inline constexpr std::int64_t kInvitationLifetimeMs = 7LL * 24 * 3600 * 1000;

// pending | accepted | revoked | expired, at `now`.
std::string invitation_status(const Invitation& invitation, slab5::Millis now);
slab5::Json invitation_json(const Invitation& invitation, slab5::Millis now);
// pending | accepted | revoked | expired | all; nullopt for anything else.
std::optional<InvitationFilter> invitation_filter(std::string_view status);

// The workspace's invitations, newest first, ids below `after` when set.
slab5::Result<std::vector<Invitation>> list_invitations(Conn& db, const Actor& actor, InvitationFilter filter,
                                                        const std::optional<std::string>& after, int limit);

struct NewInvitation {
  std::string email;
  std::string role;
};
// POST /v1/workspace/invitations: only an owner invites an owner; refuses a member and a
// second pending invitation; mails the token; records member.invited.
slab5::Result<slab5::Json> create_invitation(Conn& db, const MailSettings& mail, const Actor& actor,
                                             const RequestMeta& meta, const NewInvitation& input);
// DELETE /v1/workspace/invitations/{id} (invitation.revoked).
slab5::Status revoke_invitation(Conn& db, const Actor& actor, const RequestMeta& meta, const std::string& id);

struct InvitationAcceptance {
  std::string token;
  std::optional<std::string> password_hash;  // hashed by the caller; none when no password was sent
  std::optional<std::string> name;
};
// POST /v1/auth/accept-invite: the session response for the invitation's workspace. Call
// with the signing key primed (SigningKeys::active) outside any transaction.
slab5::Result<slab5::Json> accept_invitation(Conn& db, IdentityService& svc, const Actor& actor,
                                             const RequestMeta& meta, const InvitationAcceptance& input);

}  // namespace slab5d
