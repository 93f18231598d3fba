// slab5 login, logout, auth … and invitations, through the real slab5 binary (cli.md §2).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include <fstream>
#include <sstream>

#include "harness.hpp"

using namespace testing;

namespace {

// A slab5 environment with its own config directory, pointed at one server.
struct Cli {
  TempDir home;
  std::map<std::string, std::string> env;
  std::string host;  // credentials are filed by host (cli.md §1)
  explicit Cli(const Server& s) : host(s.base_url) {
    env = {{"SLAB5_API_BASE_URL", s.api_url},
           {"SLAB5_CONFIG_DIR", home.file("config")},
           {"HOME", home.path()},
           {"SLAB5_MAX_RETRIES", "0"}};
  }
  CliResult run(const std::vector<std::string>& args, const std::string& in = "",
                const std::map<std::string, std::string>& extra = {}) const {
    auto e = env;
    for (auto& [k, v] : extra) e[k] = v;
    return run_cli(args, e, in);
  }
  std::string credentials_path() const { return home.file("config") + "/credentials.json"; }
  Json credentials() const {
    std::ifstream in(credentials_path());
    std::stringstream ss;
    ss << in.rdbuf();
    auto j = Json::parse(ss.str(), nullptr, false);
    return j.is_discarded() ? Json(nullptr) : j;
  }
  void write_credentials(const Json& j) const {
    std::ofstream out(credentials_path(), std::ios::trunc);
    out << j.dump();
  }
};

Json parse(const std::string& s) {
  auto j = Json::parse(s, nullptr, false);
  return j.is_discarded() ? Json(nullptr) : j;
}

std::string mail_token(const Server& s, const std::string& to) {
  auto r = http("GET", s.api_url + "/dev/mail?to=" + slab5::url_encode(to));
  REQUIRE(r.json["data"].size() >= 1);
  return r.json["data"][0]["token"];
}

}  // namespace

TEST_CASE("on a terminal, login prompts for the email and for the password with echo off") {
  Server s;
  Cli cli(s);
  auto r = run_cli_on_terminal({"login"}, cli.env, {{"Email: ", s.owner_email}, {"Password: ", s.owner_password}});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(s.owner_email) != std::string::npos);     // typed with echo
  CHECK(r.out.find(s.owner_password) == std::string::npos);  // typed without
  CHECK(cli.credentials()["hosts"][cli.host]["profiles"]["default"]["kind"] == "session");
  // Revoking on a terminal asks to type the id.
  auto other = login(s, s.owner_email, s.owner_password);
  std::string id = other["sessionId"];
  auto revoked = run_cli_on_terminal({"auth", "sessions", "revoke", id}, cli.env, {{"to confirm: ", id}});
  CHECK(revoked.exit_code == 0);
  CHECK(api("GET", s.api_url + "/me", other["accessToken"]).status == 401);
}

