// The slab5 core (cli.md §1, §3-5): settings precedence, output, exit codes, `api`.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "harness.hpp"
#include "slab5/token.hpp"

using namespace testing;

namespace {
std::map<std::string, std::string> env_for(const Server& s) {
  return {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", s.token}};
}
const char* kDeadUrl = "http://127.0.0.1:9/v1";  // discard port: nothing listens
}  // namespace

TEST_CASE("--version and version print 'slab5 X.Y.Z (commit, date)' without touching config") {
  TempDir cfg;
  auto r = run_cli({"--version"}, {{"SLAB5_CONFIG_DIR", cfg.file("c")}});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("slab5 0.1.0 (", 0) == 0);
  CHECK(!std::filesystem::exists(cfg.file("c")));
  CHECK(run_cli({"version"}).out == r.out);
}

TEST_CASE("workspace shows the current workspace: fields as TSV to a pipe, --json as the server sent it") {
  Server s;
  auto r = run_cli({"workspace"}, env_for(s));
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("ID\t" + s.workspace_id + "\n") != std::string::npos);
  CHECK(r.out.find("\033[") == std::string::npos);  // no colour to a pipe
  auto j = run_cli({"workspace", "show", "--json"}, env_for(s));
  REQUIRE(j.exit_code == 0);
  auto data = Json::parse(j.out);
  CHECK(data["id"] == s.workspace_id);
  CHECK(data == api("GET", s.api_url + "/workspace", s.token).json["data"]);
}

TEST_CASE("global flags work after the subcommand too") {
  Server s;
  auto r = run_cli({"workspace", "--json", "--base-url", s.api_url}, {{"SLAB5_WORKSPACE_TOKEN", s.token}});
  CHECK(r.exit_code == 0);
  CHECK(Json::parse(r.out)["id"] == s.workspace_id);
}

TEST_CASE("settings: a flag beats the environment, which beats the profile") {
  Server s;
  TempDir cfg;
  std::string dir = cfg.file("cfg");
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir + "/config.json");
    f << Json{{"profiles", {{"default", {{"base_url", kDeadUrl}}}, {"local", {{"base_url", s.api_url}}}}}}.dump();
  }
  std::map<std::string, std::string> env{
      {"SLAB5_CONFIG_DIR", dir}, {"SLAB5_WORKSPACE_TOKEN", s.token}, {"SLAB5_MAX_RETRIES", "0"}};
  CHECK(run_cli({"workspace"}, env).exit_code == 7);                        // profile default → dead
  CHECK(run_cli({"workspace", "--profile", "local"}, env).exit_code == 0);  // profile local
  auto e2 = env;
  e2["SLAB5_PROFILE"] = "local";
  CHECK(run_cli({"workspace"}, e2).exit_code == 0);
  e2["SLAB5_API_BASE_URL"] = kDeadUrl;  // env beats profile
  CHECK(run_cli({"workspace"}, e2).exit_code == 7);
  CHECK(run_cli({"workspace", "--base-url", s.api_url}, e2).exit_code == 0);  // flag beats env
}

TEST_CASE(
    "token variables: SLAB5_WORKSPACE_TOKEN, then SLAB5_WORKSPACE_API_KEY, then SLAB5_API_KEY; --token beats them") {
  Server s;
  std::string unknown = slab5::generate_token(slab5::kApiKeyPrefix);  // well-formed, not issued
  std::map<std::string, std::string> base{{"SLAB5_API_BASE_URL", s.api_url}};
  auto with = [&](std::map<std::string, std::string> extra) {
    auto e = base;
    e.insert(extra.begin(), extra.end());
    return e;
  };
  CHECK(run_cli({"workspace"}, with({{"SLAB5_API_KEY", s.token}})).exit_code == 0);
  CHECK(run_cli({"workspace"}, with({{"SLAB5_API_KEY", unknown}, {"SLAB5_WORKSPACE_API_KEY", s.token}})).exit_code ==
        0);
  CHECK(run_cli({"workspace"}, with({{"SLAB5_WORKSPACE_API_KEY", unknown}, {"SLAB5_WORKSPACE_TOKEN", s.token}}))
            .exit_code == 0);
  CHECK(run_cli({"workspace"}, with({{"SLAB5_WORKSPACE_TOKEN", unknown}})).exit_code == 4);
  CHECK(run_cli({"workspace", "--token", s.token}, with({{"SLAB5_WORKSPACE_TOKEN", unknown}})).exit_code == 0);
}

TEST_CASE("no token configured is exit 4 with a hint to log in") {
  Server s;
  auto r = run_cli({"workspace"}, {{"SLAB5_API_BASE_URL", s.api_url}});
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("slab5 login") != std::string::npos);
}

