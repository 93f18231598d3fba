#include "domain/identity_login.hpp"

#include "domain/identity.hpp"
#include "domain/identity_service.hpp"
#include "domain/outcome.hpp"
#include "domain/passwords.hpp"
#include "domain/sessions.hpp"
#include "domain/write.hpp"
#include "slab5/time.hpp"

namespace slab5d {

using slab5::Json;
using slab5::Result;

std::int64_t throttle_delay_ms(int failures) {
  if (failures < kFreeFailures) return 0;
  std::int64_t d = kFirstDelayMs;
  for (int i = kFreeFailures; i < failures && d < kMaxDelayMs; ++i) d *= 2;
  return std::min(d, kMaxDelayMs);
}

namespace {

// Records a failure and its session.failed audit row in a unit of its own, then answers with
// `refusal` (whose status the audit row carries).
tl::unexpected<slab5::Error> record_failure(Conn& db, const Actor& actor, const RequestMeta& meta,
                                            const std::string& email, const std::optional<User>& user,
                                            const std::string& reason, slab5::Error refusal) {
  auto now = slab5::now_millis();
  auto& st = db.identity();
  WriteUnit unit(db, actor, meta);
  if (auto s = st.users->add_login_failure(email, now, now - kFailureWindowMs); !s) return tl::unexpected(s.error());
  Actor who = actor;
  who.id = "anonymous";
  if (user) {
    auto ws = st.users->personal_workspace(user->id);
    if (!ws) return tl::unexpected(ws.error());
    who = audit_actor(db, actor, "user", user->id, *ws);
  }
  unit.record({.action = "session.failed",
               .target_type = "user",
               .target_id = user ? user->id : "",
               .after = Json{{"provider", "local"}, {"email", email}, {"reason", reason}},
               .status = status_of(refusal),
               .emit_event = false,
               .actor = who});
  if (auto s = unit.commit(); !s) return tl::unexpected(s.error());
  return tl::unexpected(std::move(refusal));
}

slab5::Error too_many(std::int64_t delay_ms) {
  auto secs = (delay_ms + 999) / 1000;
  slab5::Error e{"too_many_attempts",
                 "Too many failed sign-ins for this email; try again in " + std::to_string(secs) + " seconds."};
  return e.retry_after(secs);
}

}  // namespace

Result<Json> local_login(Conn& db, IdentityService& svc, const Actor& actor, const RequestMeta& meta,
                         const LocalLogin& in) {
  auto& st = db.identity();
  auto now = slab5::now_millis();
  OUTCOME_TRY(state, st.users->login_failures(in.email, now - kFailureWindowMs));
  if (state.count >= kFreeFailures && now < state.last_ms + throttle_delay_ms(state.count)) {
    // A throttled attempt counts as a failure too, so the wait grows while attempts go on;
    // failures older than the window drop out, so the lock-out always ends.
    OUTCOME_TRY(known, st.users->find_by_email(in.email));
    return record_failure(db, actor, meta, in.email, known, "throttled", too_many(throttle_delay_ms(state.count + 1)));
  }

  OUTCOME_TRY(user, st.users->find_by_email(in.email));
  bool ok;
  if (user && user->password_hash) {
    ok = in.password.size() <= 1024 && verify_password(in.password, *user->password_hash);
  } else {
    // Same work for an unknown email (or an OAuth-only account) as for a wrong password.
    (void)verify_password(in.password, svc.dummy_hash());
    ok = false;
  }
  if (!ok)
    return record_failure(db, actor, meta, in.email, user, user ? "wrong_password" : "unknown_email",
                          slab5::Error{"invalid_credentials"});
  if (!user->email_verified_at && !svc.config().auto_verify)
    return slab5::fail("email_not_verified",
                       "Verify your email address first (see the mail we sent, or 'slab5 auth resend-verification').");

  std::optional<std::string> rehash;
  if (password_needs_rehash(*user->password_hash, svc.cost)) rehash = hash_password(in.password, svc.cost);

  WriteUnit unit(db, actor, meta);
  OUTCOME_TRY(ws, session_workspace(db, *st.users, user->id, in.workspace_id));
  OUTCOME_CHECK(st.users->clear_login_failures(in.email));
  if (rehash) {
    // Stored; the answer shows the account as the sign-in found it.
    User rehashed = *user;
    rehashed.password_hash = *rehash;
    rehashed.updated_at = slab5::format_rfc3339(now);
    OUTCOME_CHECK(st.users->update(rehashed));
  }
  OUTCOME_TRY(out, start_session(unit, meta, st, svc, *user, ws));
  OUTCOME_CHECK(unit.commit());
  return out;
}

}  // namespace slab5d
