// cli.md §1: a token is never sent over plain http to a host that is not loopback unless
// --allow-insecure-http (or SLAB5_ALLOW_INSECURE_HTTP=1), and `doctor` flags such a base URL.
// Every slab5 here runs under `unshare -n` (a network namespace with only a downed loopback),
// so not one packet can leave the machine whatever slab5 does; where unshare is not permitted
// the whole binary reports skipped (exit 77, SKIP_RETURN_CODE in tests/CMakeLists.txt).
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "harness.hpp"

using namespace testing;

namespace {

const char* kRemote = "http://192.0.2.2:18999/v1";  // TEST-NET-1: never routed

// The unshare invocation that works here ({} when none does).
const std::vector<std::string>& unshare_prefix() {
  static const std::vector<std::string> prefix = [] {
    for (const char* bin : {"/usr/bin/unshare", "/bin/unshare"}) {
      if (!std::filesystem::exists(bin)) continue;
      for (std::vector<std::string> flags : {std::vector<std::string>{"-n"}, std::vector<std::string>{"-r", "-n"}}) {
        auto args = flags;
        args.push_back("/bin/true");
        if (run_program(bin, args, {}).exit_code == 0) {
          flags.insert(flags.begin(), bin);
          return flags;
        }
      }
    }
    return std::vector<std::string>{};
  }();
  return prefix;
}

// Skips the whole binary, visibly, where no network namespace can be made.
void require_unshare() {
  if (!unshare_prefix().empty()) return;
  std::fprintf(stderr, "SKIP: 'unshare -n' is not permitted here; these tests need a network namespace\n");
  std::fflush(stderr);
  std::_Exit(77);
}

// Runs slab5 with no network at all.
CliResult offline(const std::vector<std::string>& args, std::map<std::string, std::string> env,
                  const std::string& in = "") {
  require_unshare();
  const auto& pre = unshare_prefix();
  std::vector<std::string> argv(pre.begin() + 1, pre.end());
  argv.push_back(slab5_bin());
  argv.insert(argv.end(), args.begin(), args.end());
  static TempDir home;
  if (!env.count("HOME")) env["HOME"] = home.path();
  if (!env.count("SLAB5_CONFIG_DIR")) env["SLAB5_CONFIG_DIR"] = home.path() + "/config";
  env["PATH"] = "/usr/bin:/bin";
  env["SLAB5_MAX_RETRIES"] = "0";
  return run_program(pre.front(), argv, env, in);
}

// A well-formed API key (its checksum is right), from a real slab5d's first start.
const std::string& real_key() {
  require_unshare();  // before a server starts: a skip leaves nothing running
  static Server s;
  return s.token;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a token is not sent over plain http to a host that is not loopback: refused before connecting") {
  auto r = offline({"--verbose", "--base-url", kRemote, "workspace"}, {{"SLAB5_WORKSPACE_TOKEN", real_key()}});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "refusing to send credentials over plain http to http://192.0.2.2:18999"));
  CHECK(has(r.err, "--allow-insecure-http"));
  CHECK(has(r.err, "SLAB5_ALLOW_INSECURE_HTTP=1"));
  CHECK_FALSE(has(r.err, "> GET"));         // no request was even attempted
  CHECK_FALSE(has(r.err, "cannot reach"));  // a refusal, not a connection error
  CHECK_FALSE(has(r.err, real_key()));
  // The same from the environment's base URL and for a token given as a flag.
  auto env = offline({"workspace"}, {{"SLAB5_API_BASE_URL", kRemote}, {"SLAB5_API_KEY", real_key()}});
  CHECK(env.exit_code == 2);
  auto flag = offline({"--base-url", kRemote, "--token", real_key(), "api", "/workspace"}, {});
  CHECK(flag.exit_code == 2);
}

