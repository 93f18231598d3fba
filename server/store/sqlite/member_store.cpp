#include "store/sqlite/member_store.hpp"

#include "store/sqlite/checked.hpp"

namespace slab5d {

using sqlite::Constraint;
using sqlite::run_checked;

namespace {
constexpr const char* kMemberSelect =
    "SELECT m.user_id, u.email, u.name, m.role, m.joined_at FROM memberships m JOIN users u ON u.id = m.user_id ";

Member read_member(const Query& q) { return Member{q.text(0), q.text(1), q.text(2), q.text(3), q.text(4)}; }
}  // namespace

slab5::Result<std::vector<Member>> SqliteMemberStore::list(
    const std::string& workspace_id, const std::optional<std::pair<std::string, std::string>>& after, int limit) {
  std::optional<std::string> after_joined, after_user;
  if (after) {
    after_joined = after->first;
    after_user = after->second;
  }
  auto q = db_.query(std::string(kMemberSelect) +
                         "WHERE m.workspace_id = ? AND (? IS NULL OR (m.joined_at, m.user_id) < (?, ?)) "
                         "ORDER BY m.joined_at DESC, m.user_id DESC LIMIT ?",
                     workspace_id, after_joined, after_joined, after_user, std::int64_t(limit));
  std::vector<Member> out;
  while (q.next()) out.push_back(read_member(q));
  return out;
}

slab5::Result<std::optional<Member>> SqliteMemberStore::get(const std::string& workspace_id,
                                                            const std::string& user_id) {
  auto q = db_.query(std::string(kMemberSelect) + "WHERE m.workspace_id = ? AND m.user_id = ?", workspace_id, user_id);
  if (!q.next()) return std::optional<Member>{};
  return std::optional<Member>{read_member(q)};
}

slab5::Result<std::optional<std::string>> SqliteMemberStore::role(const std::string& workspace_id,
                                                                  const std::string& user_id) {
  auto q = db_.query("SELECT role FROM memberships WHERE workspace_id = ? AND user_id = ?", workspace_id, user_id);
  if (!q.next()) return std::optional<std::string>{};
  return std::optional<std::string>{q.text(0)};
}

slab5::Result<std::int64_t> SqliteMemberStore::count_owners(const std::string& workspace_id) {
  auto q = db_.query("SELECT count(*) FROM memberships WHERE workspace_id = ? AND role = 'owner'", workspace_id);
  if (!q.next()) return std::int64_t(0);
  return q.integer(0);
}

slab5::Status SqliteMemberStore::insert(const std::string& workspace_id, const std::string& user_id,
                                        const std::string& role, const std::string& joined_at) {
  auto q = db_.query("INSERT INTO memberships (workspace_id, user_id, role, joined_at) VALUES (?,?,?,?)", workspace_id,
                     user_id, role, joined_at);
  return run_checked(db_, q, [&](Constraint c) {
    if (c == Constraint::Unique) return slab5::Error{"conflict", user_id + " is already a member of this workspace."};
    return slab5::Error{"conflict", "The membership cannot be written: its workspace or user no longer exists."};
  });
}

slab5::Status SqliteMemberStore::set_role(const std::string& workspace_id, const std::string& user_id,
                                          const std::string& role) {
  auto q =
      db_.query("UPDATE memberships SET role = ? WHERE workspace_id = ? AND user_id = ?", role, workspace_id, user_id);
  if (auto ok = run_checked(db_, q, "The membership cannot be written."); !ok) return ok;
  if (db_.changes() != 1) return slab5::fail("resource_not_found", "No member " + user_id + " in this workspace.");
  return {};
}

slab5::Status SqliteMemberStore::remove(const std::string& workspace_id, const std::string& user_id) {
  auto q = db_.query("DELETE FROM memberships WHERE workspace_id = ? AND user_id = ?", workspace_id, user_id);
  if (auto ok = run_checked(db_, q, "The membership cannot be deleted."); !ok) return ok;
  if (db_.changes() != 1) return slab5::fail("resource_not_found", "No member " + user_id + " in this workspace.");
  return {};
}

slab5::Status SqliteMemberStore::insert_user(const NewUser& u) {
  auto q = db_.query(
      "INSERT INTO users (id, tenant_id, email, name, password_hash, email_verified_at, created_at, updated_at) "
      "VALUES (?,?,?,?,?,?,?,?)",
      u.id, u.tenant_id, u.email, u.name, u.password_hash, u.email_verified_at, u.created_at, u.created_at);
  return run_checked(db_, q, [&](Constraint c) {
    if (c == Constraint::Unique) return slab5::Error{"conflict", "A user with this email already exists."};
    return slab5::Error{"conflict", "The user cannot be written: its tenant no longer exists."};
  });
}

}  // namespace slab5d
