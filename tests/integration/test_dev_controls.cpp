// The test-suite controls of api.md §9.1: the server clock that every time rule reads,
// snapshots of the whole state, and reset to the first-start state. Each time rule is tested
// the way a test author would: move the clock over the rule's boundary instead of waiting.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <map>

#include "harness.hpp"
#include "slab5/encoding.hpp"
#include "slab5/time.hpp"

using namespace testing;

namespace {
void check_error(const Response& r, long status, const std::string& code) {
  INFO(r.body);
  CHECK(r.status == status);
  REQUIRE(r.json.is_object());
  REQUIRE(r.json.contains("error"));
  CHECK(r.json["error"]["code"] == code);
}

Response clock(const Server& s, const Json& body) { return api("POST", s.api_url + "/dev/clock", "", body); }

void advance(const Server& s, const std::string& by) {
  auto r = clock(s, {{"advance", by}});
  INFO(r.body);
  REQUIRE(r.status == 200);
}

// The wall time a block of a test takes.
struct Stopwatch {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  long ms() const {
    return long(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
  }
};

Json last_mail(const Server& s, const std::string& to) {
  auto r = http("GET", s.api_url + "/dev/mail?to=" + slab5::url_encode(to));
  REQUIRE(r.status == 200);
  REQUIRE(!r.json["data"].empty());
  return r.json["data"][0];
}

std::string ws_key(const Server& s, const Json& body) {
  auto r = api("POST", s.api_url + "/workspace/api-keys", s.token, body);
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.json["data"]["secret"];
}
}  // namespace

TEST_CASE("GET /v1/dev/clock reads real time; advance, set, freeze and DELETE move it") {
  if (on_postgres()) return;  // the test clock and snapshots are refused there: see below
  Server s;
  auto r = http("GET", s.api_url + "/dev/clock");
  REQUIRE(r.status == 200);
  auto real = slab5::real_now_millis();
  auto now = slab5::parse_rfc3339(r.json["data"]["now"].get<std::string>());
  REQUIRE(now);
  CHECK(std::abs(*now - real) < 5000);
  CHECK(std::abs(r.json["data"]["offset_ms"].get<long>()) < 100);
  CHECK(r.json["data"]["frozen"] == false);

  r = clock(s, {{"advance", "90m"}});
  REQUIRE(r.status == 200);
  CHECK(std::abs(r.json["data"]["offset_ms"].get<long>() - 90 * 60000) < 1000);

  r = clock(s, {{"set", "2030-01-01T09:00:00Z"}, {"freeze", true}});
  REQUIRE(r.status == 200);
  CHECK(r.json["data"]["now"] == "2030-01-01T09:00:00.000Z");
  CHECK(r.json["data"]["frozen"] == true);
  // Frozen: the clock stands still between requests, and advance moves it exactly.
  CHECK(http("GET", s.api_url + "/dev/clock").json["data"]["now"] == "2030-01-01T09:00:00.000Z");
  CHECK(clock(s, {{"advance", "1h"}}).json["data"]["now"] == "2030-01-01T10:00:00.000Z");
  CHECK(clock(s, {{"advance", "-30m"}}).json["data"]["now"] == "2030-01-01T09:30:00.000Z");
  // The server's own timestamps follow it.
  auto c = api("POST", s.api_url + "/contacts", s.token, {{"name", "Dana"}});
  REQUIRE(c.status == 201);
  CHECK(c.json["data"]["created_at"] == "2030-01-01T09:30:00.000Z");
  CHECK(http("GET", s.base_url + "/health").json["time"].get<std::string>().rfind("2030-01-01T09:30:00", 0) == 0);

  r = clock(s, {{"freeze", false}});
  CHECK(r.json["data"]["frozen"] == false);
  r = http("DELETE", s.api_url + "/dev/clock");
  REQUIRE(r.status == 200);
  CHECK(r.json["data"]["frozen"] == false);
  CHECK(std::abs(r.json["data"]["offset_ms"].get<long>()) < 100);
}

TEST_CASE("POST /v1/dev/clock refuses what is not a clock change, naming the field") {
  if (on_postgres()) return;  // the test clock and snapshots are refused there: see below
  Server s;
  check_error(clock(s, Json::object()), 422, "validation_failed");
  auto r = clock(s, {{"advance", "soon"}});
  check_error(r, 422, "validation_failed");
  CHECK(r.json["error"]["field_errors"][0]["field"] == "advance");
  r = clock(s, {{"set", "2030-13-01T00:00:00Z"}});
  check_error(r, 422, "validation_failed");
  CHECK(r.json["error"]["field_errors"][0]["field"] == "set");
  check_error(clock(s, {{"set", "2030-01-01T00:00:00Z"}, {"advance", "1h"}}), 422, "validation_failed");
  check_error(clock(s, {{"freeze", "yes"}}), 422, "validation_failed");
  check_error(clock(s, {{"advance", 90}}), 422, "validation_failed");
  // Nothing moved.
  CHECK(std::abs(http("GET", s.api_url + "/dev/clock").json["data"]["offset_ms"].get<long>()) < 100);
}

TEST_CASE("with --no-dev-routes the clock, snapshot and reset routes do not exist") {
  Server s({.args = {"--no-dev-routes"}});
  check_error(http("GET", s.api_url + "/dev/clock"), 404, "resource_not_found");
  check_error(api("POST", s.api_url + "/dev/snapshots", "", {{"name", "a"}}), 404, "resource_not_found");
  check_error(api("POST", s.api_url + "/dev/reset", "", Json::object()), 404, "resource_not_found");
}

TEST_CASE("an API key stops working when the server clock passes its expires_at") {
  if (on_postgres()) return;  // the test clock and snapshots are refused there: see below
  Server s;
  Stopwatch w;
  auto expires = slab5::format_rfc3339(slab5::now_millis() + 90LL * 86400000);
  auto key = ws_key(s, {{"name", "ninety days"}, {"scopes", {"crm:read"}}, {"expires_at", expires}});
  CHECK(api("GET", s.api_url + "/contacts", key).status == 200);  // now in this thread's cache
  advance(s, "89d");
  CHECK(api("GET", s.api_url + "/contacts", key).status == 200);
  advance(s, "1d");
  auto r = api("GET", s.api_url + "/contacts", key);
  check_error(r, 401, "unauthorized");
  CHECK(r.json["error"]["message"].get<std::string>().find("expired") != std::string::npos);
  // The list of keys agrees.
  auto keys = api("GET", s.api_url + "/workspace/api-keys?status=expired", s.token);
  REQUIRE(keys.status == 200);
  CHECK(keys.json["data"].size() == 1);
  CHECK(w.ms() < 1000);
}

TEST_CASE("a rotated key works through its overlap and stops right after it") {
  if (on_postgres()) return;  // the test clock and snapshots are refused there: see below
  Server s;
  Stopwatch w;
  auto r = api("POST", s.api_url + "/workspace/api-keys", s.token, {{"name", "rotating"}, {"scopes", {"crm:read"}}});
  REQUIRE(r.status == 201);
  std::string id = r.json["data"]["id"], old_key = r.json["data"]["secret"];
  auto rot = api("POST", s.api_url + "/workspace/api-keys/" + id + "/rotate", s.token, {{"overlap_seconds", 3600}});
  INFO(rot.body);
  REQUIRE(rot.status == 201);
  std::string new_key = rot.json["data"]["secret"];
  CHECK(api("GET", s.api_url + "/contacts", old_key).status == 200);
  advance(s, "59m");
  CHECK(api("GET", s.api_url + "/contacts", old_key).status == 200);
  advance(s, "2m");
  check_error(api("GET", s.api_url + "/contacts", old_key), 401, "unauthorized");
  CHECK(api("GET", s.api_url + "/contacts", new_key).status == 200);
  CHECK(w.ms() < 1000);
}

TEST_CASE("an invitation cannot be accepted once the server clock passes its seven days") {
  if (on_postgres()) return;  // the test clock and snapshots are refused there: see below
  Server s;
  auto session = login(s, s.owner_email, s.owner_password, s.workspace_id);
  std::string t = session["accessToken"];
  std::vector<std::pair<std::string, std::string>> h = {{"x-workspace-id", s.workspace_id}};
  Stopwatch w;
  REQUIRE(api("POST", s.api_url + "/workspace/invitations", t, {{"email", "late@example.test"}, {"role", "member"}}, h)
              .status == 201);
  REQUIRE(api("POST", s.api_url + "/workspace/invitations", t, {{"email", "early@example.test"}, {"role", "member"}}, h)
              .status == 201);
  std::string late = last_mail(s, "late@example.test")["token"], early = last_mail(s, "early@example.test")["token"];
  advance(s, "6d");
  CHECK(api("POST", s.api_url + "/auth/accept-invite", "", {{"token", early}, {"password", "password-early"}}).status ==
        200);
  advance(s, "1d");
  auto r = api("POST", s.api_url + "/auth/accept-invite", "", {{"token", late}, {"password", "password-late"}});
  check_error(r, 410, "token_expired");
  CHECK(w.ms() < 1000);
}

TEST_CASE("an email verification token expires after 24 hours by the server clock") {
  if (on_postgres()) return;  // the test clock and snapshots are refused there: see below
  Server s;
  Stopwatch w;
  for (auto email : {"one@example.test", "two@example.test"})
    REQUIRE(api("POST", s.api_url + "/auth/register", "", {{"email", email}, {"password", "password1"}}).status == 202);
  std::string one = last_mail(s, "one@example.test")["token"], two = last_mail(s, "two@example.test")["token"];
  advance(s, "23h");
  CHECK(api("POST", s.api_url + "/auth/verify-email", "", {{"token", one}}).status == 200);
  advance(s, "1h");
  check_error(api("POST", s.api_url + "/auth/verify-email", "", {{"token", two}}), 410, "token_expired");
  CHECK(w.ms() < 1000);
}

TEST_CASE("a session's access token expires by the server clock, also when it was cached") {
  if (on_postgres()) return;  // the test clock and snapshots are refused there: see below
  Server s;
  auto session = login(s, s.owner_email, s.owner_password);
  std::string t = session["accessToken"];
  Stopwatch w;
  CHECK(api("GET", s.api_url + "/me", t).status == 200);
  advance(s, "59m");
  CHECK(api("GET", s.api_url + "/me", t).status == 200);
  advance(s, "1m");
  check_error(api("GET", s.api_url + "/me", t), 401, "unauthorized");
  // The refresh token still works while the session lasts.
  auto again = api("POST", s.api_url + "/auth/refresh", "", {{"refreshToken", session["refreshToken"]}});
  CHECK(again.status == 200);
  CHECK(w.ms() < 1000);
}

TEST_CASE("login throttling ends when the failures leave the 15-minute window of the server clock") {
  if (on_postgres()) return;  // the test clock and snapshots are refused there: see below
  Server s;
  Stopwatch w;
  Json wrong = {{"provider", "local"}, {"email", s.owner_email}, {"password", "wrong-password"}};
  Json right = {{"provider", "local"}, {"email", s.owner_email}, {"password", s.owner_password}};
  for (int i = 0; i < 5; ++i) api("POST", s.api_url + "/auth/session", "", wrong);
  check_error(api("POST", s.api_url + "/auth/session", "", right), 429, "too_many_attempts");
  advance(s, "16m");
  CHECK(api("POST", s.api_url + "/auth/session", "", right).status == 200);
  CHECK(w.ms() < 1000);
}

TEST_CASE("relative time filters count back from the server clock") {
  if (on_postgres()) return;  // the test clock and snapshots are refused there: see below
  Server s;
  REQUIRE(clock(s, {{"set", "2030-06-01T12:00:00Z"}, {"freeze", true}}).status == 200);
  REQUIRE(api("POST", s.api_url + "/contacts", s.token, {{"name", "Old"}}).status == 201);
  advance(s, "2h");
  REQUIRE(api("POST", s.api_url + "/contacts", s.token, {{"name", "New"}}).status == 201);
  auto r = api("GET", s.api_url + "/workspace/audit-events?since=1h", s.token);
  INFO(r.body);
  REQUIRE(r.status == 200);
  REQUIRE(!r.json["data"].empty());
  for (const auto& row : r.json["data"]) CHECK(row["created_at"].get<std::string>() >= "2030-06-01T13:00:00");
}

// ---- snapshots ------------------------------------------------------------------------

TEST_CASE("a restored snapshot is what the very next request sees, credentials included") {
  if (on_postgres()) return;  // the test clock and snapshots are refused there: see below
  Server s;
  auto a = api("POST", s.api_url + "/contacts", s.token, {{"name", "Saved"}});
  REQUIRE(a.status == 201);
  auto saved = api("POST", s.api_url + "/dev/snapshots", "", {{"name", "base"}});
  INFO(saved.body);
  REQUIRE(saved.status == 201);
  CHECK(saved.json["data"]["name"] == "base");
  CHECK(saved.json["data"]["size_bytes"].get<long>() > 0);

  auto b = api("POST", s.api_url + "/contacts", s.token, {{"name", "Later"}});
  REQUIRE(b.status == 201);
  auto later_key = ws_key(s, {{"name", "later"}, {"scopes", {"crm:read"}}});
  CHECK(api("GET", s.api_url + "/contacts", later_key).status == 200);  // cached now
  auto session = login(s, s.owner_email, s.owner_password);
  std::string later_session = session["accessToken"];
  CHECK(api("GET", s.api_url + "/me", later_session).status == 200);

  Stopwatch w;
  auto r = api("POST", s.api_url + "/dev/snapshots/base/restore", "", Json::object());
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.json["data"]["name"] == "base");
  CHECK(w.ms() < 1000);
  std::string a_id = a.json["data"]["id"], b_id = b.json["data"]["id"];
  CHECK(api("GET", s.api_url + "/contacts/" + a_id, s.token).status == 200);
  check_error(api("GET", s.api_url + "/contacts/" + b_id, s.token), 404, "resource_not_found");
  check_error(api("GET", s.api_url + "/contacts", later_key), 401, "unauthorized");
  check_error(api("GET", s.api_url + "/me", later_session), 401, "unauthorized");
  // Sign-in works again, with a signing key the restored database holds.
  auto fresh = login(s, s.owner_email, s.owner_password);
  CHECK(api("GET", s.api_url + "/me", fresh["accessToken"].get<std::string>()).status == 200);
  auto jwks = http("GET", s.base_url + "/.well-known/jwks.json");
  REQUIRE(jwks.status == 200);
  CHECK(jwks.body.find(jwks.json["keys"][0]["kid"].get<std::string>()) != std::string::npos);

