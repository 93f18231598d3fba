#include "domain/members.hpp"

#include <algorithm>

#include "domain/audit.hpp"
#include "domain/write.hpp"
#include "slab5/access.hpp"
#include "store/member_store.hpp"

namespace slab5d {

using slab5::fail;

slab5::Json Member::to_json() const {
  return {{"user_id", user_id}, {"email", email}, {"name", name}, {"role", role}, {"joined_at", joined_at}};
}

namespace {

bool is_self(const Actor& actor, const std::string& user_id) {
  return actor.type == "user" && !actor.user_id.empty() && actor.user_id == user_id;
}
bool holds(const Actor& actor, std::string_view scope) {
  return std::find(actor.scopes.begin(), actor.scopes.end(), scope) != actor.scopes.end();
}

slab5::Error needs_owner(std::string message) {
  return slab5::Error{"forbidden", std::move(message), {{"required_role", "owner"}}};
}

slab5::Result<Member> load(MemberStore& store, const Actor& actor, const std::string& user_id) {
  auto m = store.get(actor.workspace_id, user_id);
  if (!m) return tl::unexpected(m.error());
  if (!*m) return fail("resource_not_found", "No member " + user_id + " in this workspace.");
  return std::move(**m);
}

// Would the change leave the workspace without an owner?
slab5::Result<bool> last_owner(MemberStore& store, const Actor& actor, const Member& target) {
  if (target.role != "owner") return false;
  auto owners = store.count_owners(actor.workspace_id);
  if (!owners) return tl::unexpected(owners.error());
  return *owners <= 1;
}

}  // namespace

slab5::Result<Page<Member>> list_members(Conn& db, const Actor& actor, const PageRequest& page) {
  std::optional<std::pair<std::string, std::string>> after;
  if (page.after) {
    auto bar = page.after->rfind('|');
    after.emplace(page.after->substr(0, bar), bar == std::string::npos ? std::string() : page.after->substr(bar + 1));
  }
  auto rows = db.members().list(actor.workspace_id, after, page.limit + 1);
  if (!rows) return tl::unexpected(rows.error());
  return make_page(std::move(*rows), page.limit, [](const Member& m) { return m.sort_key(); });
}

slab5::Result<Member> change_member_role(Conn& db, const Actor& actor, const RequestMeta& meta,
                                         const std::string& user_id, const std::string& role) {
  if (!slab5::find_role(role))
    return tl::unexpected(slab5::validation_error("role", "must be one of owner, admin, member, agent, readonly"));
  MemberStore& store = (db).members();
  WriteUnit unit(db, actor, meta);
  auto target = load(store, actor, user_id);
  if (!target) return target;
  if (target->role == "owner" && !caller_is_owner(actor))
    return tl::unexpected(needs_owner("Only an owner may change an owner's role."));
  if (role == "owner" && !caller_is_owner(actor))
    return tl::unexpected(needs_owner("Only an owner may grant the owner role."));
  if (target->role == role) return target;  // nothing changes, nothing to audit
  auto last = last_owner(store, actor, *target);
  if (!last) return tl::unexpected(last.error());
  if (*last) return fail("conflict", "The workspace would have no owner left; make someone else owner first.");
  Member before = *target;
  if (auto ok = store.set_role(actor.workspace_id, user_id, role); !ok) return tl::unexpected(ok.error());
  target->role = role;
  unit.record(Change{.action = "member.role_changed",
                     .target_type = "user",
                     .target_id = user_id,
                     .before = before.to_json(),
                     .after = target->to_json(),
                     .status = audit_status(AuditOutcome::Updated),
                     .emit_event = true});
  if (auto ok = unit.commit(); !ok) return tl::unexpected(ok.error());
  return target;
}

slab5::Status remove_member(Conn& db, const Actor& actor, const RequestMeta& meta, const std::string& user_id) {
  bool self = is_self(actor, user_id);
  if (!self && !holds(actor, "settings:admin"))
    return fail("missing_required_scope", "Removing another member needs the settings:admin scope.",
                {{"required_scope", "settings:admin"}});
  MemberStore& store = (db).members();
  WriteUnit unit(db, actor, meta);
  auto target = load(store, actor, user_id);
  if (!target) return tl::unexpected(target.error());
  if (target->role == "owner" && !self && !caller_is_owner(actor))
    return tl::unexpected(needs_owner("Only an owner may remove an owner."));
  auto last = last_owner(store, actor, *target);
  if (!last) return tl::unexpected(last.error());
  if (*last) return fail("conflict", "The last owner cannot be removed; make someone else owner first.");
  if (auto ok = store.remove(actor.workspace_id, user_id); !ok) return ok;
  unit.record(Change{.action = "member.removed",
                     .target_type = "user",
                     .target_id = user_id,
                     .before = target->to_json(),
                     .status = audit_status(AuditOutcome::Deleted),
                     .emit_event = true});
  return unit.commit();
}

}  // namespace slab5d
