// `slab5d exec [flags] -- COMMAND` (server.md §1): a real server on a free port with a fresh
// database while COMMAND runs, its URL and token in COMMAND's environment, COMMAND's exit code.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "harness.hpp"
#include "slab5/token.hpp"

using namespace testing;

namespace {
std::map<std::string, std::string> exec_env() {
  std::string bin_dir = std::filesystem::path(slab5_bin()).parent_path().string();
  static TempDir home;
  return {{"PATH", bin_dir + ":/usr/local/bin:/usr/bin:/bin"},
          {"HOME", home.path()},
          {"SLAB5_CONFIG_DIR", home.file("config")}};
}
CliResult exec(std::vector<std::string> args) {
  args.insert(args.begin(), {"exec", "--password-cost", "test"});
  return run_program(slab5d_bin(), args, exec_env());
}
}  // namespace

TEST_CASE("exec runs slab5 against a fresh server: slab5 workspace --json works") {
  auto r = exec({"--", "slab5", "workspace", "--json"});
  CHECK(r.exit_code == 0);
  auto ws = Json::parse(r.out, nullptr, false);
  REQUIRE(ws.is_object());
  CHECK(ws["id"].get<std::string>().rfind("wrk_", 0) == 0);
  CHECK(ws["slug"] == "personal");
}

TEST_CASE("exec sets SLAB5_API_BASE_URL to a free port and SLAB5_WORKSPACE_TOKEN to the first key") {
  auto r = exec({"--", "sh", "-c", "echo \"$SLAB5_API_BASE_URL\"; echo \"$SLAB5_WORKSPACE_TOKEN\""});
  CHECK(r.exit_code == 0);
  std::istringstream in(r.out);
  std::string url, token;
  std::getline(in, url);
  std::getline(in, token);
  CHECK(url.rfind("http://127.0.0.1:", 0) == 0);
  CHECK(url.size() > 20);
  CHECK(url.substr(url.size() - 3) == "/v1");
  CHECK(url.find(":8787/") == std::string::npos);
  CHECK(token.rfind("slab5_sk_", 0) == 0);
}

TEST_CASE("exec exits with the command's exit code") {
  CHECK(exec({"--", "sh", "-c", "exit 7"}).exit_code == 7);
  CHECK(exec({"--", "true"}).exit_code == 0);
  // slab5's own codes come through: 3 for an unknown route.
  CHECK(exec({"--", "slab5", "api", "/no-such-route"}).exit_code == 3);
}

TEST_CASE("exec reports a command killed by a signal as 128+N") {
  CHECK(exec({"--", "sh", "-c", "kill -TERM $$"}).exit_code == 128 + 15);
}

TEST_CASE("exec stops the server when the command ends") {
  auto r = exec({"--", "sh", "-c", "echo \"$SLAB5_API_BASE_URL\""});
  REQUIRE(r.exit_code == 0);
  std::string url = r.out.substr(0, r.out.find('\n'));
  std::string root = url.substr(0, url.size() - 3);
  CHECK_THROWS(http("GET", root + "/health"));
}

TEST_CASE("two exec runs at once each get their own port and database") {
  auto a = exec({"--", "sh", "-c", "slab5 workspace --jq .id; echo \"$SLAB5_API_BASE_URL\""});
  auto b = exec({"--", "sh", "-c", "slab5 workspace --jq .id; echo \"$SLAB5_API_BASE_URL\""});
  REQUIRE(a.exit_code == 0);
  REQUIRE(b.exit_code == 0);
  CHECK(a.out != b.out);  // different workspace ids (fresh databases)
}

TEST_CASE("exec without a command is a usage error; a command that does not exist exits 127") {
  auto none = exec({});
  CHECK(none.exit_code == 2);
  CHECK(none.err.find("needs a command") != std::string::npos);
  auto missing = exec({"--", "/nonexistent/program"});
  CHECK(missing.exit_code == 127);
  CHECK(missing.err.find("cannot run") != std::string::npos);
}