  // Restoring again goes back again; a snapshot is kept after a restore.
  REQUIRE(api("POST", s.api_url + "/contacts", s.token, {{"name", "Third"}}).status == 201);
  REQUIRE(api("POST", s.api_url + "/dev/snapshots/base/restore", "", Json::object()).status == 200);
  auto list = api("GET", s.api_url + "/contacts", s.token);
  REQUIRE(list.status == 200);
  CHECK(list.json["data"].size() == 1);
}

TEST_CASE("a revocation after the save is undone by the restore") {
  if (on_postgres()) return;  // the test clock and snapshots are refused there: see below
  Server s;
  auto key = ws_key(s, {{"name", "k"}, {"scopes", {"crm:read"}}});
  auto listed = api("GET", s.api_url + "/workspace/api-keys", s.token);
  std::string id;
  for (const auto& k : listed.json["data"])
    if (k["name"] == "k") id = k["id"];
  REQUIRE(!id.empty());
  REQUIRE(api("POST", s.api_url + "/dev/snapshots", "", {{"name", "with-key"}}).status == 201);
  REQUIRE(api("POST", s.api_url + "/workspace/api-keys/" + id + "/revoke", s.token, Json::object()).status == 200);
  check_error(api("GET", s.api_url + "/contacts", key), 401, "unauthorized");
  REQUIRE(api("POST", s.api_url + "/dev/snapshots/with-key/restore", "", Json::object()).status == 200);
  CHECK(api("GET", s.api_url + "/contacts", key).status == 200);
}

