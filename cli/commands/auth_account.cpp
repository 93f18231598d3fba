// slab5 auth register | verify-email | resend-verification | accept-invite | sessions.
#include "commands/auth_shared.hpp"
#include "exit_codes.hpp"
#include "slab5/json_util.hpp"

namespace slab5cli {
namespace {

const RequestOptions kPublic{.auth = false, .workspace = false};

struct AccountOptions {
  std::string email;
  std::string name;
  std::string token;
  bool password_stdin = false;
  std::string session_id;
};

int run_register(Context& ctx, const AccountOptions& o) {
  auto pw = read_password(ctx, o.password_stdin, true);
  if (!pw) return pw.error();
  Json body = {{"email", o.email}, {"password", *pw}};
  if (!o.name.empty()) body["name"] = o.name;
  auto d = ctx.client().data("POST", "auth/register", body, kPublic);
  if (!d) return ctx.fail(d.error());
  return ctx.emit(*d, [&] {
    ctx.out.info("Registration received for " + o.email +
                 ". Check the mailbox for a verification token, then run 'slab5 auth verify-email --token TOKEN'.");
  });
}

int run_verify(Context& ctx, const AccountOptions& o) {
  auto d = ctx.client().data("POST", "auth/verify-email", Json{{"token", o.token}}, kPublic);
  if (!d) return ctx.fail(d.error());
  return ctx.emit(*d, [&] {
    ctx.out.info("Email verified for " + slab5::string_or((*d)["user"], "email") + ". Sign in with 'slab5 login'.");
  });
}

int run_resend(Context& ctx, const AccountOptions& o) {
  auto d = ctx.client().data("POST", "auth/resend-verification", Json{{"email", o.email}}, kPublic);
  if (!d) return ctx.fail(d.error());
  return ctx.emit(*d, [&] {
    ctx.out.info("If " + o.email + " has an unverified account, a new verification mail is on its way.");
  });
}

int run_accept(Context& ctx, const AccountOptions& o) {
  Json body = {{"token", o.token}};
  if (!o.name.empty()) body["name"] = o.name;
  if (o.password_stdin) {
    auto pw = read_password(ctx, true, false);
    if (!pw) return pw.error();
    body["password"] = *pw;
  }
  auto r = ctx.client().call("POST", "auth/accept-invite", body, kPublic);
  if (!r && !o.password_stdin && ctx.stdin_tty() && r.error().code == "validation_failed" &&
      r.error().message.rfind("password", 0) == 0) {
    // A new account: ask for its password.
    ctx.out.info("This address has no account yet; choose a password for it.");
    auto pw = read_password(ctx, false, true);
    if (!pw) return pw.error();
    body["password"] = *pw;
    r = ctx.client().call("POST", "auth/accept-invite", body, kPublic);
  }
  if (!r) return ctx.fail(r.error());
  return store_session(ctx, r->json["data"], "Joined the workspace and signed in");
}

int run_sessions_list(Context& ctx) {
  auto all = ctx.client().list_all("auth/sessions");
  if (!all) return ctx.fail(all.error());
  return ctx.emit(*all, [&] {
    ctx.out.print_table({{"ID", "id"},
                         {"Current", "current"},
                         {"Created", "created_at", true},
                         {"Last used", "last_used_at", true},
                         {"IP", "ip"},
                         {"User agent", "user_agent"}},
                        *all);
  });
}

int run_sessions_revoke(Context& ctx, const std::string& id) {
  if (int rc = ctx.confirm("revoke session " + id, id); rc != kOk) return rc;
  auto r = ctx.client().call("DELETE", "auth/sessions/" + id, nullptr, {.workspace = false});
  if (!r) return ctx.fail(r.error());
  ctx.out.info("Revoked session " + id + ".");
  return kOk;
}

}  // namespace

void add_auth_account_commands(CLI::App& auth, Context& ctx) {
  auto o = std::make_shared<AccountOptions>();

  auto* reg = auth.add_subcommand("register", "Create an account; a verification mail follows");
  reg->add_option("--email", o->email, "Email address")->required();
  reg->add_option("--name", o->name, "Your name");
  reg->add_flag("--password-stdin", o->password_stdin, "Read the password from stdin");
  reg->footer(
      "Example:\n  printf '%s\\n' \"$PASSWORD\" | slab5 auth register --email you@example.com --password-stdin");
  on_run(reg, ctx, [&ctx, o] { return run_register(ctx, *o); });

  auto* verify = auth.add_subcommand("verify-email", "Confirm an email address with the mailed token");
  verify->add_option("--token", o->token, "The token from the verification mail")->required();
  verify->footer("Example:\n  slab5 auth verify-email --token TOKEN");
  on_run(verify, ctx, [&ctx, o] { return run_verify(ctx, *o); });

  auto* resend = auth.add_subcommand("resend-verification", "Send the verification mail again (at most once a minute)");
  resend->add_option("--email", o->email, "Email address")->required();
  resend->footer("Example:\n  slab5 auth resend-verification --email you@example.com");
  on_run(resend, ctx, [&ctx, o] { return run_resend(ctx, *o); });

  auto* accept = auth.add_subcommand("accept-invite", "Accept a workspace invitation and sign in to that workspace");
  accept->add_option("--token", o->token, "The token from the invitation mail")->required();
  accept->add_option("--name", o->name, "Your name (new accounts)");
  accept->add_flag("--password-stdin", o->password_stdin, "Read the new account's password from stdin");
  accept->footer(
      "Examples:\n  slab5 auth accept-invite --token TOKEN\n"
      "  printf '%s\\n' \"$PASSWORD\" | slab5 auth accept-invite --token TOKEN --password-stdin");
  on_run(accept, ctx, [&ctx, o] { return run_accept(ctx, *o); });

  auto* sessions = auth.add_subcommand("sessions", "List your active sessions or revoke one (default: list)");
  sessions->footer("Examples:\n  slab5 auth sessions\n  slab5 auth sessions revoke ses_… --yes");
  auto* list = sessions->add_subcommand("list", "List your active sessions");
  on_run(list, ctx, [&ctx] { return run_sessions_list(ctx); });
  auto* revoke = sessions->add_subcommand("revoke", "Revoke one of your sessions");
  with_dynamic_values(revoke->add_option("id", o->session_id, "Session id (ses_…)")->required(), "session_id");
  on_run(revoke, ctx, [&ctx, o] { return run_sessions_revoke(ctx, o->session_id); });
  on_run(sessions, ctx, [&ctx] { return run_sessions_list(ctx); });
}

}  // namespace slab5cli
