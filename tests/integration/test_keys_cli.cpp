// `slab5 keys …` and `slab5 mcp-clients …` (cli.md §2): the secret shown once, -q and
// --json, prefixes, edits, rotation, and revocation that refuses without --yes off a terminal.
#include <unistd.h>

#include <chrono>

#include "credential_support.hpp"
#include "slab5/time.hpp"

using namespace testing;

namespace {
std::map<std::string, std::string> env_for(const Server& s, const TempDir& cfg) {
  return {{"SLAB5_API_BASE_URL", s.api_url},
          {"SLAB5_WORKSPACE_TOKEN", s.token},
          {"SLAB5_CONFIG_DIR", cfg.file("c")},
          {"NO_COLOR", "1"}};
}
std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}
}  // namespace

TEST_CASE("keys create shows the secret once with a store-it-now line on stderr") {
  Server s;
  TempDir cfg;
  auto r = run_cli(
      {"keys", "create", "--name", "ci", "--scope", "crm:read", "--scope", "crm:write", "--description", "pipeline"},
      env_for(s, cfg));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto pos = r.out.find("Secret\tslab5_sk_");
  REQUIRE(pos != std::string::npos);
  std::string secret = trim(r.out.substr(pos + 7, r.out.find('\n', pos) - pos - 7));
  CHECK(secret.size() == 9 + 32 + 6);
  CHECK(r.out.find("Name\tci\n") != std::string::npos);
  CHECK(r.out.find("Scopes\tcrm:read,crm:write\n") != std::string::npos);
  CHECK(r.err.find("Store the secret now") != std::string::npos);
  CHECK(r.err.find(secret) == std::string::npos);
  CHECK(api("GET", s.api_url + "/workspace", secret).status == 200);
  // The create carried a generated idempotency key.
  CHECK(sql(s.db_path, "SELECT count(*) FROM idempotency_keys WHERE key LIKE 'slab5-%' AND status = 201") == "1");
}

TEST_CASE("keys create -q prints only the secret; --json the whole object with it") {
  Server s;
  TempDir cfg;
  auto q = run_cli({"keys", "create", "--name", "quiet", "--scope", "crm:read", "-q"}, env_for(s, cfg));
  REQUIRE(q.exit_code == 0);
  CHECK(q.out.rfind("slab5_sk_", 0) == 0);
  CHECK(std::count(q.out.begin(), q.out.end(), '\n') == 1);
  CHECK(q.err.empty());
  CHECK(api("GET", s.api_url + "/workspace", trim(q.out)).status == 200);

  auto j = run_cli({"mcp-clients", "create", "--name", "agent", "--scope", "crm:read", "--json"}, env_for(s, cfg));
  REQUIRE(j.exit_code == 0);
  auto d = Json::parse(j.out);
  CHECK(d["secret"].get<std::string>().rfind("slab5_mcp_", 0) == 0);
  CHECK(d["id"].get<std::string>().rfind("mcp_", 0) == 0);
  CHECK(d["name"] == "agent");
}

TEST_CASE("keys create: expiry flags, and usage errors exit 2") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  auto r = run_cli({"keys", "create", "--name", "temp", "--scope", "crm:read", "--expires-in", "90d", "--json"}, env);
  REQUIRE(r.exit_code == 0);
  auto exp = slab5::parse_rfc3339(Json::parse(r.out)["expires_at"].get<std::string>());
  REQUIRE(exp);
  CHECK(std::llabs(*exp - (slab5::now_millis() + 90LL * 86400 * 1000)) < 60000);
  auto at = run_cli(
      {"keys", "create", "--name", "t2", "--scope", "crm:read", "--expires-at", "2999-01-01T00:00:00Z", "--json"}, env);
  REQUIRE(at.exit_code == 0);
  CHECK(Json::parse(at.out)["expires_at"] == "2999-01-01T00:00:00.000Z");

  CHECK(run_cli({"keys", "create", "--name", "x", "--scope", "crm:read", "--expires-in", "1d", "--expires-at",
                 "2999-01-01T00:00:00Z"},
                env)
            .exit_code == 2);
  CHECK(run_cli({"keys", "create", "--name", "x", "--scope", "crm:nope"}, env).exit_code == 2);
  CHECK(run_cli({"keys", "create", "--scope", "crm:read"}, env).exit_code == 2);
  CHECK(run_cli({"keys", "create", "--name", "x"}, env).exit_code == 2);
  CHECK(run_cli({"keys", "create", "--name", "x", "--scope", "crm:read", "--expires-in", "soon"}, env).exit_code == 2);
  // Refused by the server: the name is too long (exit 1), past expiry (exit 1).
  auto longname = run_cli({"keys", "create", "--name", std::string(101, 'n'), "--scope", "crm:read"}, env);
  CHECK(longname.exit_code == 1);
  CHECK(longname.err.find("validation_failed") != std::string::npos);
  CHECK(run_cli({"keys", "create", "--name", "x", "--scope", "crm:read", "--expires-at", "2001-01-01T00:00:00Z"}, env)
            .exit_code == 1);
}

