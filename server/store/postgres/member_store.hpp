// MemberStore on PostgreSQL: the `memberships` table joined with `users`.
#pragma once
#include "store/member_store.hpp"
#include "store/postgres/pg.hpp"

namespace slab5d {

class PgMemberStore final : public MemberStore {
 public:
  explicit PgMemberStore(PgConn& conn) : conn_(conn) {}
  slab5::Result<std::vector<Member>> list(const std::string& workspace_id,
                                          const std::optional<std::pair<std::string, std::string>>& after,
                                          int limit) override;
  slab5::Result<std::optional<Member>> get(const std::string& workspace_id, const std::string& user_id) override;
  slab5::Result<std::optional<std::string>> role(const std::string& workspace_id, const std::string& user_id) override;
  slab5::Result<std::int64_t> count_owners(const std::string& workspace_id) override;
  slab5::Status insert(const std::string& workspace_id, const std::string& user_id, const std::string& role,
                       const std::string& joined_at) override;
  slab5::Status set_role(const std::string& workspace_id, const std::string& user_id, const std::string& role) override;
  slab5::Status remove(const std::string& workspace_id, const std::string& user_id) override;
  slab5::Status insert_user(const NewUser& user) override;

 private:
  PgConn& conn_;
};

}  // namespace slab5d
