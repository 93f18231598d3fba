// What slab5 prints (cli.md §2 `api`, §3): server text with control characters escaped on a
// real terminal, tables that fit it, `slab5 api` output for CI logs and --paginate as gh does
// it, the /v1 mistakes named with their fix, and a refused connection that fails fast.
#include <doctest/doctest.h>

#include <chrono>
#include <sstream>

#include "harness.hpp"
#include "slab5/http_client.hpp"
#include "slab5/token.hpp"
#include "stand_in.hpp"

using namespace testing;

namespace {
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::map<std::string, std::string> env_for(const Server& s, const TempDir& cfg) {
  return {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", s.token}, {"SLAB5_CONFIG_DIR", cfg.path()}};
}

const std::string kHostile = "\x1b[2J\x1b]0;owned\x07 Mallory";

// What a terminal would obey in `text`: clear screen, OSC (title, clipboard), BEL.
void check_no_terminal_commands(const std::string& text) {
  CHECK(!has(text, "\x1b[2J"));
  CHECK(!has(text, "\x1b]"));
  CHECK(!has(text, "\x07"));
}

// Display columns of one line (UTF-8 code points; the test text has no wide characters).
std::size_t columns(const std::string& line) {
  std::size_t n = 0;
  bool in_escape = false;
  for (unsigned char c : line) {
    if (c == 0x1b)
      in_escape = true;  // our own bold/colour: no width
    else if (in_escape)
      in_escape = !(c >= 0x40 && c <= 0x7e && c != '[');
    else if ((c & 0xC0) != 0x80 && c != '\r')
      ++n;
  }
  return n;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    out.push_back(l);
  }
  return out;
}
}  // namespace

TEST_CASE("an invitee's name with ESC/OSC/BEL reaches the owner's terminal escaped, in members list") {
  Server s;
  TempDir cfg;
  auto owner = login(s, s.owner_email, s.owner_password, s.workspace_id);
  std::string owner_token = owner["accessToken"];
  std::string email = "mallory-" + std::to_string(s.port) + "@example.test";
  auto inv = api("POST", s.api_url + "/workspace/invitations", owner_token, {{"email", email}, {"role", "member"}},
                 {{"x-workspace-id", s.workspace_id}});
  REQUIRE(inv.status == 201);
  auto mail = http("GET", s.api_url + "/dev/mail?to=" + slab5::url_encode(email));
  REQUIRE(mail.status == 200);
  std::string token = mail.json["data"][0]["token"];
  auto acc = api("POST", s.api_url + "/auth/accept-invite", "",
                 {{"token", token}, {"password", "correct horse battery"}, {"name", kHostile}});
  if (acc.status != 200) {
    // A server that refuses control characters in names is fine too; the stand-in case below
    // still shows what slab5 does with them.
    CHECK(acc.status == 422);
    return;
  }
  auto env = env_for(s, cfg);
  env["COLUMNS"] = "200";
  auto r = run_cli_on_terminal({"members", "list"}, env);
  CHECK(r.exit_code == 0);
  check_no_terminal_commands(r.out);
  CHECK(has(r.out, "\\e[2J\\e]0;owned\\x07 Mallory"));
  // JSON output is JSON-escaped already.
  auto j = run_cli({"members", "list", "--json"}, env_for(s, cfg));
  check_no_terminal_commands(j.out);
  CHECK(has(j.out, "\\u001b[2J"));
  // A key with such a name: the table, the detail view and the revoke message.
  auto key = api("POST", s.api_url + "/workspace/api-keys", s.token, {{"name", kHostile}, {"scopes", {"crm:read"}}});
  if (key.status == 201) {
    auto list = run_cli_on_terminal({"keys", "list"}, env);
    check_no_terminal_commands(list.out);
    CHECK(has(list.out, "Mallory"));
    auto show = run_cli_on_terminal({"keys", "show", key.json["data"]["id"]}, env);
    check_no_terminal_commands(show.out);
    auto revoke = run_cli_on_terminal({"keys", "revoke", key.json["data"]["id"], "--yes"}, env);
    CHECK(revoke.exit_code == 0);
    check_no_terminal_commands(revoke.out);
  }
}

