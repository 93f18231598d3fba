#include "domain/identity_login.hpp"

#include "app.hpp"
#include "domain/audit.hpp"
#include "domain/identity.hpp"
#include "domain/identity_service.hpp"
#include "domain/passwords.hpp"
#include "domain/sessions.hpp"
#include "domain/workspaces.hpp"
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

struct FailureState {
  int count = 0;
  slab5::Millis last = 0;
};

FailureState failures(Db& db, const std::string& email, slab5::Millis now) {
  auto q = db.query("SELECT count(*), coalesce(max(at_ms), 0) FROM login_failures WHERE email = ? AND at_ms > ?", email,
                    now - kFailureWindowMs);
  q.next();
  return {int(q.integer(0)), q.integer(1)};
}

// Records a failure and its audit event in one transaction.
void record_failure(Ctx& ctx, const std::string& email, const std::optional<User>& user, const std::string& reason,
                    int status) {
  auto now = slab5::now_millis();
  Tx tx(ctx.db);
  ctx.db.query("DELETE FROM login_failures WHERE email = ? AND at_ms <= ?", email, now - kFailureWindowMs).run();
  ctx.db.query("INSERT INTO login_failures (email, at_ms) VALUES (?, ?)", email, now).run();
  AuditEvent ev = audit_from(ctx, "session.failed", "user", user ? user->id : "", status);
  if (user) {
    ev.actor_type = "user";
    ev.actor_id = user->id;
    if (auto ws = personal_workspace_id(ctx.db, user->id)) {
      ev.workspace_id = *ws;
      if (auto w = find_workspace(ctx.db, *ws)) ev.tenant_id = w->tenant_id;
    }
  } else {
    ev.actor_id = "anonymous";
  }
  ev.after = Json{{"provider", "local"}, {"email", email}, {"reason", reason}};
  record_audit(ctx.db, std::move(ev));
  tx.commit();
}

tl::unexpected<slab5::Error> too_many(std::int64_t delay_ms) {
  auto secs = (delay_ms + 999) / 1000;
  return slab5::fail("too_many_attempts",
                     "Too many failed sign-ins for this email; try again in " + std::to_string(secs) + " seconds.",
                     {{"retry_after_seconds", secs}});
}

}  // namespace

Result<Json> local_login(Ctx& ctx, IdentityService& svc, const std::string& email, const std::string& password,
                         const std::optional<std::string>& workspace_id) {
  auto now = slab5::now_millis();
  auto state = failures(ctx.db, email, now);
  if (state.count >= kFreeFailures && now < state.last + throttle_delay_ms(state.count)) {
    // A throttled attempt counts as a failure too, so the wait grows while attempts go on;
    // failures older than the window drop out, so the lock-out always ends.
    record_failure(ctx, email, find_user_by_email(ctx.db, email), "throttled", 429);
    ctx.response_headers.emplace_back("Retry-After", std::to_string((throttle_delay_ms(state.count + 1) + 999) / 1000));
    return too_many(throttle_delay_ms(state.count + 1));
  }

  auto user = find_user_by_email(ctx.db, email);
  bool ok;
  if (user && user->password_hash) {
    ok = password.size() <= 1024 && verify_password(password, *user->password_hash);
  } else {
    // Same work for an unknown email (or an OAuth-only account) as for a wrong password.
    (void)verify_password(password, svc.dummy_hash());
    ok = false;
  }
  if (!ok) {
    record_failure(ctx, email, user, user ? "wrong_password" : "unknown_email", 401);
    return slab5::fail("invalid_credentials");
  }
  if (!user->email_verified_at && !ctx.app.config().auto_verify)
    return slab5::fail("email_not_verified",
                       "Verify your email address first (see the mail we sent, or 'slab5 auth resend-verification').");

  std::optional<std::string> rehash;
  if (password_needs_rehash(*user->password_hash, svc.cost)) rehash = hash_password(password, svc.cost);

  Tx tx(ctx.db);
  auto ws = session_workspace(ctx.db, user->id, workspace_id);
  if (!ws) return tl::unexpected(ws.error());
  ctx.db.query("DELETE FROM login_failures WHERE email = ?", email).run();
  if (rehash) {
    ctx.db.query("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", *rehash,
                 slab5::format_rfc3339(now), user->id)
        .run();
  }
  Json out = start_session(ctx, svc, *user, *ws);
  tx.commit();
  return out;
}

}  // namespace slab5d
