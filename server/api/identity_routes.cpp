// Identity routes (api.md §2): registration, verification, sessions, OAuth, accept-invite,
// /v1/me and the JWKS of the session signing keys. Installs the session verifier.
#include <memory>

#include "api/page_params.hpp"
#include "app.hpp"
#include "domain/credentials.hpp"
#include "domain/identity.hpp"
#include "domain/identity_invitations.hpp"
#include "domain/identity_login.hpp"
#include "domain/identity_service.hpp"
#include "domain/kek.hpp"
#include "domain/oauth.hpp"
#include "domain/sessions.hpp"
#include "work_pool.hpp"

namespace slab5d {

using slab5::Json;
using slab5::Result;

namespace {

#define TRY_ASSIGN(var, expr)                           \
  auto var##_r = (expr);                                \
  if (!var##_r) return tl::unexpected(var##_r.error()); \
  auto var = std::move(*var##_r)

#define TRY_STATUS(expr)                        \
  do {                                          \
    auto s_ = (expr);                           \
    if (!s_) return tl::unexpected(s_.error()); \
  } while (0)

Result<Reply> accepted(Result<Json> r) {
  if (!r) return tl::unexpected(r.error());
  return Reply{202, std::move(*r)};
}
Result<Reply> ok(Result<Json> r) {
  if (!r) return tl::unexpected(r.error());
  return Reply::ok(std::move(*r));
}

Result<Reply> do_register(Ctx& ctx, IdentityService& svc) {
  TRY_ASSIGN(email, slab5::req_string(ctx.body, "email"));
  TRY_ASSIGN(password, slab5::req_string(ctx.body, "password"));
  TRY_ASSIGN(name, slab5::opt_string(ctx.body, "name"));
  TRY_STATUS(check_email("email", email));
  TRY_STATUS(check_password("password", password));
  TRY_STATUS(check_name("name", name));
  // Hashed whether or not the address has an account, so both answers take the same time.
  std::string hash = hash_password(password, svc.cost);
  return accepted(register_account(ctx.db, svc, ctx.actor(), ctx.meta(),
                                   {.email = email, .password_hash = hash, .name = name.value_or("")}));
}

Result<Reply> do_login(Ctx& ctx, IdentityService& svc) {
  TRY_STATUS(prime_signing_key(ctx.db, svc));
  TRY_ASSIGN(provider, slab5::req_string(ctx.body, "provider"));
  TRY_ASSIGN(workspace_id, slab5::opt_string(ctx.body, "workspaceId"));
  if (provider == "local") {
    TRY_ASSIGN(email, slab5::req_string(ctx.body, "email"));
    TRY_ASSIGN(password, slab5::req_string(ctx.body, "password"));
    // A refusal that names when to try again answers with Retry-After (app.cpp, from the error).
    return ok(local_login(ctx.db, svc, ctx.actor(), ctx.meta(),
                          {.email = email, .password = password, .workspace_id = workspace_id}));
  }
  if (provider == "google" || provider == "microsoft") {
    TRY_ASSIGN(id_token, slab5::req_string(ctx.body, "idToken"));
    return ok(oauth_login(ctx.db, svc, ctx.actor(), ctx.meta(),
                          {.provider = provider, .id_token = id_token, .workspace_id = workspace_id}));
  }
  return tl::unexpected(slab5::validation_error("provider", "must be local, google or microsoft"));
}

Result<Reply> do_accept_invite(Ctx& ctx, IdentityService& svc) {
  TRY_STATUS(prime_signing_key(ctx.db, svc));
  TRY_ASSIGN(token, slab5::req_string(ctx.body, "token"));
  TRY_ASSIGN(password, slab5::opt_string(ctx.body, "password"));
  TRY_ASSIGN(name, slab5::opt_string(ctx.body, "name"));
  TRY_STATUS(check_name("name", name));
  std::optional<std::string> hash;
  if (password) {
    TRY_STATUS(check_password("password", *password));
    hash = hash_password(*password, svc.cost);
  }
  return ok(
      accept_invitation(ctx.db, svc, ctx.actor(), ctx.meta(), {.token = token, .password_hash = hash, .name = name}));
}

Result<Reply> do_list_sessions(Ctx& ctx) {
  std::string filters = "user=" + ctx.who.user_id;
  TRY_ASSIGN(page, read_page_request(ctx, filters));
  TRY_ASSIGN(rows, list_sessions(ctx.db, ctx.who.user_id, page.after, page.limit + 1));
  Reply r;
  r.data = Json::array();
  for (std::size_t i = 0; i < rows.size() && int(i) < page.limit; ++i)
    r.data.push_back(session_json(rows[i], ctx.who.credential_id));
  if (int(rows.size()) > page.limit) r.next_cursor = make_cursor(ctx, filters, rows[std::size_t(page.limit) - 1].id);
  return r;
}

// An API key learns its own id, name, scopes, workspace and expiry here, without
// settings:admin (api.md §2.2); never its secret.
Result<Reply> me_for_credential(Ctx& ctx) {
  std::string kind = ctx.who.credential_type();
  auto c = find_credential(ctx.db, kind, ctx.who.workspace_id, ctx.who.credential_id);
  if (!c) return slab5::fail("unauthorized", "The credential no longer exists.");
  return Reply::ok({{"credential",
                     {{"type", kind},
                      {"id", c->id},
                      {"name", c->name},
                      {"prefix", c->prefix},
                      {"scopes", c->scopes},
                      {"workspace_id", c->workspace_id},
                      {"expires_at", c->expires_at ? Json(*c->expires_at) : Json(nullptr)}}}});
}

Result<Reply> do_me(Ctx& ctx) {
  if (!ctx.who.is_session()) return me_for_credential(ctx);
  return ok(describe_session_user(ctx.db, ctx.actor()));
}

// What slab5d's identity rules need from the server: its settings, where the key-encryption
// key lives, its base URL (known once it listens) and its blocking pool.
IdentitySettings identity_settings(App& app) {
  return {.config = app.config(),
          .kek_path = app.kek_file(),
          .base_url = [&app] { return app.base_url(); },
          .post = [&app](std::function<void()> job) { app.blocking_pool().post(std::move(job)); }};
}

// The session verifier the middleware calls: a verified session token as its principal.
Result<Principal> verify_session_token(Conn& db, IdentityService& svc, std::string_view token) {
  TRY_ASSIGN(claims, verify_session(db, svc, token));
  Principal p;
  p.kind = Principal::Kind::Session;
  p.credential_id = claims.session_id;
  p.user_id = claims.user_id;
  p.token_expires_at_ms = claims.token_expires_at_ms;
  p.session_expires_at_ms = claims.session_expires_at_ms;
  return p;
}

}  // namespace

void register_identity_routes(App& app) {
  auto svc = std::make_shared<IdentityService>(identity_settings(app));
  app.set_session_verifier([svc](Conn& db, std::string_view token) { return verify_session_token(db, *svc, token); });
  app.on_state_replaced([svc] { svc->keys.forget(); });
  Router& r = app.router();

  r.bind({.id = "jwks", .handler = [svc](Ctx& ctx) -> Result<Reply> {
            TRY_ASSIGN(jwks, signing_jwks(ctx.db, *svc));
            Reply rep;
            rep.raw_body = jwks.dump();
            rep.content_type = "application/jwk-set+json";
            rep.headers.emplace_back("Cache-Control", "public, max-age=300");
            return rep;
          }});
  r.bind({.id = "auth.register", .handler = [svc](Ctx& ctx) { return do_register(ctx, *svc); }});
  r.bind({.id = "auth.verify_email", .handler = [](Ctx& ctx) -> Result<Reply> {
            TRY_ASSIGN(token, slab5::req_string(ctx.body, "token"));
            return ok(verify_email(ctx.db, ctx.actor(), ctx.meta(), token));
          }});
  r.bind({.id = "auth.resend_verification", .handler = [svc](Ctx& ctx) -> Result<Reply> {
            TRY_ASSIGN(email, slab5::req_string(ctx.body, "email"));
            TRY_STATUS(check_email("email", email));
            return accepted(resend_verification(ctx.db, *svc, ctx.actor(), ctx.meta(), email));
          }});
  r.bind({.id = "auth.login", .handler = [svc](Ctx& ctx) { return do_login(ctx, *svc); }});
  r.bind({.id = "auth.refresh", .handler = [svc](Ctx& ctx) -> Result<Reply> {
            TRY_ASSIGN(token, slab5::req_string(ctx.body, "refreshToken"));
            TRY_STATUS(prime_signing_key(ctx.db, *svc));
            return ok(refresh_session(ctx.db, *svc, ctx.actor(), ctx.meta(), token));
          }});
  r.bind({.id = "auth.logout", .handler = [](Ctx& ctx) -> Result<Reply> {
            TRY_STATUS(
                revoke_session(ctx.db, ctx.actor(), ctx.meta(), ctx.who.user_id, ctx.who.credential_id, "logout"));
            return Reply::no_content();
          }});
  r.bind("auth.sessions.list", do_list_sessions);
  r.bind({.id = "auth.sessions.revoke", .handler = [](Ctx& ctx) -> Result<Reply> {
            TRY_STATUS(
                revoke_session(ctx.db, ctx.actor(), ctx.meta(), ctx.who.user_id, ctx.param("id"), "revoked_by_user"));
            return Reply::no_content();
          }});
  r.bind({.id = "auth.accept_invite", .handler = [svc](Ctx& ctx) { return do_accept_invite(ctx, *svc); }});
  r.bind("me", do_me);
}

}  // namespace slab5d
