// --jq EXPR on `slab5 api` and on commands that print JSON (cli.md §2, §3), via libjq.
#include <doctest/doctest.h>

#include "harness.hpp"

using namespace testing;

namespace {
std::map<std::string, std::string> env_for(const Server& s) {
  return {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", s.token}};
}
}  // namespace

TEST_CASE("--jq on a command prints strings raw and other values as compact JSON, one per line") {
  Server s;
  auto r = run_cli({"workspace", "--jq", ".id, .enabled_modules, (.enabled_modules | length)"}, env_for(s));
  CHECK(r.exit_code == 0);
  auto ws = api("GET", s.api_url + "/workspace", s.token).json["data"];
  CHECK(r.out == ws["id"].get<std::string>() + "\n" + ws["enabled_modules"].dump() + "\n" +
                     std::to_string(ws["enabled_modules"].size()) + "\n");
  CHECK(r.err.empty());
}

TEST_CASE("--jq on slab5 api filters the whole response body") {
  Server s;
  auto r = run_cli({"api", "/workspace", "--jq", ".data.id"}, env_for(s));
  CHECK(r.exit_code == 0);
  CHECK(r.out == s.workspace_id + "\n");
}

TEST_CASE("--jq before the command works the same (it is a global flag)") {
  Server s;
  auto r = run_cli({"--jq", ".slug", "workspace", "show"}, env_for(s));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "personal\n");
}

TEST_CASE("a filter that does not compile exits 2 with jq's message, before any request") {
  // No server at all: the filter is refused while the arguments are parsed.
  auto r = run_cli({"workspace", "--jq", ".id |||"},
                   {{"SLAB5_API_BASE_URL", "http://127.0.0.1:9/v1"},
                    {"SLAB5_WORKSPACE_TOKEN", "slab5_sk_00000000000000000000000000000000aaaaaa"}});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("syntax error") != std::string::npos);
  CHECK(r.err.find("compile error") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("a filter that fails at run time exits 1 with jq's reason") {
  Server s;
  auto r = run_cli({"workspace", "--jq", ".id.x"}, env_for(s));
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("Cannot index string") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("--jq does not hide an API error: the exit code and message stay") {
  Server s;
  auto r = run_cli({"api", "/no-such-route", "--jq", ".data"}, env_for(s));
  CHECK(r.exit_code == 3);
  CHECK(r.out.find("resource_not_found") != std::string::npos);
}
