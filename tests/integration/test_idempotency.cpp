// Idempotency keys (api.md §1) on the routes that create: replay, conflict, scope, expiry of
// failed attempts, and concurrent duplicates.
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "credential_support.hpp"
#include "slab5/crypto.hpp"
#include "slab5/time.hpp"

using namespace testing;

namespace {
int count_keys(const Server& s) { return std::stoi(sql(s.db_path, "SELECT count(*) FROM credentials")); }
Json body(const std::string& name, const std::string& key) {
  return {{"name", name}, {"scopes", {"crm:read"}}, {"idempotency_key", key}};
}
}  // namespace

TEST_CASE("a repeat with the same key and body replays the answer and creates nothing") {
  Server s;
  auto first = api("POST", keys_url(s), s.token, body("ci", "create-ci-1"));
  REQUIRE(first.status == 201);
  CHECK(first.header("idempotent-replayed").empty());
  int keys = count_keys(s);
  auto again = api("POST", keys_url(s), s.token, body("ci", "create-ci-1"));
  INFO(again.body);
  CHECK(again.status == 201);
  CHECK(again.header("idempotent-replayed") == "true");
  CHECK(again.json["data"] == first.json["data"]);  // including the secret, for the same caller
  CHECK(again.json["request_id"] == again.header("x-request-id"));
  CHECK(again.json["request_id"] != first.json["request_id"]);
  CHECK(count_keys(s) == keys);
  CHECK(sql(s.db_path, "SELECT count(*) FROM audit_events WHERE action = 'api_key.created' AND target_id = '" +
                           first.json["data"]["id"].get<std::string>() + "'") == "1");
  // The key order inside the body does not matter.
  auto reordered = api("POST", keys_url(s), s.token,
                       Json{{"idempotency_key", "create-ci-1"}, {"scopes", {"crm:read"}}, {"name", "ci"}});
  CHECK(reordered.header("idempotent-replayed") == "true");
}

TEST_CASE("the Idempotency-Key header is an alias of the body field") {
  Server s;
  Json plain = {{"name", "hdr"}, {"scopes", {"crm:read"}}};
  auto first = api("POST", keys_url(s), s.token, plain, {{"Idempotency-Key", "hdr-1"}});
  REQUIRE(first.status == 201);
  auto again = api("POST", keys_url(s), s.token, plain, {{"Idempotency-Key", "hdr-1"}});
  CHECK(again.header("idempotent-replayed") == "true");
  CHECK(again.json["data"]["id"] == first.json["data"]["id"]);
  // The same key in the body is the same request.
  auto in_body = api("POST", keys_url(s), s.token, body("hdr", "hdr-1"));
  CHECK(in_body.header("idempotent-replayed") == "true");
  // Body and header disagreeing is a validation error.
  check_error(api("POST", keys_url(s), s.token, body("hdr", "a"), {{"Idempotency-Key", "b"}}), 422,
              "validation_failed");
}

TEST_CASE("a repeat with the same key and another body is idempotency_conflict") {
  Server s;
  REQUIRE(api("POST", keys_url(s), s.token, body("one", "k-1")).status == 201);
  int keys = count_keys(s);
  auto r = api("POST", keys_url(s), s.token, body("two", "k-1"));
  check_error(r, 409, "idempotency_conflict");
  CHECK(r.json["error"]["idempotency_key"] == "k-1");
  CHECK(count_keys(s) == keys);
}

TEST_CASE("keys are scoped to the credential and the route") {
  Server s;
  auto other = create_credential(keys_url(s), s.token, "other admin", {"settings:admin", "crm:read"});
  auto a = api("POST", keys_url(s), s.token, body("same", "shared"));
  auto b = api("POST", keys_url(s), other["secret"].get<std::string>(), body("same", "shared"));
  REQUIRE(a.status == 201);
  REQUIRE(b.status == 201);
  CHECK(b.header("idempotent-replayed").empty());
  CHECK(a.json["data"]["id"] != b.json["data"]["id"]);
  // The same key on another creating route is another request.
  auto m = api("POST", mcp_url(s), s.token, body("same", "shared"));
  REQUIRE(m.status == 201);
  CHECK(m.header("idempotent-replayed").empty());
  // Rotation replays too; rotating another key under the same key is a conflict.
  std::string id = a.json["data"]["id"];
  auto r1 = api("POST", keys_url(s) + "/" + id + "/rotate", s.token, {{"idempotency_key", "rot"}});
  REQUIRE(r1.status == 201);
  auto r2 = api("POST", keys_url(s) + "/" + id + "/rotate", s.token, {{"idempotency_key", "rot"}});
  CHECK(r2.status == 201);
  CHECK(r2.header("idempotent-replayed") == "true");
  CHECK(r2.json["data"]["id"] == r1.json["data"]["id"]);
  check_error(api("POST", keys_url(s) + "/" + b.json["data"]["id"].get<std::string>() + "/rotate", s.token,
                  {{"idempotency_key", "rot"}}),
              409, "idempotency_conflict");
  CHECK(sql(s.db_path, "SELECT count(*) FROM audit_events WHERE action = 'api_key.rotated'") == "1");
}