TEST_CASE("snapshots are listed, read and deleted by name; bad and unknown names are refused") {
  if (on_postgres()) return;  // the test clock and snapshots are refused there: see below
  Server s;
  REQUIRE(api("POST", s.api_url + "/dev/snapshots", "", {{"name", "b-2"}}).status == 201);
  REQUIRE(api("POST", s.api_url + "/dev/snapshots", "", {{"name", "a.1"}}).status == 201);
  auto again = api("POST", s.api_url + "/dev/snapshots", "", {{"name", "a.1"}});  // replaces it
  CHECK(again.status == 201);
  auto list = http("GET", s.api_url + "/dev/snapshots");
  REQUIRE(list.status == 200);
  REQUIRE(list.json["data"].size() == 2);
  CHECK(list.json["data"][0]["name"] == "a.1");
  CHECK(list.json["data"][1]["name"] == "b-2");
  CHECK(list.json["data"][0]["created_at"].get<std::string>().size() == 24);
  auto one = http("GET", s.api_url + "/dev/snapshots/b-2");
  CHECK(one.status == 200);
  CHECK(one.json["data"]["name"] == "b-2");

  for (std::string bad :
       std::vector<std::string>{"", ".first-start", "../etc", "a/b", "-x", std::string(65, 'a'), "sp ace"}) {
    INFO(bad);
    auto r = api("POST", s.api_url + "/dev/snapshots", "", {{"name", bad}});
    check_error(r, 422, "validation_failed");
    CHECK(r.json["error"]["field_errors"][0]["field"] == "name");
  }
  check_error(api("POST", s.api_url + "/dev/snapshots", "", Json::object()), 422, "validation_failed");
  check_error(api("POST", s.api_url + "/dev/snapshots", "", {{"name", 5}}), 422, "validation_failed");
  check_error(api("POST", s.api_url + "/dev/snapshots/nope/restore", "", Json::object()), 404, "resource_not_found");
  check_error(api("POST", s.api_url + "/dev/snapshots/.first-start/restore", "", Json::object()), 404,
              "resource_not_found");
  check_error(http("GET", s.api_url + "/dev/snapshots/nope"), 404, "resource_not_found");

  CHECK(http("DELETE", s.api_url + "/dev/snapshots/b-2").status == 204);
  check_error(http("DELETE", s.api_url + "/dev/snapshots/b-2"), 404, "resource_not_found");
  check_error(http("GET", s.api_url + "/dev/snapshots/b-2"), 404, "resource_not_found");
  CHECK(http("GET", s.api_url + "/dev/snapshots").json["data"].size() == 1);
}

