#include "domain/sessions.hpp"
#include "slab5/json_util.hpp"

#include <array>

#include "domain/identity.hpp"
#include "domain/identity_service.hpp"
#include "domain/outcome.hpp"
#include "domain/workspaces.hpp"
#include "domain/write.hpp"
#include "slab5/ids.hpp"
#include "slab5/jose.hpp"
#include "slab5/time.hpp"
#include "slab5/token.hpp"

namespace slab5d {

using slab5::Json;
using slab5::Result;

namespace {
constexpr std::array<std::string_view, 1> kSessionAlgs{slab5::jose::kES256};

tl::unexpected<slab5::Error> unauthorized(std::string msg) { return slab5::fail("unauthorized", std::move(msg)); }

Result<Json> response(Conn& db, IdentityStore& st, IdentityService& svc, const User& user,
                      const std::string& workspace_id, const std::string& sid, const std::string& refresh) {
  Json ws = nullptr;
  if (auto w = find_workspace(db, workspace_id)) {
    ws = w->to_json();
    if (auto role = membership_role(db, workspace_id, user.id)) ws["role"] = *role;
  }
  OUTCOME_TRY(access, issue_access_token(*st.keys, svc, user.id, sid));
  return Json{{"accessToken", access}, {"refreshToken", refresh},
              {"tokenType", "Bearer"}, {"expiresIn", svc.config().session_ttl_ms / 1000},
              {"sessionId", sid},      {"user", user_json(user)},
              {"workspace", ws}};
}
}  // namespace

Json session_json(const SessionRecord& s, const std::string& current_sid) {
  auto opt = [](const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); };
  Json j = {{"id", s.id},
            {"workspace_id", s.workspace_id.empty() ? Json(nullptr) : Json(s.workspace_id)},
            {"created_at", s.created_at},
            {"last_used_at", opt(s.last_used_at)},
            {"expires_at", s.expires_at},
            {"user_agent", s.user_agent},
            {"ip", s.ip}};
  if (s.revoked_at) j["revoked_at"] = *s.revoked_at;
  if (!current_sid.empty()) j["current"] = s.id == current_sid;
  return j;
}

Result<std::vector<SessionRecord>> list_sessions(Conn& db, const std::string& user_id,
                                                 const std::optional<std::string>& after, int limit) {
  return db.identity().sessions->list_active(user_id, slab5::format_rfc3339(slab5::now_millis()), after, limit);
}

slab5::Status prime_signing_key(Conn& db, IdentityService& svc) {
  auto& st = db.identity();
  OUTCOME_CHECK(svc.keys.active(*st.keys));
  return {};
}

Result<Json> signing_jwks(Conn& db, IdentityService& svc) { return svc.keys.jwks(*db.identity().keys); }

Result<std::string> issue_access_token(SigningKeyStore& keys, IdentityService& svc, const std::string& user_id,
                                       const std::string& sid) {
  auto now = slab5::now_millis() / 1000;
  Json claims = {{"iss", svc.issuer()},
                 {"sub", user_id},
                 {"sid", sid},
                 {"iat", now},
                 {"exp", now + svc.config().session_ttl_ms / 1000},
                 {"typ", "session"}};
  OUTCOME_TRY(key, svc.keys.active(keys));
  return slab5::jose::sign(key, claims);
}

Result<SessionClaims> verify_session(Conn& db, IdentityService& svc, std::string_view token) {
  auto& st = db.identity();
  auto v = slab5::jose::verify(
      token, [&](const std::string& kid) { return svc.keys.find(*st.keys, kid); }, kSessionAlgs);
  if (!v) return unauthorized("The session token is not valid: " + v.error().message + ".");
  const Json& c = v->claims;
  if (slab5::string_or(c, "typ") != "session") return unauthorized("The token is not a session token.");
  if (!c.contains("sub") || !c["sub"].is_string() || !c.contains("sid") || !c["sid"].is_string())
    return unauthorized("The session token lacks its subject or session id.");
  auto now_ms = slab5::now_millis();
  if (auto t = slab5::jose::check_time_claims(c, now_ms / 1000, 0); !t)
    return unauthorized("The session token has expired; refresh it or sign in again.");
  std::string sid = c["sid"].get<std::string>();
  std::string sub = c["sub"].get<std::string>();
  OUTCOME_TRY(s, st.sessions->find(sid));
  if (!s) return unauthorized("The session does not exist.");
  if (s->user_id != sub) return unauthorized("The session token does not match its session.");
  if (s->revoked_at) return unauthorized("The session has been revoked; sign in again.");
  std::int64_t session_expires_ms = slab5::parse_rfc3339(s->expires_at).value_or(0);
  if (session_expires_ms <= now_ms) return unauthorized("The session has expired; sign in again.");
  // Last use is recorded at most once a minute per session.
  auto last = s->last_used_at ? slab5::parse_rfc3339(*s->last_used_at).value_or(0) : 0;
  if (now_ms - last >= 60000) OUTCOME_CHECK(st.sessions->touch(sid, slab5::format_rfc3339(now_ms)));
  SessionClaims out;
  out.session_id = sid;
  out.user_id = sub;
  out.token_expires_at_ms = std::int64_t(c["exp"].get<double>()) * 1000;
  out.session_expires_at_ms = session_expires_ms;
  return out;
}

