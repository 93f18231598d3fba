// Progress on stderr for long work (cli.md §3): `--paginate` reports pages on a terminal and
// stays silent when stderr is a pipe. A small stand-in server answers with two pages, so this
// holds whatever list routes exist; `script` gives slab5 a pseudo-terminal.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "harness.hpp"
#include "slab5/token.hpp"
#include "stand_in.hpp"

using namespace testing;

namespace {

// Serves GET …/items: page one with next_cursor, page two without; "fail" after page one
// when asked to, to check the progress line is cleared before the error.
StandIn::Handler two_pages(bool fail_second) {
  return [fail_second](const std::string& head) {
    bool second = head.substr(0, head.find('\n')).find("cursor=") != std::string::npos;
    if (!second)
      return std::optional<StandInReply>(
          {200, R"({"data":[{"id":"a"},{"id":"b"}],"next_cursor":"page2","request_id":"req_1"})", {}});
    if (fail_second)
      return std::optional<StandInReply>(
          {404, R"({"error":{"code":"resource_not_found","message":"gone","request_id":"req_2"}})", {}});
    return std::optional<StandInReply>({200, R"({"data":[{"id":"c"}],"request_id":"req_2"})", {}});
  };
}

std::map<std::string, std::string> env_for(StandIn& s, const TempDir& d) {
  return {{"PATH", "/usr/local/bin:/usr/bin:/bin"},
          {"HOME", d.path()},
          {"SLAB5_CONFIG_DIR", d.file("config")},
          {"SLAB5_API_BASE_URL", s.url("/v1")},
          {"SLAB5_WORKSPACE_TOKEN", slab5::generate_token("slab5_sk_")},
          {"SLAB5_MAX_RETRIES", "0"},
          {"TERM", "xterm"}};
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs `slab5 ARGS > out` under script(1): stderr is a terminal, stdout a file.
CliResult on_a_terminal(const std::string& args, const std::map<std::string, std::string>& env, const TempDir& d) {
  std::string cmd = "'" + slab5_bin() + "' " + args + " > '" + d.file("out") + "'";
  return run_program("/usr/bin/script", {"-qec", cmd, d.file("typescript")}, env);
}

}  // namespace

TEST_CASE("--paginate shows progress on stderr when it is a terminal, then clears the line") {
  if (access("/usr/bin/script", X_OK) != 0) {
    skip("script(1) is not installed (apt-get install bsdutils)");
    return;
  }
  StandIn s(two_pages(false));
  TempDir d;
  auto r = on_a_terminal("api /items --paginate", env_for(s, d), d);
  CHECK(r.exit_code == 0);
  auto tty = slurp(d.file("typescript"));
  CHECK(tty.find("fetched 2 items") != std::string::npos);
  CHECK(tty.find("\r\033[K") != std::string::npos);  // the line is cleared
  auto out = Json::parse(slurp(d.file("out")));
  CHECK(out == Json::parse(R"([{"id":"a"},{"id":"b"},{"id":"c"}])"));
}

TEST_CASE("--paginate prints no progress when stderr is not a terminal") {
  StandIn s(two_pages(false));
  TempDir d;
  auto env = env_for(s, d);
  auto r = run_cli({"api", "/items", "--paginate"}, env);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(Json::parse(r.out).size() == 3);
}

TEST_CASE("--quiet suppresses the progress line on a terminal") {
  if (access("/usr/bin/script", X_OK) != 0) {
    skip("script(1) is not installed (apt-get install bsdutils)");
    return;
  }
  StandIn s(two_pages(false));
  TempDir d;
  auto r = on_a_terminal("api /items --paginate -q", env_for(s, d), d);
  CHECK(r.exit_code == 0);
  CHECK(slurp(d.file("typescript")).find("fetched") == std::string::npos);
}

TEST_CASE("an error after some pages clears the progress line before the error") {
  if (access("/usr/bin/script", X_OK) != 0) {
    skip("script(1) is not installed (apt-get install bsdutils)");
    return;
  }
  StandIn s(two_pages(true));
  TempDir d;
  auto r = on_a_terminal("api /items --paginate", env_for(s, d), d);
  CHECK(r.exit_code == 3);
  auto tty = slurp(d.file("typescript"));
  auto err = tty.find("error:");
  REQUIRE(err != std::string::npos);
  // Between the progress text and "error:" the line was cleared.
  auto progress = tty.find("fetched 2 items");
  REQUIRE(progress != std::string::npos);
  CHECK(tty.substr(progress, err - progress).find("\r\033[K") != std::string::npos);
}
