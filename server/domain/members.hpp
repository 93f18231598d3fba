// Workspace members (api.md §4) and the rules on changing them: only an owner grants or takes
// `owner`, admins (and API keys) cannot touch owners, and a workspace never has zero owners.
// The rules take the caller's Actor and RequestMeta, never a request.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "domain/actor.hpp"
#include "domain/page.hpp"
#include "slab5/error.hpp"
#include "store/conn.hpp"
#include "store/member_store.hpp"

namespace slab5d {

// The actor's workspace's members, newest first; the position is Member::sort_key().
slab5::Result<Page<Member>> list_members(Conn& db, const Actor& actor, const PageRequest& page);

// PATCH /v1/workspace/members/{usr_id}: validation_failed for an unknown role,
// resource_not_found for a non-member, forbidden by the owner rules, conflict when the last
// owner would be demoted.
slab5::Result<Member> change_member_role(Conn& db, const Actor& actor, const RequestMeta& meta,
                                         const std::string& user_id, const std::string& role);
// DELETE /v1/workspace/members/{usr_id}: anyone may leave (unless last owner); removing someone
// else needs settings:admin, and removing an owner needs an owner.
slab5::Status remove_member(Conn& db, const Actor& actor, const RequestMeta& meta, const std::string& user_id);

}  // namespace slab5d