TEST_CASE("login --password-stdin stores a session that later commands use") {
  Server s;
  Cli cli(s);
  auto r = cli.run({"login", "--email", s.owner_email, "--password-stdin"}, s.owner_password + "\n");
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("Signed in") != std::string::npos);
  CHECK(r.out.find(s.owner_password) == std::string::npos);
  struct stat st {};
  REQUIRE(stat(cli.credentials_path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto stored = cli.credentials()["hosts"][cli.host]["profiles"]["default"];
  CHECK(stored["kind"] == "session");
  CHECK(stored["refresh_token"].get<std::string>().rfind("slab5_rt_", 0) == 0);
  CHECK(stored["workspace_id"] == s.workspace_id);

  auto ws = cli.run({"workspace", "--json"});
  CHECK(ws.exit_code == 0);
  CHECK(parse(ws.out)["id"] == s.workspace_id);

  auto status = cli.run({"auth", "status", "--json"});
  REQUIRE(status.exit_code == 0);
  auto j = parse(status.out);
  CHECK(j["kind"] == "session");
  CHECK(j["source"].get<std::string>().rfind("profile default", 0) == 0);
  CHECK(j["server"] == s.api_url);
  CHECK(j["user"]["email"] == s.owner_email);
  CHECK(j["workspace"] == s.workspace_id);
  CHECK(j["role"] == "owner");
  CHECK(std::find(j["scopes"].begin(), j["scopes"].end(), "settings:admin") != j["scopes"].end());
  CHECK_FALSE(j["expires_at"].is_null());
  CHECK(j["token"].get<std::string>().size() < 20);  // masked
  auto shown = cli.run({"auth", "status", "--json", "--show-token"});
  CHECK(parse(shown.out)["token"] == stored["token"]);
  auto human = cli.run({"auth", "status"});
  CHECK(human.exit_code == 0);
  CHECK(human.out.find("session") != std::string::npos);
  auto token = cli.run({"auth", "token"});
  CHECK(token.exit_code == 0);
  CHECK(token.out == stored["token"].get<std::string>() + "\n");
}

TEST_CASE("login refusals: wrong password, no email, no password source") {
  Server s;
  Cli cli(s);
  auto wrong = cli.run({"login", "--email", s.owner_email, "--password-stdin"}, "not-the-password\n");
  CHECK(wrong.exit_code == 4);
  CHECK(wrong.err.find("invalid_credentials") != std::string::npos);
  CHECK(cli.run({"login", "--password-stdin"}, "x\n").exit_code == 2);
  auto nopw = cli.run({"login", "--email", s.owner_email});
  CHECK(nopw.exit_code == 2);
  CHECK(nopw.err.find("--password-stdin") != std::string::npos);
  CHECK(cli.run({"login", "--provider", "google"}).exit_code == 2);
  CHECK(cli.run({"login", "--provider", "github"}).exit_code == 2);
  auto none = cli.run({"auth", "status"});
  CHECK(none.exit_code == 4);
  CHECK(none.err.find("slab5 login") != std::string::npos);
}

TEST_CASE("a stored session refreshes itself when its access token has expired") {
  Server s;
  Cli cli(s);
  REQUIRE(cli.run({"login", "--email", s.owner_email, "--password-stdin"}, s.owner_password + "\n").exit_code == 0);
  auto creds = cli.credentials();
  std::string old_refresh = creds["hosts"][cli.host]["profiles"]["default"]["refresh_token"];
  creds["hosts"][cli.host]["profiles"]["default"]["expires_at"] = "2020-01-01T00:00:00.000Z";
  cli.write_credentials(creds);
  auto ws = cli.run({"workspace", "--json"});
  CHECK(ws.exit_code == 0);
  auto after = cli.credentials()["hosts"][cli.host]["profiles"]["default"];
  CHECK(after["refresh_token"] != old_refresh);
  CHECK(after["expires_at"] != "2020-01-01T00:00:00.000Z");
  // A token the server refuses is refreshed too (one retry).
  creds = cli.credentials();
  creds["hosts"][cli.host]["profiles"]["default"]["token"] = "eyJhbGciOiJFUzI1NiJ9.e30.AAAA";
  cli.write_credentials(creds);
  CHECK(cli.run({"workspace", "--json"}).exit_code == 0);
}

TEST_CASE("logout revokes the session on the server and forgets it") {
  Server s;
  Cli cli(s);
  REQUIRE(cli.run({"login", "--email", s.owner_email, "--password-stdin"}, s.owner_password + "\n").exit_code == 0);
  std::string token = cli.credentials()["hosts"][cli.host]["profiles"]["default"]["token"];
  CHECK(api("GET", s.api_url + "/me", token).status == 200);
  auto out = cli.run({"logout"});
  CHECK(out.exit_code == 0);
  CHECK(api("GET", s.api_url + "/me", token).status == 401);
  CHECK_FALSE(cli.credentials()["hosts"][cli.host]["profiles"].contains("default"));
  CHECK(cli.run({"auth", "status"}).exit_code == 4);
  CHECK(cli.run({"logout"}).exit_code == 0);  // nothing left to do
  // The revoked token, given in the environment, is no valid credential either.
  auto revoked = cli.run({"auth", "status"}, "", {{"SLAB5_WORKSPACE_TOKEN", token}});
  CHECK(revoked.exit_code == 4);
  CHECK(revoked.err.find("not valid") != std::string::npos);
}

TEST_CASE("with a token in the environment, login still stores, exits 0 and warns") {
  Server s;
  Cli cli(s);
  auto r = cli.run({"login", "--email", s.owner_email, "--password-stdin"}, s.owner_password + "\n",
                   {{"SLAB5_WORKSPACE_TOKEN", s.token}});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("SLAB5_WORKSPACE_TOKEN") != std::string::npos);
  CHECK(r.err.find("keeps winning") != std::string::npos);
  CHECK(cli.credentials()["hosts"][cli.host]["profiles"]["default"]["kind"] == "session");
  auto status = cli.run({"auth", "status", "--json"}, "", {{"SLAB5_WORKSPACE_TOKEN", s.token}});
  REQUIRE(status.exit_code == 0);
  auto j = parse(status.out);
  CHECK(j["source"] == "env SLAB5_WORKSPACE_TOKEN");
  CHECK(j["kind"] == "api_key");
  CHECK(j["workspace"] == s.workspace_id);
}

