// How slab5 answers a new user's mistakes (cli.md §3, §4): did you mean, `help TOPIC`, the
// one form every duration flag takes, and the one confirmation rule.
#include <doctest/doctest.h>

#include <chrono>

#include "harness.hpp"
#include "slab5/token.hpp"
#include "stand_in.hpp"

using namespace testing;

namespace {
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("a mistyped subcommand or command gets 'did you mean', exit 2") {
  auto lst = run_cli({"keys", "lst"});
  CHECK(lst.exit_code == 2);
  CHECK(has(lst.err, "unknown command 'lst' for 'slab5 keys'"));
  CHECK(has(lst.err, "did you mean 'slab5 keys list'?"));
  CHECK(!has(lst.err, "A subcommand is required"));

  auto key = run_cli({"key", "list"});
  CHECK(key.exit_code == 2);
  CHECK(has(key.err, "did you mean 'slab5 keys'?"));
  CHECK(!has(key.err, "arguments were not expected"));

  auto membrs = run_cli({"membrs", "list"});
  CHECK(membrs.exit_code == 2);
  CHECK(has(membrs.err, "did you mean 'slab5 members'?"));

  // Nothing near: the command's own help is named instead.
  auto far = run_cli({"keys", "zzzzzz"});
  CHECK(far.exit_code == 2);
  CHECK(has(far.err, "slab5 keys --help"));
}

TEST_CASE("a mistyped flag gets 'did you mean' with the nearest flag of that command or a global one") {
  auto r = run_cli({"keys", "create", "--nmae", "ci", "--scope", "crm:read"});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "unknown flag '--nmae'"));
  CHECK(has(r.err, "did you mean '--name'?"));
  auto g = run_cli({"workspace", "--bse-url", "http://127.0.0.1:1/v1"});
  CHECK(g.exit_code == 2);
  CHECK(has(g.err, "did you mean '--base-url'?"));
}

TEST_CASE("gh's 'slab5 api PATH -q EXPR' habit: -q stays --quiet and the error says 'did you mean --jq?'") {
  auto r = run_cli({"api", "/workspace", "-q", ".data.id"});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "did you mean --jq?"));
  CHECK(has(r.err, "--jq '.data.id'"));
}

TEST_CASE("slab5 help TOPIC works for every command and for exit-codes, environment and formatting") {
  auto keys = run_cli({"help", "keys"});
  CHECK(keys.exit_code == 0);
  CHECK(has(keys.out, "slab5 keys"));
  CHECK(has(keys.out, "rotate"));
  auto create = run_cli({"help", "keys", "create"});
  CHECK(create.exit_code == 0);
  CHECK(has(create.out, "--scope"));
  for (const char* cmd : {"api", "workspace", "members", "invitations", "audit", "usage", "login", "auth", "doctor",
                          "config", "completion", "mcp-clients", "version", "logout"}) {
    CAPTURE(cmd);
    auto r = run_cli({"help", cmd});
    CHECK(r.exit_code == 0);
    CHECK(has(r.out, std::string("slab5 ") + cmd));
  }
  auto codes = run_cli({"help", "exit-codes"});
  CHECK(codes.exit_code == 0);
  CHECK(has(codes.out, "130"));
  auto env = run_cli({"help", "environment"});
  CHECK(env.exit_code == 0);
  CHECK(has(env.out, "SLAB5_API_BASE_URL"));
  CHECK(has(env.out, "SLAB5_TIMEOUT"));
  auto fmt = run_cli({"help", "formatting"});
  CHECK(fmt.exit_code == 0);
  CHECK(has(fmt.out, "tab-separated"));
  CHECK(has(fmt.out, "control characters escaped"));
  auto typo = run_cli({"help", "kyes"});
  CHECK(typo.exit_code == 2);
  CHECK(has(typo.err, "did you mean 'slab5 help keys'?"));
}

TEST_CASE("bad duration values are exit 2 naming the flag, before any request") {
  std::map<std::string, std::string> env = {{"SLAB5_API_BASE_URL", "http://127.0.0.1:9/v1"},
                                            {"SLAB5_WORKSPACE_TOKEN", slab5::generate_token(slab5::kApiKeyPrefix)}};
  for (const char* bad : {"abc", "-5", "0", "2x", "1.5.2"}) {
    CAPTURE(bad);
    auto r = run_cli({"workspace", "--timeout", bad}, env);
    CHECK(r.exit_code == 2);
    CHECK(has(r.err, "--timeout"));
  }
  auto env_bad = env;
  env_bad["SLAB5_TIMEOUT"] = "abc";
  auto v = run_cli({"workspace"}, env_bad);
  CHECK(v.exit_code == 2);
  CHECK(has(v.err, "SLAB5_TIMEOUT"));
  auto expires = run_cli({"keys", "create", "--name", "ci", "--scope", "crm:read", "--expires-in", "90x"}, env);
  CHECK(expires.exit_code == 2);
  CHECK(has(expires.err, "--expires-in"));
  auto overlap = run_cli({"keys", "rotate", "key_x", "--overlap", "soon"}, env);
  CHECK(overlap.exit_code == 2);
  CHECK(has(overlap.err, "--overlap"));
  auto since = run_cli({"audit", "--since", "yesterday"}, env);
  CHECK(since.exit_code == 2);
  CHECK(has(since.err, "--since"));
  auto interval = run_cli({"audit", "--follow", "--interval", "soon"}, env);
  CHECK(interval.exit_code == 2);
  CHECK(has(interval.err, "--interval"));
  auto usage = run_cli({"usage", "--until", "1x"}, env);
  CHECK(usage.exit_code == 2);
  CHECK(has(usage.err, "--until"));
}

TEST_CASE("--timeout takes the same duration forms as every other flag: 2s is seconds, 2m minutes") {
  StandIn silent([](const std::string&) -> std::optional<StandInReply> { return std::nullopt; });
  TempDir cfg;
  std::map<std::string, std::string> env = {{"SLAB5_API_BASE_URL", silent.url("/v1")},
                                            {"SLAB5_WORKSPACE_TOKEN", slab5::generate_token(slab5::kApiKeyPrefix)},
                                            {"SLAB5_MAX_RETRIES", "0"},
                                            {"SLAB5_CONFIG_DIR", cfg.path()},
                                            {"HOME", cfg.path()}};
  auto start = std::chrono::steady_clock::now();
  auto two_s = run_program(slab5_bin(), {"workspace", "--timeout", "2s"}, env, "", 30);
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(two_s.exit_code == 7);
  CHECK(took >= std::chrono::milliseconds(1800));
  CHECK(took < std::chrono::seconds(10));
  // 2m is still waiting after 4 s (it used to be read as 2 s).
  auto two_m = run_program(slab5_bin(), {"workspace", "--timeout", "2m"}, env, "", 4);
  CHECK(two_m.exit_code == 128 + 9);
}
