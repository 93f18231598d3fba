#include "domain/sessions.hpp"

#include <array>

#include "domain/audit.hpp"
#include "domain/identity.hpp"
#include "domain/identity_service.hpp"
#include "domain/workspaces.hpp"
#include "slab5/ids.hpp"
#include "slab5/jose.hpp"
#include "slab5/time.hpp"
#include "slab5/token.hpp"

namespace slab5d {

using slab5::Json;
using slab5::Result;

namespace {
constexpr const char* kSessionColumns =
    "id, user_id, workspace_id, created_at, last_used_at, expires_at, revoked_at, user_agent, ip";
constexpr std::array<std::string_view, 1> kSessionAlgs{slab5::jose::kES256};

SessionRecord read_session(const Query& q) {
  SessionRecord s;
  s.id = q.text(0);
  s.user_id = q.text(1);
  s.workspace_id = q.opt_text(2).value_or("");
  s.created_at = q.text(3);
  s.last_used_at = q.opt_text(4);
  s.expires_at = q.text(5);
  s.revoked_at = q.opt_text(6);
  s.user_agent = q.text(7);
  s.ip = q.text(8);
  return s;
}

tl::unexpected<slab5::Error> unauthorized(std::string msg) { return slab5::fail("unauthorized", std::move(msg)); }

// A session event lands in the workspace the session was made for.
AuditEvent session_event(Ctx& ctx, std::string action, const SessionRecord& s, int status) {
  AuditEvent ev = audit_from(ctx, std::move(action), "session", s.id, status);
  ev.actor_type = "user";
  ev.actor_id = s.user_id;
  if (!s.workspace_id.empty()) {
    ev.workspace_id = s.workspace_id;
    if (auto w = find_workspace(ctx.db, s.workspace_id)) ev.tenant_id = w->tenant_id;
  }
  return ev;
}

Json session_json_for_audit(const SessionRecord& s) { return s.to_json(""); }

Json response(Ctx& ctx, IdentityService& svc, const User& user, const std::string& workspace_id,
              const std::string& sid, const std::string& refresh) {
  Json ws = nullptr;
  if (auto w = find_workspace(ctx.db, workspace_id)) {
    ws = w->to_json();
    if (auto role = membership_role(ctx.db, workspace_id, user.id)) ws["role"] = *role;
  }
  return {{"accessToken", issue_access_token(ctx.db, svc, user.id, sid)},
          {"refreshToken", refresh},
          {"tokenType", "Bearer"},
          {"expiresIn", ctx.app.config().session_ttl_ms / 1000},
          {"sessionId", sid},
          {"user", user.to_json()},
          {"workspace", ws}};
}
}  // namespace

Json SessionRecord::to_json(const std::string& current_sid) const {
  auto opt = [](const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); };
  Json j = {{"id", id},
            {"workspace_id", workspace_id.empty() ? Json(nullptr) : Json(workspace_id)},
            {"created_at", created_at},
            {"last_used_at", opt(last_used_at)},
            {"expires_at", expires_at},
            {"user_agent", user_agent},
            {"ip", ip}};
  if (revoked_at) j["revoked_at"] = *revoked_at;
  if (!current_sid.empty()) j["current"] = id == current_sid;
  return j;
}

