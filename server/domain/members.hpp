// Workspace members (api.md §4) and the rules on changing them: only an owner grants or takes
// `owner`, admins (and API keys) cannot touch owners, and a workspace never has zero owners.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "store/db.hpp"

namespace slab5d {

struct Ctx;

struct Member {
  std::string user_id;
  std::string email;
  std::string name;
  std::string role;
  std::string joined_at;

  slab5::Json to_json() const;
  // The position of this member in the list order (newest first), for cursors.
  std::string sort_key() const { return joined_at + "|" + user_id; }
};

// Members newest first, after the sort key `after` (when set); at most `limit`.
std::vector<Member> list_members(Db& db, const std::string& workspace_id, const std::optional<std::string>& after,
                                 int limit);
std::optional<Member> find_member(Db& db, const std::string& workspace_id, const std::string& user_id);

// PATCH /v1/workspace/members/{usr_id}: 422 unknown role, 404 not a member, 403 owner rules,
// 409 when the last owner would be demoted.
slab5::Result<Member> change_member_role(Ctx& ctx, const std::string& user_id, const std::string& role);
// DELETE /v1/workspace/members/{usr_id}: anyone may leave (unless last owner); removing someone
// else needs settings:admin, and removing an owner needs an owner.
slab5::Status remove_member(Ctx& ctx, const std::string& user_id);

}  // namespace slab5d