TEST_CASE("keys list, show by id or prefix, and the not-found and ambiguous cases") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  auto k = create_credential(keys_url(s), s.token, "listed", {"crm:read"});
  std::string id = k["id"], prefix = k["prefix"];
  auto list = run_cli({"keys", "list"}, env);
  REQUIRE(list.exit_code == 0);
  CHECK(list.out.find(id + "\tlisted\t" + prefix + "\tactive\tcrm:read\t") != std::string::npos);
  auto json = run_cli({"keys", "list", "--json"}, env);
  CHECK(Json::parse(json.out).size() == 2);
  CHECK(json.out.find(k["secret"].get<std::string>()) == std::string::npos);

  auto by_id = run_cli({"keys", "show", id, "--json"}, env);
  REQUIRE(by_id.exit_code == 0);
  CHECK(Json::parse(by_id.out)["name"] == "listed");
  auto by_prefix = run_cli({"keys", "show", prefix.substr(0, 14)}, env);
  CHECK(by_prefix.exit_code == 0);
  CHECK(by_prefix.out.find("ID\t" + id + "\n") != std::string::npos);
  CHECK(run_cli({"keys", "show", "slab5_sk_"}, env).exit_code == 2);  // matches both keys
  CHECK(run_cli({"keys", "show", "key_01aaaaaaaaaaaaaaaaaaaaaaaa"}, env).exit_code == 3);
  CHECK(run_cli({"keys", "show", "slab5_sk_zzzzzzzz"}, env).exit_code == 3);
  // An MCP client id is not a key.
  auto m = create_credential(mcp_url(s), s.token, "agent", {"crm:read"});
  CHECK(run_cli({"keys", "show", m["id"]}, env).exit_code == 3);
  CHECK(run_cli({"mcp-clients", "show", m["id"]}, env).exit_code == 0);

  REQUIRE(api("POST", keys_url(s) + "/" + id + "/revoke", s.token).status == 200);
  CHECK(run_cli({"keys", "list"}, env).out.find(id) == std::string::npos);
  CHECK(run_cli({"keys", "list", "--status", "revoked"}, env).out.find(id) != std::string::npos);
  CHECK(run_cli({"keys", "list", "--status", "bogus"}, env).exit_code == 2);
}

TEST_CASE("keys edit renames and adds or removes scopes") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  auto k = create_credential(keys_url(s), s.token, "editable", {"crm:read"});
  std::string id = k["id"];
  auto r = run_cli(
      {"keys", "edit", id, "--name", "edited", "--add-scope", "tasks:read", "--remove-scope", "crm:read", "--json"},
      env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto d = Json::parse(r.out);
  CHECK(d["name"] == "edited");
  CHECK(d["scopes"] == Json::array({"tasks:read"}));
  CHECK(run_cli({"keys", "edit", id}, env).exit_code == 2);
  CHECK(run_cli({"keys", "edit", id, "--remove-scope", "crm:write"}, env).exit_code == 2);
  // Removing the last scope is refused by the server.
  CHECK(run_cli({"keys", "edit", id, "--remove-scope", "tasks:read"}, env).exit_code == 1);
}

TEST_CASE("keys rotate prints the new secret and when the old one stops working") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  auto k = create_credential(keys_url(s), s.token, "rotated", {"crm:read"});
  std::string id = k["id"], old_secret = k["secret"];
  auto r = run_cli({"keys", "rotate", id, "--overlap", "1h"}, env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto pos = r.out.find("Secret\tslab5_sk_");
  REQUIRE(pos != std::string::npos);
  CHECK(r.err.find("Store the secret now") != std::string::npos);
  CHECK(r.err.find("The old API key " + id + " stops working at ") != std::string::npos);
  // An hour from the server's clock, read a moment later by the CLI: an hour or just under.
  CHECK((r.err.find("(in 59 minutes)") != std::string::npos || r.err.find("(in 1 hour)") != std::string::npos));
  CHECK(api("GET", s.api_url + "/workspace", old_secret).status == 200);
}