TEST_CASE("a failed request does not use up its key") {
  Server s;
  check_error(api("POST", keys_url(s), s.token, {{"name", ""}, {"scopes", {"crm:read"}}, {"idempotency_key", "fix"}}),
              422, "validation_failed");
  auto fixed = api("POST", keys_url(s), s.token, body("fixed", "fix"));
  CHECK(fixed.status == 201);
  CHECK(fixed.header("idempotent-replayed").empty());
}

TEST_CASE("invalid idempotency keys are refused") {
  Server s;
  check_error(api("POST", keys_url(s), s.token, {{"name", "x"}, {"scopes", {"crm:read"}}, {"idempotency_key", 5}}), 422,
              "validation_failed");
  check_error(api("POST", keys_url(s), s.token, body("x", std::string(256, 'k'))), 422, "validation_failed");
  check_error(api("POST", keys_url(s), s.token, body("x", "")), 422, "validation_failed");
  check_error(
      api("POST", keys_url(s), s.token, {{"name", "x"}, {"scopes", {"crm:read"}}}, {{"Idempotency-Key", "has space"}}),
      400, "invalid_request");
  CHECK(count_keys(s) == 1);
}

TEST_CASE("concurrent duplicates create exactly once and all get the same answer") {
  Server s({.args = {"--rate-limit", "off"}});
  constexpr int kClients = 12;
  std::vector<std::string> ids(kClients);
  std::vector<long> statuses(kClients);
  std::atomic<int> replays{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i)
    threads.emplace_back([&, i] {
      auto r = api("POST", keys_url(s), s.token, body("race", "race-1"));
      statuses[std::size_t(i)] = r.status;
      if (r.status == 201) ids[std::size_t(i)] = r.json["data"]["id"];
      if (r.header("idempotent-replayed") == "true") ++replays;
    });
  for (auto& t : threads) t.join();
  for (auto st : statuses) CHECK(st == 201);
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 1);
  CHECK(replays == kClients - 1);
  CHECK(count_keys(s) == 2);
  CHECK(sql(s.db_path, "SELECT count(*) FROM audit_events WHERE action = 'api_key.created'") == "2");
}

TEST_CASE("concurrent duplicates through two slab5d processes on one file create exactly once") {
  Server a({.args = {"--rate-limit", "off"}});
  Server b({.args = {"--rate-limit", "off"}, .db = a.db_path});
  std::vector<std::string> ids(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      const Server& srv = i % 2 ? b : a;
      auto r = api("POST", keys_url(srv), a.token, body("two-procs", "proc-race"));
      if (r.status == 201) ids[std::size_t(i)] = r.json["data"]["id"];
    });
  for (auto& t : threads) t.join();
  std::set<std::string> distinct(ids.begin(), ids.end());
  CHECK(distinct.size() == 1);
  CHECK(!distinct.begin()->empty());
  CHECK(count_keys(a) == 2);
}

TEST_CASE("the stored answer holds no secret in clear") {
  Server s;
  auto r = api("POST", keys_url(s), s.token, body("sealed", "seal-1"));
  REQUIRE(r.status == 201);
  std::string secret = r.json["data"]["secret"];
  auto stored = sql(s.db_path, "SELECT response FROM idempotency_keys WHERE key = 'seal-1'");
  CHECK(stored.find(secret) == std::string::npos);
  CHECK(stored.find(r.json["data"]["id"].get<std::string>()) != std::string::npos);
  check_no_secret_stored(s, {secret});
}

TEST_CASE("POST /v1/workspaces under a session replays instead of creating a second workspace") {
  Server s;
  std::string t = login(s, s.owner_email, s.owner_password)["accessToken"];
  Json body = {{"name", "Idempotent Inc"}, {"idempotency_key", "ws-1"}};
  auto a = api("POST", s.api_url + "/workspaces", t, body);
  INFO(a.body);
  REQUIRE(a.status == 201);
  auto b = api("POST", s.api_url + "/workspaces", t, body);
  CHECK(b.status == 201);
  CHECK(b.header("idempotent-replayed") == "true");
  CHECK(b.json["data"]["id"] == a.json["data"]["id"]);
  auto c = api("POST", s.api_url + "/workspaces", t, {{"name", "Other Inc"}, {"idempotency_key", "ws-1"}});
  check_error(c, 409, "idempotency_conflict");
  CHECK(sql(s.db_path, "SELECT count(*) FROM workspaces") == "2");
}