TEST_CASE("a token with a wrong checksum is refused before any network call") {
  std::string t = slab5::generate_token(slab5::kApiKeyPrefix);
  t[20] = t[20] == 'x' ? 'y' : 'x';
  // The base URL points nowhere: a network attempt would be exit 7.
  auto r = run_cli({"workspace"}, {{"SLAB5_API_BASE_URL", kDeadUrl}, {"SLAB5_WORKSPACE_TOKEN", t}});
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("checksum") != std::string::npos);
  CHECK(r.err.find("mistyped or truncated") != std::string::npos);
  CHECK(r.err.find(t) == std::string::npos);
}

TEST_CASE("a credentials file readable by others is refused with the fix") {
  Server s;
  TempDir cfg;
  std::string dir = cfg.file("cfg");
  std::filesystem::create_directories(dir);
  std::string path = dir + "/credentials.json";
  {
    std::ofstream f(path);
    f << Json{{"version", 2},
              {"hosts", {{s.base_url, {{"profiles", {{"default", {{"kind", "api_key"}, {"token", s.token}}}}}}}}}}
             .dump();
  }
  std::filesystem::permissions(path, std::filesystem::perms(0644));
  std::map<std::string, std::string> env{{"SLAB5_CONFIG_DIR", dir}, {"SLAB5_API_BASE_URL", s.api_url}};
  auto r = run_cli({"workspace"}, env);
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("chmod 600") != std::string::npos);
  std::filesystem::permissions(path, std::filesystem::perms(0600));
  CHECK(run_cli({"workspace"}, env).exit_code == 0);
}

TEST_CASE("exit codes follow the API's answer: 404 → 3, 401 → 4, network → 7, bad usage → 2") {
  Server s;
  auto env = env_for(s);
  auto nf = run_cli({"api", "/no/such/route"}, env);
  CHECK(nf.exit_code == 3);
  CHECK(nf.out.find("resource_not_found") != std::string::npos);  // the body goes to stdout unchanged
  auto e2 = env;
  e2["SLAB5_WORKSPACE_TOKEN"] = slab5::generate_token(slab5::kApiKeyPrefix);
  auto un = run_cli({"workspace"}, e2);
  CHECK(un.exit_code == 4);
  CHECK(un.err.find("(code: unauthorized, request_id: req_") != std::string::npos);
  auto net =
      run_cli({"workspace"},
              {{"SLAB5_API_BASE_URL", kDeadUrl}, {"SLAB5_WORKSPACE_TOKEN", s.token}, {"SLAB5_MAX_RETRIES", "0"}});
  CHECK(net.exit_code == 7);
  CHECK(run_cli({"--no-such-flag"}).exit_code == 2);
  CHECK(run_cli({"workspace", "--timeout"}).exit_code == 2);
  CHECK(run_cli({"api"}).exit_code == 2);
}

TEST_CASE("--json prints the error envelope to stderr") {
  Server s;
  auto e = env_for(s);
  e["SLAB5_WORKSPACE_TOKEN"] = slab5::generate_token(slab5::kApiKeyPrefix);
  auto r = run_cli({"workspace", "--json"}, e);
  CHECK(r.exit_code == 4);
  auto j = Json::parse(r.err, nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j["error"]["code"] == "unauthorized");
  CHECK(r.out.empty());
}

TEST_CASE("help exit-codes lists the table") {
  auto r = run_cli({"help", "exit-codes"});
  CHECK(r.exit_code == 0);
  for (auto code : {"0\t", "1\t", "2\t", "3\t", "4\t", "5\t", "6\t", "7\t", "8\t", "130\t"})
    CHECK(r.out.find(code) != std::string::npos);
  CHECK(run_cli({"--help"}).out.find("Exit codes:") != std::string::npos);
}

TEST_CASE("api: -i prints the status line and headers; -H sends headers") {
  Server s;
  auto r = run_cli({"api", "/workspace", "-i", "-H", "x-correlation-id: demo-1"}, env_for(s));
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("HTTP/1.1 200 OK\n", 0) == 0);
  CHECK(r.out.find("x-correlation-id: demo-1") != std::string::npos);
  CHECK(r.out.find("\"data\":") != std::string::npos);
  CHECK(run_cli({"api", "/workspace", "-H", "no-colon"}, env_for(s)).exit_code == 2);
}

TEST_CASE("api: fields make the default method POST and build the JSON body; -X overrides") {
  Server s;
  // /health accepts only GET, so a POST shows up as 405 with the method we sent.
  auto post = run_cli({"api", "../health", "-f", "a=b"}, env_for(s));
  CHECK(post.exit_code == 1);
  CHECK(post.out.find("method_not_allowed") != std::string::npos);
  auto get = run_cli({"api", "../health", "-X", "get", "-f", "a=b"}, env_for(s));
  CHECK(get.exit_code == 0);
  CHECK(run_cli({"api", "/workspace", "-f", "novalue"}, env_for(s)).exit_code == 2);
  CHECK(run_cli({"api", "/workspace", "-F", "x=@/no/such/file"}, env_for(s)).exit_code == 2);
}

