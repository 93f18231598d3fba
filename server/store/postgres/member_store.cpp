#include "store/postgres/member_store.hpp"

namespace slab5d {

namespace {
constexpr const char* kMemberSelect =
    "SELECT m.user_id, u.email, u.name, m.role, m.joined_at FROM memberships m JOIN users u ON u.id = m.user_id ";

Member read_member(const PgResult& r, int row) {
  return Member{r.text(row, 0), r.text(row, 1), r.text(row, 2), r.text(row, 3), r.text(row, 4)};
}
}  // namespace

slab5::Result<std::vector<Member>> PgMemberStore::list(const std::string& workspace_id,
                                                       const std::optional<std::pair<std::string, std::string>>& after,
                                                       int limit) {
  std::optional<std::string> after_joined, after_user;
  if (after) {
    after_joined = after->first;
    after_user = after->second;
  }
  auto r = conn_.exec(std::string(kMemberSelect) +
                          "WHERE m.workspace_id = $1 AND ($2::text IS NULL OR (m.joined_at, m.user_id) < ($2::text, "
                          "$3::text)) ORDER BY m.joined_at DESC, m.user_id DESC LIMIT $4",
                      workspace_id, after_joined, after_user, std::int64_t(limit));
  std::vector<Member> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_member(r, i));
  return out;
}

slab5::Result<std::optional<Member>> PgMemberStore::get(const std::string& workspace_id, const std::string& user_id) {
  auto r =
      conn_.exec(std::string(kMemberSelect) + "WHERE m.workspace_id = $1 AND m.user_id = $2", workspace_id, user_id);
  if (r.rows() == 0) return std::optional<Member>{};
  return std::optional<Member>{read_member(r, 0)};
}

slab5::Result<std::optional<std::string>> PgMemberStore::role(const std::string& workspace_id,
                                                              const std::string& user_id) {
  auto r = conn_.exec("SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2", workspace_id, user_id);
  if (r.rows() == 0) return std::optional<std::string>{};
  return std::optional<std::string>{r.text(0, 0)};
}

slab5::Result<std::int64_t> PgMemberStore::count_owners(const std::string& workspace_id) {
  // The owners' rows are locked until the caller's transaction ends: another instance removing
  // or demoting an owner at the same moment waits, then counts again without the one this
  // transaction changed, so two instances cannot each take away one of the last two owners.
  auto r = conn_.exec(
      "SELECT count(*) FROM (SELECT 1 FROM memberships WHERE workspace_id = $1 AND role = 'owner' FOR UPDATE) o",
      workspace_id);
  if (r.rows() == 0) return std::int64_t(0);
  return r.integer(0, 0);
}

slab5::Status PgMemberStore::insert(const std::string& workspace_id, const std::string& user_id,
                                    const std::string& role, const std::string& joined_at) {
  auto r = conn_.run("INSERT INTO memberships (workspace_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)",
                     workspace_id, user_id, role, joined_at);
  if (r.ok()) return {};
  if (r.constraint == PgConstraint::Unique)
    return slab5::fail("conflict", user_id + " is already a member of this workspace.");
  return slab5::fail("conflict", "The membership cannot be written: its workspace or user no longer exists.");
}

slab5::Status PgMemberStore::set_role(const std::string& workspace_id, const std::string& user_id,
                                      const std::string& role) {
  auto r = conn_.run("UPDATE memberships SET role = $1 WHERE workspace_id = $2 AND user_id = $3", role, workspace_id,
                     user_id);
  if (!r.ok()) return slab5::fail("conflict", "The membership cannot be written.");
  if (r.affected() != 1) return slab5::fail("resource_not_found", "No member " + user_id + " in this workspace.");
  return {};
}

slab5::Status PgMemberStore::remove(const std::string& workspace_id, const std::string& user_id) {
  auto r = conn_.run("DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2", workspace_id, user_id);
  if (!r.ok()) return slab5::fail("conflict", "The membership cannot be deleted.");
  if (r.affected() != 1) return slab5::fail("resource_not_found", "No member " + user_id + " in this workspace.");
  return {};
}

slab5::Status PgMemberStore::insert_user(const NewUser& u) {
  auto r = conn_.run(
      "INSERT INTO users (id, tenant_id, email, name, password_hash, email_verified_at, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      u.id, u.tenant_id, u.email, u.name, u.password_hash, u.email_verified_at, u.created_at, u.created_at);
  if (r.ok()) return {};
  if (r.constraint == PgConstraint::Unique) return slab5::fail("conflict", "A user with this email already exists.");
  return slab5::fail("conflict", "The user cannot be written: its tenant no longer exists.");
}

}  // namespace slab5d