TEST_CASE("snapshots live beside the database, private to its owner") {
  if (on_postgres()) return;  // the test clock and snapshots are refused there: see below
  TempDir dir;
  std::string db = dir.file("app.db");
  Server s({.db = db});
  REQUIRE(api("POST", s.api_url + "/dev/snapshots", "", {{"name", "one"}}).status == 201);
  struct stat st {};
  REQUIRE(::stat((db + ".snapshots").c_str(), &st) == 0);
  CHECK((st.st_mode & 077) == 0);
  REQUIRE(::stat((db + ".snapshots/one.db").c_str(), &st) == 0);
  CHECK((st.st_mode & 077) == 0);
  CHECK(std::filesystem::exists(db + ".snapshots/.first-start.db"));
  CHECK_FALSE(std::filesystem::exists(db + ".snapshots/one.db-wal"));
}

TEST_CASE("a throwaway database's snapshots go with it") {
  if (on_postgres()) return;  // the test clock and snapshots are refused there: see below
  TempDir tmp;
  {
    Server s({.db = ":memory:", .env = {{"TMPDIR", tmp.path()}}});
    REQUIRE(api("POST", s.api_url + "/dev/snapshots", "", {{"name", "one"}}).status == 201);
    CHECK_FALSE(std::filesystem::is_empty(tmp.path()));
    CHECK(s.stop() == 0);
  }
  CHECK(std::filesystem::is_empty(tmp.path()));
}