TEST_CASE("--verbose traces requests to stderr with the token redacted") {
  Server s;
  auto r = run_cli({"workspace", "--verbose"}, env_for(s));
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("> GET " + s.api_url + "/workspace") != std::string::npos);
  CHECK(r.err.find("Authorization: Bearer [redacted]") != std::string::npos);
  CHECK(r.err.find("< HTTP/1.1 200 OK") != std::string::npos);
  CHECK(r.err.find(s.token) == std::string::npos);
  CHECK(r.out.find(s.token) == std::string::npos);
  auto e = env_for(s);
  e["SLAB5_DEBUG"] = "api";
  CHECK(run_cli({"workspace"}, e).err.find("> GET") != std::string::npos);
}

TEST_CASE("--correlation-id and SLAB5_CORRELATION_ID reach the server") {
  Server s;
  auto e = env_for(s);
  CHECK(run_cli({"workspace", "--correlation-id", "pipeline-77"}, e).exit_code == 0);
  e["SLAB5_CORRELATION_ID"] = "pipeline-78";
  CHECK(run_cli({"workspace"}, e).exit_code == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(s.log().find("correlation_id=pipeline-77") != std::string::npos);
  CHECK(s.log().find("correlation_id=pipeline-78") != std::string::npos);
}

TEST_CASE("retries: connection failures are retried for GETs, then exit 7") {
  auto r = run_cli({"workspace", "-v"}, {{"SLAB5_API_BASE_URL", kDeadUrl},
                                         {"SLAB5_WORKSPACE_TOKEN", slab5::generate_token(slab5::kApiKeyPrefix)},
                                         {"SLAB5_MAX_RETRIES", "1"}});
  CHECK(r.exit_code == 7);
  auto count = [&](const std::string& needle) {
    std::size_t n = 0, pos = 0;
    while ((pos = r.err.find(needle, pos)) != std::string::npos) ++n, ++pos;
    return n;
  };
  CHECK(count("> GET ") == 2);
  CHECK(count("retrying") == 1);
}

TEST_CASE("retries: a 429 is retried after Retry-After and then succeeds; without retries it is exit 6") {
  Server s({.args = {"--rate-limit", "1/s"}});  // burst 2
  auto e = env_for(s);
  e["SLAB5_MAX_RETRIES"] = "0";
  // However slowly slab5 starts, the bucket is empty when its request arrives: a client in the
  // test takes every token the moment it refills.
  std::atomic<bool> hammering{true};
  std::thread hammer([&] {
    while (hammering) api("GET", s.api_url + "/workspace", s.token);
  });
  int limited = 0;
  for (int i = 0; i < 2; ++i) limited += run_cli({"workspace"}, e).exit_code == 6;
  hammering = false;
  hammer.join();
  CHECK(limited >= 1);
  // Emptied again, the bucket refills within a second: slab5 waits as told and succeeds.
  bool emptied = false;
  for (int i = 0; i < 100 && !emptied; ++i) emptied = api("GET", s.api_url + "/workspace", s.token).status == 429;
  CHECK(emptied);
  e["SLAB5_MAX_RETRIES"] = "3";
  auto r = run_cli({"workspace", "-v"}, e);
  CHECK(r.exit_code == 0);
}

TEST_CASE("on a terminal: labelled fields, relative times and colour unless NO_COLOR or --no-color") {
  Server s;
  auto env = env_for(s);
  env["TERM"] = "xterm";
  std::string cmd = slab5_bin() + " workspace";
  // script(1) gives slab5 a pseudo-terminal.
  auto tty = run_program("/usr/bin/script", {"-qec", cmd, "/dev/null"}, env);
  CHECK(tty.exit_code == 0);
  CHECK(tty.out.find("ID:") != std::string::npos);
  CHECK(tty.out.find("\033[1m") != std::string::npos);
  CHECK((tty.out.find("just now") != std::string::npos || tty.out.find("ago") != std::string::npos));
  auto plain = env;
  plain["NO_COLOR"] = "1";
  auto nc = run_program("/usr/bin/script", {"-qec", cmd, "/dev/null"}, plain);
  CHECK(nc.out.find("ID:") != std::string::npos);
  CHECK(nc.out.find("\033[") == std::string::npos);
  auto flag = run_program("/usr/bin/script", {"-qec", cmd + " --no-color", "/dev/null"}, env);
  CHECK(flag.out.find("\033[") == std::string::npos);
}