TEST_CASE("exec on an existing --db gives the command a key of its own, revoked when it ends") {
  TempDir dir;
  std::string db = dir.file("ci.db");
  auto first = exec({"--db", db, "--", "slab5", "workspace", "--jq", ".id"});
  REQUIRE(first.exit_code == 0);
  // The first key exists only as a hash now; the command gets a fresh key in the same
  // (oldest) workspace, which keeps its data.
  auto again = exec({"--db", db, "--", "sh", "-c",
                     "slab5 workspace --jq .id && slab5 keys list --status all --jq '.[].name' && "
                     "echo \"$SLAB5_WORKSPACE_TOKEN\" > " +
                         dir.file("token")});
  CHECK(again.exit_code == 0);
  CHECK(again.out.rfind(first.out, 0) == 0);  // the same workspace id first
  CHECK(again.out.find("slab5d exec") != std::string::npos);
  CHECK(again.out.find("slab5d first-start key") != std::string::npos);
  std::ifstream f(dir.file("token"));
  std::string token;
  std::getline(f, token);
  REQUIRE(token.rfind("slab5_sk_", 0) == 0);
  // After the command the key is revoked (and audited): a later run's commands see it so.
  auto after = exec({"--db", db, "--", "slab5", "keys", "list", "--status", "revoked", "--jq", ".[].name"});
  CHECK(after.exit_code == 0);
  CHECK(after.out.find("slab5d exec") != std::string::npos);
  auto audit = exec({"--db", db, "--", "slab5", "audit", "--jq", ".[] | select(.route == \"slab5d exec\") | .action"});
  CHECK(audit.exit_code == 0);
  CHECK(audit.out.find("api_key.created") != std::string::npos);
  CHECK(audit.out.find("api_key.revoked") != std::string::npos);
  // The secret itself was never written anywhere in the clear.
  std::ifstream dbfile(db, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(dbfile)), std::istreambuf_iterator<char>());
  CHECK(bytes.find(token) == std::string::npos);
}

TEST_CASE("exec works whatever the caller's profile and environment say about workspace and token") {
  TempDir home;
  std::string bin_dir = std::filesystem::path(slab5_bin()).parent_path().string();
  std::map<std::string, std::string> env = {{"PATH", bin_dir + ":/usr/local/bin:/usr/bin:/bin"},
                                            {"HOME", home.path()},
                                            {"SLAB5_CONFIG_DIR", home.file("config")}};
  // The caller's profile names a workspace of another server.
  REQUIRE(run_cli({"config", "set", "workspace", "wrk_01hzzzzzzzzzzzzzzzzzzzzzzz"}, env).exit_code == 0);
  auto with_profile =
      run_program(slab5d_bin(), {"exec", "--password-cost", "test", "--", "slab5", "workspace", "--json"}, env);
  CHECK(with_profile.exit_code == 0);
  INFO(with_profile.err);
  CHECK(with_profile.err.find("workspace_not_found") == std::string::npos);
  // So do the caller's variables, and its keys for another server never reach this one.
  env["SLAB5_WORKSPACE_ID"] = "wrk_01hyyyyyyyyyyyyyyyyyyyyyyy";
  env["SLAB5_API_KEY"] = slab5::generate_token(slab5::kApiKeyPrefix);
  env["SLAB5_WORKSPACE_API_KEY"] = slab5::generate_token(slab5::kApiKeyPrefix);
  auto with_env = run_program(slab5d_bin(),
                              {"exec", "--password-cost", "test", "--", "sh", "-c",
                               "slab5 workspace --jq .id; echo \"$SLAB5_WORKSPACE_ID\"; "
                               "echo \"key:${SLAB5_API_KEY}${SLAB5_WORKSPACE_API_KEY}\""},
                              env);
  CHECK(with_env.exit_code == 0);
  std::istringstream in(with_env.out);
  std::string id, variable, keys;
  std::getline(in, id);
  std::getline(in, variable);
  std::getline(in, keys);
  CHECK(id.rfind("wrk_", 0) == 0);
  CHECK(variable == id);  // SLAB5_WORKSPACE_ID names the server's own workspace
  CHECK(keys == "key:");
}