TEST_CASE("login --with-token checks an API key and stores it") {
  Server s;
  Cli cli(s);
  auto r = cli.run({"login", "--with-token"}, s.token + "\n");
  CHECK(r.exit_code == 0);
  auto stored = cli.credentials()["hosts"][cli.host]["profiles"]["default"];
  CHECK(stored["kind"] == "api_key");
  CHECK(stored["workspace_id"] == s.workspace_id);
  auto status = cli.run({"auth", "status", "--json"});
  REQUIRE(status.exit_code == 0);
  CHECK(parse(status.out)["kind"] == "api_key");
  CHECK(parse(status.out)["token"].get<std::string>().find(s.token.substr(0, 17)) == 0);
  std::string broken = s.token;
  broken.back() = broken.back() == 'A' ? 'B' : 'A';
  auto bad = cli.run({"login", "--with-token"}, broken + "\n");
  CHECK(bad.exit_code == 4);
  CHECK(bad.err.find("checksum") != std::string::npos);
  // A well-formed key the server does not know.
  auto other = Server();
  auto unknown = cli.run({"login", "--with-token"}, other.token + "\n");
  CHECK(unknown.exit_code == 4);
  CHECK(cli.run({"login", "--with-token"}, "").exit_code == 2);
  // logout forgets a stored key (keys are revoked with 'slab5 keys revoke').
  CHECK(cli.run({"logout"}).exit_code == 0);
  CHECK(api("GET", s.api_url + "/workspace", s.token).status == 200);
}

TEST_CASE("auth register, verify-email and resend-verification") {
  Server s;
  Cli cli(s);
  auto reg = cli.run({"auth", "register", "--email", "cli@example.test", "--name", "Cli User", "--password-stdin"},
                     "cli-password\n");
  CHECK(reg.exit_code == 0);
  std::string token = mail_token(s, "cli@example.test");
  auto early = cli.run({"login", "--email", "cli@example.test", "--password-stdin"}, "cli-password\n");
  CHECK(early.exit_code == 5);
  CHECK(early.err.find("email_not_verified") != std::string::npos);
  CHECK(cli.run({"auth", "resend-verification", "--email", "cli@example.test"}).exit_code == 0);
  CHECK(cli.run({"auth", "verify-email", "--token", token}).exit_code == 0);
  auto again = cli.run({"auth", "verify-email", "--token", token});
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("token_expired") != std::string::npos);
  CHECK(cli.run({"login", "--email", "cli@example.test", "--password-stdin"}, "cli-password\n").exit_code == 0);
  CHECK(cli.run({"auth", "register", "--email", "x@example.test"}).exit_code == 2);  // no terminal, no stdin flag
}

TEST_CASE("auth accept-invite signs in to the inviting workspace") {
  Server s;
  Cli cli(s);
  auto inv =
      api("POST", s.api_url + "/workspace/invitations", s.token, {{"email", "inv@example.test"}, {"role", "admin"}});
  REQUIRE(inv.status == 201);
  std::string token = mail_token(s, "inv@example.test");
  auto nopw = cli.run({"auth", "accept-invite", "--token", token});
  CHECK(nopw.exit_code == 1);
  CHECK(nopw.err.find("password") != std::string::npos);
  auto r = cli.run({"auth", "accept-invite", "--token", token, "--password-stdin"}, "invitee-password\n");
  CHECK(r.exit_code == 0);
  auto status = parse(cli.run({"auth", "status", "--json"}).out);
  CHECK(status["user"]["email"] == "inv@example.test");
  CHECK(status["workspace"] == s.workspace_id);
  CHECK(status["role"] == "admin");
}