TEST_CASE("control characters in any server text are escaped on a terminal, also in messages (stand-in server)") {
  // A server that sends what it likes: names, emails and an error message with terminal commands.
  StandIn hostile([](const std::string& head) -> std::optional<StandInReply> {
    if (has(head, "/workspace/members"))
      return StandInReply{200, Json{{"data", Json::array({{{"user_id", "usr_1"},
                                                           {"email", "m\x1b]52;c;ZWNobyBvd25lZA==\x07@x.test"},
                                                           {"name",
                                                            "\x1b[2J\x1b]0;owned\x07 Mallory\r\xc2\x9b"
                                                            "31m"},
                                                           {"role", "member"},
                                                           {"joined_at", "2026-01-01T00:00:00Z"}}})},
                                    {"next_cursor", nullptr}}
                                   .dump()};
    return StandInReply{
        404, Json{{"error",
                   {{"code", "resource_not_found"}, {"message", "No \x1b[2Jthing\x07 here"}, {"request_id", "req_1"}}}}
                 .dump()};
  });
  TempDir cfg;
  std::map<std::string, std::string> env = {{"SLAB5_API_BASE_URL", hostile.url("/v1")},
                                            {"SLAB5_WORKSPACE_TOKEN", slab5::generate_token(slab5::kApiKeyPrefix)},
                                            {"SLAB5_CONFIG_DIR", cfg.path()},
                                            {"COLUMNS", "200"}};
  auto r = run_cli_on_terminal({"members", "list"}, env);
  CHECK(r.exit_code == 0);
  check_no_terminal_commands(r.out);
  CHECK(!has(r.out, "\r\xc2\x9b"));
  CHECK(has(r.out, "\\u009b31m"));
  CHECK(has(r.out, "\\e[2J"));
  CHECK(has(r.out, "\\r"));
  auto piped = run_cli({"members", "list"}, env);
  check_no_terminal_commands(piped.out);
  auto err = run_cli_on_terminal({"workspace"}, env);
  CHECK(err.exit_code == 3);
  check_no_terminal_commands(err.out);
  CHECK(has(err.out, "No \\e[2Jthing\\x07 here"));
}

TEST_CASE("tables fit the terminal: the widest free-text column is cut with …, ids and prefixes never; pipes never") {
  Server s;
  TempDir cfg;
  std::string long_name(100, 'n');
  auto key = api("POST", s.api_url + "/workspace/api-keys", s.token,
                 {{"name", long_name},
                  {"scopes",
                   {"crm:read", "crm:write", "tasks:read", "tasks:write", "cms:read", "cms:write", "support:read",
                    "support:write", "audit:read", "usage:read"}}});
  REQUIRE(key.status == 201);
  std::string id = key.json["data"]["id"], prefix = key.json["data"]["prefix"];
  auto env = env_for(s, cfg);
  env["COLUMNS"] = "100";
  auto r = run_cli_on_terminal({"keys", "list"}, env);
  CHECK(r.exit_code == 0);
  for (const auto& line : lines_of(r.out)) {
    CAPTURE(line);
    CHECK(columns(line) <= 100);
  }
  CHECK(has(r.out, id));
  CHECK(has(r.out, prefix));
  CHECK(has(r.out, "…"));
  CHECK(!has(r.out, long_name));
  auto piped = run_cli({"keys", "list"}, env_for(s, cfg));
  CHECK(has(piped.out, long_name));
  CHECK(!has(piped.out, "…"));
}

TEST_CASE("piped slab5 api output ends in a newline, so the next line of a CI log starts on its own") {
  Server s;
  TempDir cfg;
  auto r = run_cli({"api", "/workspace"}, env_for(s, cfg));
  CHECK(r.exit_code == 0);
  REQUIRE(!r.out.empty());
  CHECK(r.out.back() == '\n');
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
}