TEST_CASE("a stored credential and a password are not sent in clear to a remote host either") {
  TempDir home;
  std::string dir = home.file("config");
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir + "/credentials.json");
    f << Json{{"version", 2},
              {"hosts",
               {{"http://192.0.2.2:18999",
                 {{"profiles", {{"default", {{"kind", "api_key"}, {"token", real_key()}}}}}}}}}}
             .dump();
  }
  std::filesystem::permissions(dir + "/credentials.json", std::filesystem::perms(0600));
  std::map<std::string, std::string> env{{"SLAB5_CONFIG_DIR", dir}, {"SLAB5_API_BASE_URL", kRemote}};
  auto stored = offline({"workspace"}, env);
  CHECK(stored.exit_code == 2);
  CHECK(has(stored.err, "refusing"));
  auto login = offline({"login", "--email", "a@example.test", "--password-stdin"}, env, "hunter2-password\n");
  CHECK(login.exit_code == 2);
  CHECK(has(login.err, "refusing"));
}

TEST_CASE("--allow-insecure-http or SLAB5_ALLOW_INSECURE_HTTP=1 lets the request go (here: no network, exit 7)") {
  auto flag =
      offline({"--allow-insecure-http", "--base-url", kRemote, "workspace"}, {{"SLAB5_WORKSPACE_TOKEN", real_key()}});
  CHECK(flag.exit_code == 7);
  CHECK(has(flag.err, "cannot reach"));
  auto env = offline({"--base-url", kRemote, "workspace"},
                     {{"SLAB5_WORKSPACE_TOKEN", real_key()}, {"SLAB5_ALLOW_INSECURE_HTTP", "1"}});
  CHECK(env.exit_code == 7);
  auto off = offline({"--base-url", kRemote, "workspace"},
                     {{"SLAB5_WORKSPACE_TOKEN", real_key()}, {"SLAB5_ALLOW_INSECURE_HTTP", "0"}});
  CHECK(off.exit_code == 2);
}

TEST_CASE("loopback hosts over http and any host over https are not refused") {
  for (const char* url : {"http://127.0.0.1:18999/v1", "http://127.8.9.10:18999/v1", "http://localhost:18999/v1",
                          "http://[::1]:18999/v1", "https://192.0.2.2:18999/v1"}) {
    CAPTURE(url);
    auto r = offline({"--base-url", url, "workspace"}, {{"SLAB5_WORKSPACE_TOKEN", real_key()}});
    CHECK(r.exit_code == 7);  // a connection error: nothing listens in the empty namespace
    CHECK_FALSE(has(r.err, "refusing"));
  }
}

TEST_CASE("doctor flags a plain-http base URL to a remote host as a failing check with the fix") {
  auto r = offline({"doctor", "--json", "--base-url", kRemote}, {{"SLAB5_WORKSPACE_TOKEN", real_key()}});
  CHECK(r.exit_code == 1);
  auto checks = Json::parse(r.out, nullptr, false);
  REQUIRE(checks.is_array());
  Json transport;
  for (const auto& c : checks)
    if (c["check"] == "transport") transport = c;
  REQUIRE(transport.is_object());
  CHECK(transport["status"] == "fail");
  CHECK(has(transport["fix"].get<std::string>(), "--allow-insecure-http"));
  CHECK(has(transport["fix"].get<std::string>(), "https://"));
  auto allowed = offline({"doctor", "--json", "--allow-insecure-http", "--base-url", kRemote}, {});
  for (const auto& c : Json::parse(allowed.out, nullptr, false))
    if (c["check"] == "transport") CHECK(c["status"] == "ok");
}

TEST_CASE("slab5 api with an absolute URL to another host sends no token (no network: exit 7)") {
  auto r = offline({"--verbose", "api", "http://192.0.2.9/steal"},
                   {{"SLAB5_API_BASE_URL", "https://api.slab5.com/v1"}, {"SLAB5_WORKSPACE_TOKEN", real_key()}});
  CHECK(r.exit_code == 7);
  CHECK(has(r.err, "is not the base URL's host"));
  CHECK(has(r.err, "> GET http://192.0.2.9/steal"));
  CHECK_FALSE(has(r.err, "Authorization"));
  CHECK_FALSE(has(r.err, real_key()));
}
