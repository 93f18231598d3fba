// The store of workspace memberships (api.md §4): who belongs to a workspace, with which role.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "slab5/error.hpp"
#include "slab5/json_util.hpp"

namespace slab5d {

struct Member {
  std::string user_id;
  std::string email;
  std::string name;
  std::string role;
  std::string joined_at;

  slab5::Json to_json() const;  // the api.md §4 object
  // The position of this member in the list order (newest first), for cursors.
  std::string sort_key() const { return joined_at + "|" + user_id; }
};

// The first owner of a new database (server.md §1): the only user this store creates.
struct NewUser {
  std::string id;
  std::string tenant_id;
  std::string email;
  std::string name;
  std::string password_hash;
  std::optional<std::string> email_verified_at;
  std::string created_at;
};

class MemberStore {
 public:
  virtual ~MemberStore() = default;
  // Members newest first (joined_at, then user id), after the position `after` (joined_at,
  // user_id) when set; at most `limit`.
  [[nodiscard]] virtual slab5::Result<std::vector<Member>> list(
      const std::string& workspace_id, const std::optional<std::pair<std::string, std::string>>& after, int limit) = 0;
  [[nodiscard]] virtual slab5::Result<std::optional<Member>> get(const std::string& workspace_id,
                                                                 const std::string& user_id) = 0;
  [[nodiscard]] virtual slab5::Result<std::optional<std::string>> role(const std::string& workspace_id,
                                                                       const std::string& user_id) = 0;
  [[nodiscard]] virtual slab5::Result<std::int64_t> count_owners(const std::string& workspace_id) = 0;
  // A workspace or user that is gone, or a membership that exists, is `conflict`.
  [[nodiscard]] virtual slab5::Status insert(const std::string& workspace_id, const std::string& user_id,
                                             const std::string& role, const std::string& joined_at) = 0;
  // A membership that is gone is resource_not_found.
  [[nodiscard]] virtual slab5::Status set_role(const std::string& workspace_id, const std::string& user_id,
                                               const std::string& role) = 0;
  [[nodiscard]] virtual slab5::Status remove(const std::string& workspace_id, const std::string& user_id) = 0;
  // A taken email is `conflict`.
  [[nodiscard]] virtual slab5::Status insert_user(const NewUser& user) = 0;
};

}  // namespace slab5d