TEST_CASE("slab5 api errors name the code and the request_id, as cli.md §3 shows") {
  Server s;
  TempDir cfg;
  auto r = run_cli({"api", "/workspace/api-keys/key_nope"}, env_for(s, cfg));
  CHECK(r.exit_code == 3);
  CHECK(has(r.err, "code: resource_not_found"));
  CHECK(has(r.err, "request_id: req_"));
}

TEST_CASE("--paginate prints a non-list answer as it came, and --jq runs on each page's whole body") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  // A few audit events, so that limit=1 gives several pages.
  for (int i = 0; i < 3; ++i)
    REQUIRE(api("POST", s.api_url + "/workspace/api-keys", s.token,
                {{"name", "k" + std::to_string(i)}, {"scopes", {"crm:read"}}})
                .status == 201);
  auto object = run_cli({"api", "/workspace", "--paginate"}, env);
  CHECK(object.exit_code == 0);
  auto o = Json::parse(object.out, nullptr, false);
  REQUIRE(o.is_object());
  CHECK(o["data"]["id"] == s.workspace_id);

  auto merged = run_cli({"api", "/workspace/audit-events?limit=1", "--paginate"}, env);
  CHECK(merged.exit_code == 0);
  auto all = Json::parse(merged.out, nullptr, false);
  REQUIRE(all.is_array());
  CHECK(all.size() >= 3);

  auto actions = run_cli({"api", "/workspace/audit-events?limit=1", "--paginate", "--jq", ".data[].action"}, env);
  CHECK(actions.exit_code == 0);
  auto lines = lines_of(actions.out);
  CHECK(lines.size() == all.size());
  for (std::size_t i = 0; i < lines.size() && i < all.size(); ++i) CHECK(lines[i] == all[i]["action"]);
  // Each page's whole body: its next_cursor is there to read.
  auto cursors = run_cli({"api", "/workspace/audit-events?limit=1", "--paginate", "--jq", ".next_cursor"}, env);
  CHECK(cursors.exit_code == 0);
  CHECK(lines_of(cursors.out).size() == all.size());
  auto id = run_cli({"api", "/workspace", "--paginate", "--jq", ".data.id"}, env);
  CHECK(id.out == s.workspace_id + "\n");
}

TEST_CASE("a base URL without /v1 and an api path that repeats /v1 are named with their fix") {
  Server s;
  TempDir cfg;
  auto env = env_for(s, cfg);
  env["SLAB5_API_BASE_URL"] = s.base_url;  // no /v1
  auto r = run_cli({"workspace"}, env);
  CHECK(r.exit_code == 3);
  CHECK(has(r.err, "does not end in /v1"));
  CHECK(has(r.err, s.base_url + "/v1"));
  auto flag = run_cli({"workspace", "--base-url", s.base_url}, env_for(s, cfg));
  CHECK(has(flag.err, "does not end in /v1"));

  auto doubled = run_cli({"api", "/v1/workspace"}, env_for(s, cfg));
  CHECK(doubled.exit_code == 3);
  CHECK(has(doubled.err, "paths are relative"));
  CHECK(has(doubled.err, "'slab5 api /workspace'"));
}

TEST_CASE("a refused connection fails in about a second with the default retries, exit 7") {
  int port = 0;
  {
    // A port that was free a moment ago: nothing listens there now.
    StandIn gone(200, "{}");
    port = std::stoi(gone.url().substr(gone.url().rfind(':') + 1));
  }
  TempDir cfg;
  auto start = std::chrono::steady_clock::now();
  auto r = run_cli({"workspace"}, {{"SLAB5_API_BASE_URL", "http://127.0.0.1:" + std::to_string(port) + "/v1"},
                                   {"SLAB5_WORKSPACE_TOKEN", slab5::generate_token(slab5::kApiKeyPrefix)},
                                   {"SLAB5_CONFIG_DIR", cfg.path()}});
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(r.exit_code == 7);
  // The retries' waits, plus slab5's start (slow under ASan on a busy machine): seconds, not
  // the 30 s of the request timeout.
  CHECK(took < std::chrono::seconds(5));
  CHECK(took >= std::chrono::milliseconds(400));  // it did retry
}