TEST_CASE("auth sessions lists and revokes the caller's sessions") {
  Server s;
  Cli cli(s);
  REQUIRE(cli.run({"login", "--email", s.owner_email, "--password-stdin"}, s.owner_password + "\n").exit_code == 0);
  auto other = login(s, s.owner_email, s.owner_password);
  auto list = cli.run({"auth", "sessions", "--json"});
  REQUIRE(list.exit_code == 0);
  auto rows = parse(list.out);
  CHECK(rows.size() == 2);
  auto tsv = cli.run({"auth", "sessions", "list"});
  CHECK(tsv.out.find(other["sessionId"].get<std::string>()) != std::string::npos);
  std::string id = other["sessionId"];
  auto refused = cli.run({"auth", "sessions", "revoke", id});
  CHECK(refused.exit_code == 2);
  CHECK(cli.run({"auth", "sessions", "revoke", id, "--yes"}).exit_code == 0);
  CHECK(api("GET", s.api_url + "/me", other["accessToken"]).status == 401);
  CHECK(cli.run({"auth", "sessions", "revoke", "ses_00000000000000000000000000", "--yes"}).exit_code == 3);
}

TEST_CASE("invitations list and revoke") {
  Server s;
  Cli cli(s);
  std::map<std::string, std::string> key = {{"SLAB5_WORKSPACE_TOKEN", s.token}};
  auto inv =
      api("POST", s.api_url + "/workspace/invitations", s.token, {{"email", "iv@example.test"}, {"role", "member"}});
  REQUIRE(inv.status == 201);
  std::string id = inv.json["data"]["id"];
  auto list = cli.run({"invitations", "--json"}, "", key);
  REQUIRE(list.exit_code == 0);
  CHECK(parse(list.out)[0]["id"] == id);
  auto tsv = cli.run({"invitations", "list"}, "", key);
  CHECK(tsv.out.find("iv@example.test") != std::string::npos);
  CHECK(cli.run({"invitations", "revoke", id}, "", key).exit_code == 2);
  CHECK(cli.run({"invitations", "revoke", id, "--yes"}, "", key).exit_code == 0);
  CHECK(cli.run({"invitations", "revoke", id, "--yes"}, "", key).exit_code == 1);  // conflict
  auto revoked = cli.run({"invitations", "list", "--status", "revoked", "--json"}, "", key);
  CHECK(parse(revoked.out).size() == 1);
  CHECK(cli.run({"invitations", "list", "--status", "weird"}, "", key).exit_code == 2);
  // A member's session lacks settings:admin.
  auto m = add_member(s, "member");
  auto denied = cli.run({"invitations", "list", "-w", s.workspace_id}, "", {{"SLAB5_WORKSPACE_TOKEN", m.access_token}});
  CHECK(denied.exit_code == 5);
  CHECK(denied.err.find("settings:admin") != std::string::npos);
}

TEST_CASE("login --provider google --id-token-stdin signs in through OAuth") {
  Server s({.args = {"--mock-oauth"}});
  Cli cli(s);
  auto minted = api("POST", s.api_url + "/dev/oauth/google/id-token", "", {{"email", "oa@example.test"}});
  REQUIRE(minted.status == 200);
  auto r = cli.run({"login", "--provider", "google", "--id-token-stdin"},
                   minted.json["data"]["idToken"].get<std::string>() + "\n");
  CHECK(r.exit_code == 0);
  CHECK(parse(cli.run({"auth", "status", "--json"}).out)["user"]["email"] == "oa@example.test");
  auto bad = cli.run({"login", "--provider", "microsoft", "--id-token-stdin"},
                     minted.json["data"]["idToken"].get<std::string>() + "\n");
  CHECK(bad.exit_code == 4);
}