Result<std::string> session_workspace(Conn& db, UserStore& users, const std::string& user_id,
                                      const std::optional<std::string>& requested) {
  if (requested) {
    if (!membership_role(db, *requested, user_id))
      return slab5::fail("workspace_not_found", "No workspace " + *requested + " is accessible to you.");
    return *requested;
  }
  OUTCOME_TRY(personal, users.personal_workspace(user_id));
  return personal.value_or("");
}

Result<Json> start_session(WriteUnit& unit, const RequestMeta& meta, IdentityStore& st, IdentityService& svc,
                           const User& user, const std::string& workspace_id) {
  auto now = slab5::now_millis();
  SessionRecord s;
  s.id = slab5::new_id("ses");
  s.user_id = user.id;
  s.workspace_id = workspace_id;
  s.created_at = slab5::format_rfc3339(now);
  s.last_used_at = s.created_at;
  s.expires_at = slab5::format_rfc3339(now + kRefreshLifetimeMs);
  s.user_agent = meta.user_agent.substr(0, 512);
  s.ip = meta.ip;
  std::string refresh = slab5::generate_token(slab5::kRefreshPrefix);
  OUTCOME_CHECK(st.sessions->insert(s, slab5::token_hash(refresh)));
  unit.record({.action = "session.created",
               .target_type = "session",
               .target_id = s.id,
               .after = session_json(s, ""),
               .status = status_of(Outcome::Done),
               .emit_event = false,
               .actor = audit_actor(unit.db(), unit.actor(), "user", s.user_id, s.workspace_id)});
  return response(unit.db(), st, svc, user, workspace_id, s.id, refresh);
}

Result<Json> refresh_session(Conn& db, IdentityService& svc, const Actor& actor, const RequestMeta& meta,
                             const std::string& refresh_token) {
  if (slab5::token_kind(refresh_token) != slab5::TokenKind::Refresh || !slab5::token_checksum_ok(refresh_token))
    return unauthorized("The refresh token is not valid.");
  std::string hash = slab5::token_hash(refresh_token);
  auto now = slab5::now_millis();
  auto& st = db.identity();
  WriteUnit unit(db, actor, meta);
  OUTCOME_TRY(s, st.sessions->find_by_refresh(hash));
  if (!s) {
    OUTCOME_TRY(reused_sid, st.sessions->find_used_refresh(hash));
    if (!reused_sid) return unauthorized("The refresh token is not valid.");
    // A rotated-away token came back: someone holds a copy. End the whole session.
    slab5::Error refused{"unauthorized",
                         "The refresh token was already used; the session has been revoked. Sign in again."};
    OUTCOME_TRY(victim, st.sessions->find(*reused_sid));
    if (victim && !victim->revoked_at) {
      std::string at = slab5::format_rfc3339(now);
      OUTCOME_CHECK(st.sessions->revoke(victim->id, at));
      Json before = session_json(*victim, "");
      victim->revoked_at = at;
      Json after = session_json(*victim, "");
      after["reason"] = "refresh_token_reused";
      unit.record({.action = "session.revoked",
                   .target_type = "session",
                   .target_id = victim->id,
                   .before = std::move(before),
                   .after = std::move(after),
                   .status = status_of(refused),
                   .emit_event = false,
                   .actor = audit_actor(db, actor, "system", "system", victim->workspace_id)});
      OUTCOME_CHECK(unit.commit());
    }
    return tl::unexpected(refused);
  }
  if (s->revoked_at) return unauthorized("The session has been revoked; sign in again.");
  if (slab5::parse_rfc3339(s->expires_at).value_or(0) <= now)
    return unauthorized("The session has expired; sign in again.");
  OUTCOME_TRY(user, st.users->find(s->user_id));
  if (!user) return unauthorized("The refresh token is not valid.");
  std::string fresh = slab5::generate_token(slab5::kRefreshPrefix);
  std::string at = slab5::format_rfc3339(now);
  OUTCOME_CHECK(
      st.sessions->rotate(s->id, hash, slab5::token_hash(fresh), at, slab5::format_rfc3339(now + kRefreshLifetimeMs)));
  // The session keeps its workspace while the user is still a member of it.
  std::string ws = s->workspace_id;
  if (ws.empty() || !membership_role(db, ws, user->id)) {
    OUTCOME_TRY(personal, st.users->personal_workspace(user->id));
    ws = personal.value_or("");
  }
  OUTCOME_TRY(out, response(db, st, svc, *user, ws, s->id, fresh));
  OUTCOME_CHECK(unit.commit());
  return out;
}

slab5::Status revoke_session(Conn& db, const Actor& actor, const RequestMeta& meta, const std::string& user_id,
                             const std::string& sid, const std::string& reason) {
  auto& st = db.identity();
  WriteUnit unit(db, actor, meta);
  OUTCOME_TRY(s, st.sessions->find(sid));
  if (!s || s->user_id != user_id) return slab5::fail("resource_not_found", "No session " + sid + " of yours exists.");
  if (s->revoked_at) return slab5::fail("conflict", "The session is already revoked.");
  std::string at = slab5::format_rfc3339(slab5::now_millis());
  OUTCOME_CHECK(st.sessions->revoke(sid, at));
  Json before = session_json(*s, "");
  s->revoked_at = at;
  Json after = session_json(*s, "");
  after["reason"] = reason;
  unit.record({.action = "session.revoked",
               .target_type = "session",
               .target_id = sid,
               .before = std::move(before),
               .after = std::move(after),
               .status = status_of(Outcome::Removed),
               .emit_event = false,
               .actor = audit_actor(db, actor, "user", s->user_id, s->workspace_id)});
  return unit.commit();
}

}  // namespace slab5d