TEST_CASE("keys rotate -q with no overlap cuts the old key off at once, so it needs --yes like revoke") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  auto k = create_credential(keys_url(s), s.token, "now", {"crm:read"});
  auto refused = run_cli({"keys", "rotate", k["id"], "--overlap", "0", "-q"}, env);
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("--yes") != std::string::npos);
  CHECK(api("GET", s.api_url + "/workspace", k["secret"].get<std::string>()).status == 200);
  auto q = run_cli({"keys", "rotate", k["id"], "--overlap", "0s", "-q", "--yes"}, env);
  REQUIRE(q.exit_code == 0);
  CHECK(q.out.rfind("slab5_sk_", 0) == 0);
  CHECK(std::count(q.out.begin(), q.out.end(), '\n') == 1);
  CHECK(api("GET", s.api_url + "/workspace", k["secret"].get<std::string>()).status == 401);
  CHECK(api("GET", s.api_url + "/workspace", trim(q.out)).status == 200);
  CHECK(run_cli({"keys", "rotate", k["id"], "--overlap", "8d"}, env).exit_code == 2);
}

TEST_CASE("keys revoke refuses without --yes when stdin is not a terminal") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  auto k = create_credential(keys_url(s), s.token, "victim", {"crm:read"});
  std::string id = k["id"], secret = k["secret"];
  auto r = run_cli({"keys", "revoke", id}, env, "victim\n");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--yes") != std::string::npos);
  CHECK(api("GET", s.api_url + "/workspace", secret).status == 200);
  auto y = run_cli({"keys", "revoke", id, "--yes"}, env);
  CHECK(y.exit_code == 0);
  CHECK(y.out.find("Revoked API key 'victim'") != std::string::npos);
  CHECK(api("GET", s.api_url + "/workspace", secret).status == 401);
  auto again = run_cli({"keys", "revoke", id, "--yes"}, env);
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("conflict") != std::string::npos);
}

TEST_CASE("refusals map to exit codes: escalation 5, no token 4") {
  Server s;
  TempDir cfg;
  auto limited = create_credential(keys_url(s), s.token, "limited", {"settings:admin", "crm:read"});
  auto env = env_for(s, cfg);
  env["SLAB5_WORKSPACE_TOKEN"] = limited["secret"];
  auto r = run_cli({"keys", "create", "--name", "more", "--scope", "crm:write"}, env);
  CHECK(r.exit_code == 5);
  CHECK(r.err.find("forbidden") != std::string::npos);
  auto weak = create_credential(keys_url(s), s.token, "weak", {"crm:read"});
  env["SLAB5_WORKSPACE_TOKEN"] = weak["secret"];
  CHECK(run_cli({"keys", "list"}, env).exit_code == 5);
  env.erase("SLAB5_WORKSPACE_TOKEN");
  CHECK(run_cli({"keys", "list"}, env).exit_code == 4);
}

TEST_CASE("keys revoke on a terminal asks for the key's name and revokes only when it is typed") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  auto k = create_credential(keys_url(s), s.token, "prod deploy", {"crm:read"});
  std::string id = k["id"], secret = k["secret"];
  auto wrong = run_cli_on_terminal({"keys", "revoke", id}, env, {{"to confirm:", "prod"}});
  INFO(wrong.out);
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.out.find("type 'prod deploy' to confirm") != std::string::npos);
  CHECK(api("GET", s.api_url + "/workspace", secret).status == 200);
  auto right = run_cli_on_terminal({"mcp-clients", "list"}, env);
  CHECK(right.exit_code == 0);  // no prompt for reads
  auto ok = run_cli_on_terminal({"keys", "revoke", id}, env, {{"to confirm:", "prod deploy"}});
  INFO(ok.out);
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("Revoked API key 'prod deploy'") != std::string::npos);
  CHECK(api("GET", s.api_url + "/workspace", secret).status == 401);
}

TEST_CASE("--verbose traces keys create without the secret") {
  Server s;
  TempDir cfg;
  auto r =
      run_cli({"keys", "create", "--name", "traced", "--scope", "crm:read", "--verbose", "--json"}, env_for(s, cfg));
  REQUIRE(r.exit_code == 0);
  std::string secret = Json::parse(r.out)["secret"];
  CHECK(secret.rfind("slab5_sk_", 0) == 0);
  CHECK(r.err.find(secret) == std::string::npos);
  CHECK(r.err.find(s.token) == std::string::npos);
  CHECK(r.err.find("[redacted]") != std::string::npos);
}