std::optional<SessionRecord> find_session(Db& db, const std::string& id) {
  auto q = db.query(std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE id = ?", id);
  if (!q.next()) return std::nullopt;
  return read_session(q);
}

std::vector<SessionRecord> list_active_sessions(Db& db, const std::string& user_id,
                                                const std::optional<std::string>& after, int limit) {
  std::vector<SessionRecord> out;
  auto q = db.query(std::string("SELECT ") + kSessionColumns +
                        " FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? "
                        "AND (? = '' OR id < ?) ORDER BY id DESC LIMIT ?",
                    user_id, slab5::format_rfc3339(slab5::now_millis()), after.value_or(""), after.value_or(""),
                    limit);
  while (q.next()) out.push_back(read_session(q));
  return out;
}

std::string issue_access_token(Db& db, IdentityService& svc, const std::string& user_id, const std::string& sid) {
  auto now = slab5::now_millis() / 1000;
  Json claims = {{"iss", svc.issuer()},
                 {"sub", user_id},
                 {"sid", sid},
                 {"iat", now},
                 {"exp", now + svc.app.config().session_ttl_ms / 1000},
                 {"typ", "session"}};
  return slab5::jose::sign(svc.keys.active(db), claims);
}

Result<Principal> verify_session_token(Db& db, IdentityService& svc, std::string_view token) {
  auto v = slab5::jose::verify(token, [&](const std::string& kid) { return svc.keys.find(db, kid); }, kSessionAlgs);
  if (!v) return unauthorized("The session token is not valid: " + v.error().message + ".");
  const Json& c = v->claims;
  if (c.value("typ", std::string()) != "session") return unauthorized("The token is not a session token.");
  if (!c.contains("sub") || !c["sub"].is_string() || !c.contains("sid") || !c["sid"].is_string())
    return unauthorized("The session token lacks its subject or session id.");
  auto now_ms = slab5::now_millis();
  if (auto t = slab5::jose::check_time_claims(c, now_ms / 1000, 0); !t)
    return unauthorized("The session token has expired; refresh it or sign in again.");
  std::string sid = c["sid"].get<std::string>();
  std::string sub = c["sub"].get<std::string>();
  std::optional<std::string> last_used;
  std::int64_t session_expires_ms = 0;
  {
    auto q = db.query("SELECT user_id, revoked_at, expires_at, last_used_at FROM sessions WHERE id = ?", sid);
    if (!q.next()) return unauthorized("The session does not exist.");
    if (q.text(0) != sub) return unauthorized("The session token does not match its session.");
    if (!q.is_null(1)) return unauthorized("The session has been revoked; sign in again.");
    session_expires_ms = slab5::parse_rfc3339(q.text(2)).value_or(0);
    if (session_expires_ms <= now_ms) return unauthorized("The session has expired; sign in again.");
    last_used = q.opt_text(3);
  }
  // Last use is recorded at most once a minute per session.
  auto last = last_used ? slab5::parse_rfc3339(*last_used).value_or(0) : 0;
  if (now_ms - last >= 60000)
    db.query("UPDATE sessions SET last_used_at = ? WHERE id = ?", slab5::format_rfc3339(now_ms), sid).run();
  Principal p;
  p.kind = Principal::Kind::Session;
  p.credential_id = sid;
  p.user_id = sub;
  p.token_expires_at_ms = std::int64_t(c["exp"].get<double>()) * 1000;
  p.session_expires_at_ms = session_expires_ms;
  return p;
}

Result<std::string> session_workspace(Db& db, const std::string& user_id, const std::optional<std::string>& requested) {
  if (requested) {
    if (!membership_role(db, *requested, user_id))
      return slab5::fail("workspace_not_found", "No workspace " + *requested + " is accessible to you.");
    return *requested;
  }
  return personal_workspace_id(db, user_id).value_or("");
}

Json start_session(Ctx& ctx, IdentityService& svc, const User& user, const std::string& workspace_id) {
  auto now = slab5::now_millis();
  SessionRecord s;
  s.id = slab5::new_id("ses");
  s.user_id = user.id;
  s.workspace_id = workspace_id;
  s.created_at = slab5::format_rfc3339(now);
  s.last_used_at = s.created_at;
  s.expires_at = slab5::format_rfc3339(now + kRefreshLifetimeMs);
  s.user_agent = ctx.user_agent().substr(0, 512);
  s.ip = ctx.req.remote_ip;
  std::string refresh = slab5::generate_token(slab5::kRefreshPrefix);
  ctx.db.query("INSERT INTO sessions (id, user_id, workspace_id, refresh_hash, created_at, last_used_at, expires_at, "
               "user_agent, ip) VALUES (?,?,?,?,?,?,?,?,?)",
               s.id, s.user_id, workspace_id.empty() ? std::optional<std::string>{} : std::optional{workspace_id},
               slab5::token_hash(refresh), s.created_at, s.last_used_at, s.expires_at, s.user_agent, s.ip)
      .run();
  AuditEvent ev = session_event(ctx, "session.created", s, 200);
  ev.after = session_json_for_audit(s);
  record_audit(ctx.db, std::move(ev));
  return response(ctx, svc, user, workspace_id, s.id, refresh);
}

Result<Json> refresh_session(Ctx& ctx, IdentityService& svc, const std::string& refresh_token) {
  if (slab5::token_kind(refresh_token) != slab5::TokenKind::Refresh || !slab5::token_checksum_ok(refresh_token))
    return unauthorized("The refresh token is not valid.");
  std::string hash = slab5::token_hash(refresh_token);
  auto now = slab5::now_millis();
  Tx tx(ctx.db);
  std::optional<SessionRecord> s;
  {
    auto q = ctx.db.query(std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE refresh_hash = ?", hash);
    if (q.next()) s = read_session(q);
  }
  if (!s) {
    std::optional<std::string> reused_sid;
    {
      auto q = ctx.db.query("SELECT session_id FROM used_refresh_tokens WHERE token_hash = ?", hash);
      if (q.next()) reused_sid = q.text(0);
    }
    if (!reused_sid) return unauthorized("The refresh token is not valid.");
    // A rotated-away token came back: someone holds a copy. End the whole session.
    auto victim = find_session(ctx.db, *reused_sid);
    if (victim && !victim->revoked_at) {
      std::string at = slab5::format_rfc3339(now);
      ctx.db.query("UPDATE sessions SET revoked_at = ?, refresh_hash = NULL WHERE id = ?", at, victim->id).run();
      AuditEvent ev = session_event(ctx, "session.revoked", *victim, 401);
      ev.actor_type = "system";
      ev.actor_id = "system";
      ev.before = session_json_for_audit(*victim);
      victim->revoked_at = at;
      ev.after = session_json_for_audit(*victim);
      (*ev.after)["reason"] = "refresh_token_reused";
      record_audit(ctx.db, std::move(ev));
      tx.commit();
    }
    return unauthorized("The refresh token was already used; the session has been revoked. Sign in again.");
  }
  if (s->revoked_at) return unauthorized("The session has been revoked; sign in again.");
  if (slab5::parse_rfc3339(s->expires_at).value_or(0) <= now) return unauthorized("The session has expired; sign in again.");
  auto user = find_user(ctx.db, s->user_id);
  if (!user) return unauthorized("The refresh token is not valid.");
  std::string fresh = slab5::generate_token(slab5::kRefreshPrefix);
  std::string at = slab5::format_rfc3339(now);
  ctx.db.query("INSERT OR IGNORE INTO used_refresh_tokens (token_hash, session_id, used_at) VALUES (?,?,?)", hash,
               s->id, at)
      .run();
  ctx.db.query("UPDATE sessions SET refresh_hash = ?, last_used_at = ?, expires_at = ? WHERE id = ?",
               slab5::token_hash(fresh), at, slab5::format_rfc3339(now + kRefreshLifetimeMs), s->id)
      .run();
  // The session keeps its workspace while the user is still a member of it.
  std::string ws = s->workspace_id;
  if (ws.empty() || !membership_role(ctx.db, ws, user->id)) ws = personal_workspace_id(ctx.db, user->id).value_or("");
  Json out = response(ctx, svc, *user, ws, s->id, fresh);
  tx.commit();
  return out;
}

int revoke_user_sessions(Db& db, const std::string& user_id, const std::string& at) {
  db.query("UPDATE sessions SET revoked_at = ?, refresh_hash = NULL WHERE user_id = ? AND revoked_at IS NULL", at,
           user_id)
      .run();
  return int(db.changes());
}

slab5::Status revoke_session(Ctx& ctx, const std::string& user_id, const std::string& sid, const std::string& reason) {
  Tx tx(ctx.db);
  auto s = find_session(ctx.db, sid);
  if (!s || s->user_id != user_id) return slab5::fail("resource_not_found", "No session " + sid + " of yours exists.");
  if (s->revoked_at) return slab5::fail("conflict", "The session is already revoked.");
  std::string at = slab5::format_rfc3339(slab5::now_millis());
  ctx.db.query("UPDATE sessions SET revoked_at = ?, refresh_hash = NULL WHERE id = ?", at, sid).run();
  AuditEvent ev = session_event(ctx, "session.revoked", *s, 204);
  ev.before = session_json_for_audit(*s);
  s->revoked_at = at;
  ev.after = session_json_for_audit(*s);
  (*ev.after)["reason"] = reason;
  record_audit(ctx.db, std::move(ev));
  tx.commit();
  return {};
}

}  // namespace slab5d