// ---- reset ------------------------------------------------------------------------------

TEST_CASE("reset returns to the first-start state with the same owner, workspace and key") {
  if (on_postgres()) return;  // the test clock and snapshots are refused there: see below
  Server s;
  REQUIRE(api("POST", s.api_url + "/contacts", s.token, {{"name", "Gone"}}).status == 201);
  auto other = ws_key(s, {{"name", "other"}, {"scopes", {"crm:read"}}});
  REQUIRE(api("POST", s.api_url + "/auth/register", "", {{"email", "new@example.test"}, {"password", "password1"}})
              .status == 202);
  REQUIRE(api("PATCH", s.api_url + "/workspace", s.token, {{"name", "Renamed"}}).status == 200);
  REQUIRE(api("POST", s.api_url + "/dev/snapshots", "", {{"name", "kept"}}).status == 201);

  Stopwatch w;
  auto r = api("POST", s.api_url + "/dev/reset", "", Json::object());
  INFO(r.body);
  REQUIRE(r.status == 204);
  CHECK(w.ms() < 1000);
  auto ws = api("GET", s.api_url + "/workspace", s.token);
  REQUIRE(ws.status == 200);
  CHECK(ws.json["data"]["id"] == s.workspace_id);
  CHECK(ws.json["data"]["name"] == "Personal Workspace");
  CHECK(api("GET", s.api_url + "/contacts", s.token).json["data"].empty());
  check_error(api("GET", s.api_url + "/contacts", other), 401, "unauthorized");
  CHECK(http("GET", s.api_url + "/dev/mail").json["data"].empty());
  CHECK(login(s, s.owner_email, s.owner_password)["user"]["email"] == s.owner_email);
  auto keys = api("GET", s.api_url + "/workspace/api-keys", s.token);
  CHECK(keys.json["data"].size() == 1);
  // Snapshots are not state: they outlive a reset.
  CHECK(http("GET", s.api_url + "/dev/snapshots/kept").status == 200);
}

