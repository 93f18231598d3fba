// Invitations (api.md §4) and accepting them (api.md §2.2 accept-invite). Tokens are random,
// single use, stored as SHA-256 and valid 7 days; the raw token travels only in the mail.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "slab5/time.hpp"
#include "store/db.hpp"

namespace slab5d {

struct Ctx;
struct IdentityService;

inline constexpr std::int64_t kInvitationLifetimeMs = 7LL * 24 * 3600 * 1000;

struct Invitation {
  std::string id;
  std::string workspace_id;
  std::string email;
  std::string role;
  std::string invited_by_type;
  std::string invited_by;
  std::string status;  // stored: pending | accepted | revoked
  std::string expires_at;
  std::string created_at;
  std::optional<std::string> accepted_at;

  // pending | accepted | revoked | expired, at `now`.
  std::string effective_status(slab5::Millis now) const;
  slab5::Json to_json(slab5::Millis now) const;
};

std::optional<Invitation> find_invitation(Db& db, const std::string& workspace_id, const std::string& id);
// Newest first; `status` is pending | accepted | revoked | expired | all.
std::vector<Invitation> list_invitations(Db& db, const std::string& workspace_id, const std::string& status,
                                         const std::optional<std::string>& after, int limit);

// POST /v1/workspace/invitations (role rules, mail, member.invited).
slab5::Result<slab5::Json> create_invitation(Ctx& ctx, const std::string& email, const std::string& role);
// DELETE /v1/workspace/invitations/{id} (invitation.revoked).
slab5::Status revoke_invitation(Ctx& ctx, const std::string& id);
// POST /v1/auth/accept-invite: the session response for the invitation's workspace. The
// password arrives hashed (or empty when none was sent).
slab5::Result<slab5::Json> accept_invitation(Ctx& ctx, IdentityService& svc, const std::string& token,
                                             const std::optional<std::string>& password_hash,
                                             const std::optional<std::string>& name);

}  // namespace slab5d