TEST_CASE("a replay after a session refresh says the secret is withheld; a new sign-in is a new scope") {
  Server s;
  auto session = login(s, s.owner_email, s.owner_password, s.workspace_id);
  std::string first_access = session["accessToken"];
  std::vector<std::pair<std::string, std::string>> ws = {{"x-workspace-id", s.workspace_id}};
  auto first = api("POST", keys_url(s), first_access, body("by session", "sess-1"), ws);
  INFO(first.body);
  REQUIRE(first.status == 201);
  REQUIRE(first.json["data"].contains("secret"));
  CHECK(first.header("idempotent-secret").empty());
  // The same access token gets the whole answer back.
  auto same = api("POST", keys_url(s), first_access, body("by session", "sess-1"), ws);
  CHECK(same.header("idempotent-replayed") == "true");
  CHECK(same.header("idempotent-secret").empty());
  CHECK(same.json["data"] == first.json["data"]);

  // A refresh keeps the session (the idempotency scope) but changes the access token, under
  // which the secret was sealed: the replay creates nothing and says why `secret` is missing.
  auto refreshed = api("POST", s.api_url + "/auth/refresh", "", {{"refreshToken", session["refreshToken"]}});
  REQUIRE(refreshed.status == 200);
  std::string second_access = refreshed.json["data"]["accessToken"];
  REQUIRE(second_access != first_access);
  int keys = count_keys(s);
  auto replay = api("POST", keys_url(s), second_access, body("by session", "sess-1"), ws);
  INFO(replay.body);
  CHECK(replay.status == 201);
  CHECK(replay.header("idempotent-replayed") == "true");
  CHECK(replay.header("idempotent-secret") == "withheld");
  CHECK_FALSE(replay.json["data"].contains("secret"));
  CHECK(replay.json["data"]["id"] == first.json["data"]["id"]);
  CHECK(count_keys(s) == keys);

  // A new sign-in is another session, so another scope: the same key creates anew.
  std::string other = login(s, s.owner_email, s.owner_password, s.workspace_id)["accessToken"];
  auto fresh = api("POST", keys_url(s), other, body("by session", "sess-1"), ws);
  CHECK(fresh.status == 201);
  CHECK(fresh.header("idempotent-replayed").empty());
  CHECK(fresh.json["data"]["id"] != first.json["data"]["id"]);
  CHECK(count_keys(s) == keys + 1);
}

TEST_CASE("a duplicate waiting for its first request does not hold the I/O thread") {
  // One I/O thread: with a duplicate asleep on it, nothing else would be answered.
  Server s({.args = {"--rate-limit", "off", "--threads", "1"}});
  auto me = api("GET", s.api_url + "/me", s.token);
  REQUIRE(me.status == 200);
  std::string credential = me.json["data"]["credential"]["id"];
  Json request = body("held", "held-1");
  Json without_key = request;
  without_key.erase("idempotency_key");
  std::string fingerprint = slab5::sha256_hex(s.workspace_id + "\n/v1/workspace/api-keys\n" + without_key.dump());
  // The first request with this key is running in another slab5d on the same file: its claim.
  auto write = [&](const std::string& statement) {
    auto r = sql_write(s.db_path, statement);
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    return r.exit_code == 0;
  };
  REQUIRE(write("INSERT INTO idempotency_keys (credential_id, route, key, body_hash, status, created_at_ms) VALUES ('" +
                credential + "', 'POST /v1/workspace/api-keys', 'held-1', '" + fingerprint + "', 0, " +
                std::to_string(slab5::now_millis()) + ")"));

  Response duplicate;
  std::thread waiting([&] { duplicate = api("POST", keys_url(s), s.token, request); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto started = std::chrono::steady_clock::now();
  auto other = api("GET", s.api_url + "/workspace", s.token);
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(other.status == 200);
  CHECK(took < std::chrono::milliseconds(500));
  // The first request finishes: the duplicate replays its answer.
  write(
      "UPDATE idempotency_keys SET status = 201, response = '{\"data\":{\"id\":\"key_first\",\"name\":\"held\"}}' "
      "WHERE key = 'held-1'");
  waiting.join();
  CHECK(duplicate.status == 201);
  CHECK(duplicate.header("idempotent-replayed") == "true");
  CHECK(duplicate.json["data"]["id"] == "key_first");
  CHECK(count_keys(s) == 1);
}
