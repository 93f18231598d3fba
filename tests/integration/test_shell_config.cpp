// `slab5 config list|get|set|unset|path` and profiles (--profile, SLAB5_PROFILE), cli.md §1-2.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "harness.hpp"

using namespace testing;

namespace {
std::map<std::string, std::string> env_in(const TempDir& d, std::map<std::string, std::string> extra = {}) {
  extra["SLAB5_CONFIG_DIR"] = d.file("config");
  return extra;
}
Json read_json(const std::string& path) {
  std::ifstream f(path);
  return Json::parse(f);
}
}  // namespace

TEST_CASE("config set writes the active profile and config get reads it back") {
  TempDir d;
  auto r = run_cli({"config", "set", "base_url", "http://127.0.0.1:8787/v1/"}, env_in(d));
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  auto g = run_cli({"config", "get", "base_url"}, env_in(d));
  CHECK(g.exit_code == 0);
  CHECK(g.out == "http://127.0.0.1:8787/v1\n");  // the trailing slash is dropped
  auto cfg = read_json(d.file("config/config.json"));
  CHECK(cfg["profiles"]["default"]["base_url"] == "http://127.0.0.1:8787/v1");
  struct stat st {};
  REQUIRE(stat(d.file("config/config.json").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("config list shows every key with its value or default, as TSV off a terminal and JSON with --json") {
  TempDir d;
  REQUIRE(run_cli({"config", "set", "workspace", "wrk_01abc"}, env_in(d)).exit_code == 0);
  auto r = run_cli({"config", "list"}, env_in(d));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "base_url\thttps://api.slab5.com/v1\nworkspace\twrk_01abc\noutput\ttable\n");
  auto j = run_cli({"config", "list", "--json"}, env_in(d));
  auto obj = Json::parse(j.out);
  CHECK(obj["workspace"] == "wrk_01abc");
  CHECK(obj["output"] == "table");
}

TEST_CASE("profiles are separate: --profile and SLAB5_PROFILE pick one, the flag winning") {
  TempDir d;
  REQUIRE(run_cli({"--profile", "staging", "config", "set", "base_url", "https://staging.example/v1"}, env_in(d))
              .exit_code == 0);
  CHECK(run_cli({"config", "get", "base_url"}, env_in(d)).out == "https://api.slab5.com/v1\n");
  CHECK(run_cli({"config", "get", "base_url"}, env_in(d, {{"SLAB5_PROFILE", "staging"}})).out ==
        "https://staging.example/v1\n");
  CHECK(run_cli({"-p", "default", "config", "get", "base_url"}, env_in(d, {{"SLAB5_PROFILE", "staging"}})).out ==
        "https://api.slab5.com/v1\n");
}

TEST_CASE("the profile's base_url is what commands use, below the environment") {
  TempDir d;
  Server s;
  REQUIRE(run_cli({"config", "set", "base_url", s.api_url}, env_in(d)).exit_code == 0);
  auto r = run_cli({"workspace", "--jq", ".id"}, env_in(d, {{"SLAB5_WORKSPACE_TOKEN", s.token}}));
  CHECK(r.exit_code == 0);
  CHECK(r.out == s.workspace_id + "\n");
  auto env_wins = run_cli(
      {"workspace"}, env_in(d, {{"SLAB5_WORKSPACE_TOKEN", s.token}, {"SLAB5_API_BASE_URL", "http://127.0.0.1:9/v1"}}));
  CHECK(env_wins.exit_code == 7);
}

TEST_CASE("output json in the profile makes commands print JSON, and --jq still filters") {
  TempDir d;
  Server s;
  auto env = env_in(d, {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", s.token}});
  REQUIRE(run_cli({"config", "set", "output", "json"}, env).exit_code == 0);
  auto r = run_cli({"workspace"}, env);
  CHECK(r.exit_code == 0);
  auto j = Json::parse(r.out, nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j["id"] == s.workspace_id);
  CHECK(run_cli({"workspace", "--jq", ".slug"}, env).out == "personal\n");
}

TEST_CASE("unknown keys and bad values are usage errors (exit 2) and change nothing") {
  TempDir d;
  auto r = run_cli({"config", "get", "token"}, env_in(d));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("token") != std::string::npos);
  CHECK(run_cli({"config", "set", "token", "slab5_sk_x"}, env_in(d)).exit_code == 2);
  CHECK(run_cli({"config", "set", "base_url", "ftp://x/v1"}, env_in(d)).exit_code == 2);
  CHECK(run_cli({"config", "set", "base_url", "https://api.example.com"}, env_in(d)).exit_code == 2);
  CHECK(run_cli({"config", "set", "workspace", "acme"}, env_in(d)).exit_code == 2);
  CHECK(run_cli({"config", "set", "output", "yaml"}, env_in(d)).exit_code == 2);
  CHECK(!std::filesystem::exists(d.file("config/config.json")));
}

TEST_CASE("config get of an unset key exits 1 with nothing on stdout; unset restores the default") {
  TempDir d;
  auto r = run_cli({"config", "get", "workspace"}, env_in(d));
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  REQUIRE(run_cli({"config", "set", "output", "json"}, env_in(d)).exit_code == 0);
  REQUIRE(run_cli({"config", "unset", "output"}, env_in(d)).exit_code == 0);
  CHECK(run_cli({"config", "get", "output"}, env_in(d)).out == "table\n");
}

TEST_CASE("config path names the files; config never prints a stored token") {
  TempDir d;
  auto p = run_cli({"config", "path"}, env_in(d));
  CHECK(p.out == d.file("config") + "/config.json\n");
  auto j = Json::parse(run_cli({"config", "path", "--json"}, env_in(d)).out);
  CHECK(j["credentials"] == d.file("config") + "/credentials.json");
  // A stored credential stays out of every config output.
  std::filesystem::create_directories(d.file("config"));
  std::filesystem::permissions(d.file("config"), std::filesystem::perms::owner_all);
  {
    std::ofstream f(d.file("config/credentials.json"));
    f << R"({"profiles":{"default":{"kind":"api_key","token":"slab5_sk_SECRETSECRET"}}})";
  }
  std::filesystem::permissions(d.file("config/credentials.json"),
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  for (auto args : std::vector<std::vector<std::string>>{{"config", "list"}, {"config", "list", "--json"}}) {
    auto r = run_cli(args, env_in(d));
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("SECRET") == std::string::npos);
  }
}