TEST_CASE("reset refuses a database that has no first-start state recorded") {
  if (on_postgres()) return;  // the test clock and snapshots are refused there: see below
  TempDir dir;
  std::string db = dir.file("old.db");
  std::string token;
  {
    Server s({.db = db});
    token = s.token;
    CHECK(s.stop() == 0);
  }
  std::filesystem::remove(db + ".snapshots/.first-start.db");
  Server again({.db = db});
  auto r = api("POST", again.api_url + "/dev/reset", "", Json::object());
  check_error(r, 409, "conflict");
  CHECK(api("GET", again.api_url + "/workspace", token).status == 200);
}

// ---- slab5 dev ----------------------------------------------------------------------------

TEST_CASE("slab5 dev clock, snapshot, reset and mail drive the server") {
  if (on_postgres()) return;  // the test clock and snapshots are refused there: see below
  Server s;
  std::map<std::string, std::string> env = {{"SLAB5_API_BASE_URL", s.api_url}};
  auto r = run_cli({"dev", "clock", "set", "2031-01-01T09:00:00Z", "--json"}, env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Json::parse(r.out)["now"].get<std::string>().rfind("2031-01-01T09:00:0", 0) == 0);
  REQUIRE(run_cli({"dev", "clock", "freeze"}, env).exit_code == 0);
  r = run_cli({"dev", "clock", "advance", "90m", "--json"}, env);
  REQUIRE(r.exit_code == 0);
  CHECK(Json::parse(r.out)["frozen"] == true);
  r = run_cli({"dev", "clock"}, env);
  CHECK(r.out.find("2031-01-01T10:30:00") != std::string::npos);
  CHECK(run_cli({"dev", "clock", "reset"}, env).exit_code == 0);
  CHECK(std::abs(http("GET", s.api_url + "/dev/clock").json["data"]["offset_ms"].get<long>()) < 1000);
  // Bad arguments are usage errors, checked before anything is sent.
  CHECK(run_cli({"dev", "clock", "advance", "soon"}, env).exit_code == 2);
  CHECK(run_cli({"dev", "clock", "set", "tomorrow"}, env).exit_code == 2);
  CHECK(run_cli({"dev", "clock", "sideways"}, env).exit_code == 2);

  REQUIRE(run_cli({"dev", "snapshot", "save", "base"}, env).exit_code == 0);
  REQUIRE(api("POST", s.api_url + "/contacts", s.token, {{"name", "After"}}).status == 201);
  r = run_cli({"dev", "snapshot", "list", "--json"}, env);
  REQUIRE(r.exit_code == 0);
  CHECK(Json::parse(r.out)[0]["name"] == "base");
  REQUIRE(run_cli({"dev", "snapshot", "restore", "base"}, env).exit_code == 0);
  CHECK(api("GET", s.api_url + "/contacts", s.token).json["data"].empty());
  r = run_cli({"dev", "snapshot", "restore", "nope"}, env);
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("nope") != std::string::npos);
  CHECK(run_cli({"dev", "snapshot", "delete", "base"}, env).exit_code == 0);
  CHECK(run_cli({"dev", "snapshot", "save"}, env).exit_code == 2);

  REQUIRE(
      api("POST", s.api_url + "/auth/register", "", {{"email", "m@example.test"}, {"password", "password1"}}).status ==
      202);
  r = run_cli({"dev", "mail", "--to", "m@example.test", "--json"}, env);
  REQUIRE(r.exit_code == 0);
  CHECK(Json::parse(r.out).size() == 1);
  CHECK(run_cli({"dev", "reset"}, env).exit_code == 0);
  CHECK(Json::parse(run_cli({"dev", "mail", "--json"}, env).out).empty());
}

