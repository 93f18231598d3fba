#include "domain/members.hpp"

#include "app.hpp"
#include "domain/audit.hpp"
#include "slab5/access.hpp"

namespace slab5d {

using slab5::fail;

slab5::Json Member::to_json() const {
  return {{"user_id", user_id}, {"email", email}, {"name", name}, {"role", role}, {"joined_at", joined_at}};
}

namespace {
constexpr const char* kMemberSelect =
    "SELECT m.user_id, u.email, u.name, m.role, m.joined_at FROM memberships m JOIN users u ON u.id = m.user_id ";

Member read_member(const Query& q) {
  return Member{q.text(0), q.text(1), q.text(2), q.text(3), q.text(4)};
}

std::int64_t owner_count(Db& db, const std::string& workspace_id) {
  auto q = db.query("SELECT count(*) FROM memberships WHERE workspace_id = ? AND role = 'owner'", workspace_id);
  q.next();
  return q.integer(0);
}

bool caller_is_owner(const Ctx& ctx) { return ctx.who.is_session() && ctx.who.role == "owner"; }

slab5::Error needs_owner(std::string message) {
  return slab5::Error{"forbidden", std::move(message), {{"required_role", "owner"}}};
}
}  // namespace

std::vector<Member> list_members(Db& db, const std::string& workspace_id, const std::optional<std::string>& after,
                                 int limit) {
  std::vector<Member> out;
  std::optional<std::string> after_joined, after_user;
  if (after) {
    auto bar = after->rfind('|');
    after_joined = after->substr(0, bar);
    after_user = bar == std::string::npos ? std::string() : after->substr(bar + 1);
  }
  auto q = db.query(std::string(kMemberSelect) +
                        "WHERE m.workspace_id = ? AND (? IS NULL OR (m.joined_at, m.user_id) < (?, ?)) "
                        "ORDER BY m.joined_at DESC, m.user_id DESC LIMIT ?",
                    workspace_id, after_joined, after_joined, after_user, std::int64_t(limit));
  while (q.next()) out.push_back(read_member(q));
  return out;
}

std::optional<Member> find_member(Db& db, const std::string& workspace_id, const std::string& user_id) {
  auto q = db.query(std::string(kMemberSelect) + "WHERE m.workspace_id = ? AND m.user_id = ?", workspace_id, user_id);
  if (!q.next()) return std::nullopt;
  return read_member(q);
}

slab5::Result<Member> change_member_role(Ctx& ctx, const std::string& user_id, const std::string& role) {
  if (!slab5::find_role(role))
    return tl::unexpected(slab5::validation_error("role", "must be one of owner, admin, member, agent, readonly"));
  Db& db = ctx.db;
  Tx tx(db);
  auto target = find_member(db, ctx.who.workspace_id, user_id);
  if (!target) return fail("resource_not_found", "No member " + user_id + " in this workspace.");
  if (target->role == "owner" && !caller_is_owner(ctx))
    return tl::unexpected(needs_owner("Only an owner may change an owner's role."));
  if (role == "owner" && !caller_is_owner(ctx))
    return tl::unexpected(needs_owner("Only an owner may grant the owner role."));
  if (target->role == role) return *target;  // nothing changes, nothing to audit
  if (target->role == "owner" && owner_count(db, ctx.who.workspace_id) <= 1)
    return fail("conflict", "The workspace would have no owner left; make someone else owner first.");
  Member before = *target;
  db.query("UPDATE memberships SET role = ? WHERE workspace_id = ? AND user_id = ?", role, ctx.who.workspace_id,
           user_id)
      .run();
  target->role = role;
  auto ev = audit_from(ctx, "member.role_changed", "user", user_id, 200);
  ev.before = before.to_json();
  ev.after = target->to_json();
  record_audit(db, std::move(ev));
  tx.commit();
  return *target;
}

slab5::Status remove_member(Ctx& ctx, const std::string& user_id) {
  bool self = ctx.who.is_session() && ctx.who.user_id == user_id;
  if (!self && !ctx.who.has_scope("settings:admin"))
    return fail("missing_required_scope", "Removing another member needs the settings:admin scope.",
                {{"required_scope", "settings:admin"}});
  Db& db = ctx.db;
  Tx tx(db);
  auto target = find_member(db, ctx.who.workspace_id, user_id);
  if (!target) return fail("resource_not_found", "No member " + user_id + " in this workspace.");
  if (target->role == "owner" && !self && !caller_is_owner(ctx))
    return tl::unexpected(needs_owner("Only an owner may remove an owner."));
  if (target->role == "owner" && owner_count(db, ctx.who.workspace_id) <= 1)
    return fail("conflict", "The last owner cannot be removed; make someone else owner first.");
  db.query("DELETE FROM memberships WHERE workspace_id = ? AND user_id = ?", ctx.who.workspace_id, user_id).run();
  auto ev = audit_from(ctx, "member.removed", "user", user_id, 204);
  ev.before = target->to_json();
  record_audit(db, std::move(ev));
  tx.commit();
  return {};
}

}  // namespace slab5d