TEST_CASE("on PostgreSQL the test clock, snapshots and reset are refused, saying why") {
  if (!on_postgres()) return;
  Server s;
  auto refused = [&](const Response& r) {
    CHECK(r.status == 409);
    CHECK(r.json["error"]["code"] == "conflict");
    CHECK(r.json["error"]["message"].get<std::string>().find("PostgreSQL") != std::string::npos);
  };
  auto now = http("GET", s.api_url + "/dev/clock");
  REQUIRE(now.status == 200);  // reading the real time is harmless
  CHECK(now.json["data"]["offset_ms"] == 0);
  refused(api("POST", s.api_url + "/dev/clock", "", {{"advance", "1h"}}));
  refused(http("DELETE", s.api_url + "/dev/clock"));
  refused(api("POST", s.api_url + "/dev/snapshots", "", {{"name", "before"}}));
  refused(http("GET", s.api_url + "/dev/snapshots"));
  refused(http("GET", s.api_url + "/dev/snapshots/before"));
  refused(api("POST", s.api_url + "/dev/snapshots/before/restore", "", Json::object()));
  refused(http("DELETE", s.api_url + "/dev/snapshots/before"));
  refused(api("POST", s.api_url + "/dev/reset", "", Json::object()));
  // The clock did not move: a key still works, and the CLI says why it cannot.
  CHECK(api("GET", s.api_url + "/workspace", s.token).status == 200);
  auto cli = run_cli({"dev", "clock", "advance", "1h"},
                     {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", s.token}});
  CHECK(cli.exit_code != 0);
  CHECK(cli.err.find("PostgreSQL") != std::string::npos);
}
