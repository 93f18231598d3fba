// Several slab5d on one database (docs/scaling.md): PostgreSQL's use, and every case but the
// shared rate limit holds for processes sharing a SQLite file too. What one instance changes,
// every other sees on its next request; a retry that lands on another instance replays; rate limits are
// per workspace whichever instance is asked; every event is delivered once while three
// instances run delivery workers; each request is counted once in usage.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "harness.hpp"
#include "webhook_receiver.hpp"

using namespace testing;
using namespace std::chrono_literals;

namespace {

// Instances after the first share its database, key-encryption key and asset directory.
std::vector<std::unique_ptr<Server>> instances(int n, std::vector<std::string> args = {}) {
  std::vector<std::unique_ptr<Server>> all;
  all.push_back(std::make_unique<Server>(ServerOptions{.args = args}));
  const Server& first = *all.front();
  auto shared = args;
  shared.insert(shared.end(), {"--kek-file", first.kek_file, "--assets-dir", first.assets_dir});
  for (int i = 1; i < n; ++i)
    all.push_back(std::make_unique<Server>(ServerOptions{.args = shared, .db = first.db_path}));
  return all;
}

Json make_key(const Server& s, const std::vector<std::string>& scopes) {
  auto r = api("POST", s.api_url + "/workspace/api-keys", s.token, {{"name", "shared"}, {"scopes", scopes}});
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return r.json["data"];
}

}  // namespace

TEST_CASE("a key revoked through one instance is refused by another on the next request") {
  auto all = instances(2, {"--rate-limit", "off"});
  Server &a = *all[0], &b = *all[1];
  auto key = make_key(a, {"crm:read", "crm:write"});
  std::string secret = key["secret"];
  // Both instances have the key in their caches.
  for (int i = 0; i < 20; ++i) {
    REQUIRE(api("GET", a.api_url + "/workspace", secret).status == 200);
    REQUIRE(api("GET", b.api_url + "/workspace", secret).status == 200);
  }
  auto revoked = api("POST", a.api_url + "/workspace/api-keys/" + key["id"].get<std::string>() + "/revoke", a.token,
                     Json::object());
  REQUIRE_MESSAGE(revoked.status == 200, revoked.body);
  // The very next request to the other instance, on every one of its threads.
  for (int i = 0; i < 8; ++i) {
    auto r = api("GET", b.api_url + "/workspace", secret);
    CHECK(r.status == 401);
    CHECK(r.json["error"]["code"] == "unauthorized");
  }
}

TEST_CASE("a role changed and a session ended through one instance hold on another at once") {
  auto all = instances(2, {"--rate-limit", "off"});
  Server &a = *all[0], &b = *all[1];
  auto admin = add_member(a, "admin");
  std::vector<std::pair<std::string, std::string>> ws = {{"x-workspace-id", a.workspace_id}};
  // As admin, through b: may list the workspace's API keys; as readonly, may not.
  for (int i = 0; i < 8; ++i)
    REQUIRE(api("GET", b.api_url + "/workspace/api-keys", admin.access_token, nullptr, ws).status == 200);
  auto owner = login(a, a.owner_email, a.owner_password, a.workspace_id)["accessToken"].get<std::string>();
  auto changed = api("PATCH", a.api_url + "/workspace/members/" + admin.user_id, owner, {{"role", "readonly"}}, ws);
  REQUIRE_MESSAGE(changed.status == 200, changed.body);
  for (int i = 0; i < 8; ++i) {
    auto r = api("GET", b.api_url + "/workspace/api-keys", admin.access_token, nullptr, ws);
    CHECK(r.status == 403);
  }
  // Logout through a: the session is over on b.
  REQUIRE(api("GET", b.api_url + "/me", admin.access_token).status == 200);
  REQUIRE(api("DELETE", a.api_url + "/auth/session", admin.access_token).status == 204);
  for (int i = 0; i < 8; ++i) CHECK(api("GET", b.api_url + "/me", admin.access_token).status == 401);
}

TEST_CASE("the same idempotency key sent to two instances at once creates one object") {
  auto all = instances(2, {"--rate-limit", "off"});
  for (int round = 0; round < 10; ++round) {
    CAPTURE(round);
    std::string key = "multi-" + std::to_string(round) + "-" + std::to_string(::getpid());
    Json body = {{"name", "Same " + std::to_string(round)}};
    std::vector<Response> got(2);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i)
      threads.emplace_back([&, i] {
        got[i] = api("POST", all[i]->api_url + "/contacts", all[0]->token, body, {{"Idempotency-Key", key}});
      });
    for (auto& t : threads) t.join();
    REQUIRE(got[0].status == 201);
    REQUIRE(got[1].status == 201);
    CHECK(got[0].json["data"]["id"] == got[1].json["data"]["id"]);
    int replayed = (got[0].header("idempotent-replayed") == "true") + (got[1].header("idempotent-replayed") == "true");
    CHECK(replayed == 1);
  }
  auto list = api("GET", all[1]->api_url + "/contacts?limit=100", all[0]->token);
  CHECK(list.json["data"].size() == 10);
}

TEST_CASE("the rate limit is per workspace across instances") {
  // SQLite's slab5d keeps its buckets in memory (one instance is SQLite's use): only on
  // PostgreSQL do instances share them (docs/scaling.md).
  if (!on_postgres()) return;
  auto all = instances(2, {"--rate-limit", "5/s"});  // burst 10
  auto start = std::chrono::steady_clock::now();
  int allowed = 0, limited = 0;
  for (int i = 0; i < 40; ++i) {
    auto r = api("GET", all[i % 2]->api_url + "/workspace", all[0]->token);
    if (r.status == 200) ++allowed;
    if (r.status == 429) {
      ++limited;
      CHECK(r.json["error"]["code"] == "rate_limited");
      CHECK(!r.header("retry-after").empty());
    }
  }
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CAPTURE(elapsed);
  CHECK(allowed + limited == 40);
  // One bucket of 10 refilled at 5/s: two buckets of their own would have let 20 through.
  CHECK(allowed >= 10);
  CHECK(allowed <= 10 + int(elapsed * 5) + 1);
}

TEST_CASE("1,000 events are delivered once each while three instances run delivery workers") {
  // On PostgreSQL each instance's workers claim deliveries (FOR UPDATE SKIP LOCKED and a
  // lease); on SQLite one process at a time delivers (a lock file beside the database).
  auto all = instances(3, {"--rate-limit", "off"});
  Receiver rx;
  auto hook = api("POST", all[0]->api_url + "/webhooks", all[0]->token,
                  {{"name", "all"}, {"url", rx.url()}, {"event_types", {"contact.created"}}});
  REQUIRE_MESSAGE(hook.status == 201, hook.body);
  constexpr int kEvents = 1000;
  std::atomic<int> next{0}, failed{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 6; ++w)
    writers.emplace_back([&, w] {
      const Server& s = *all[std::size_t(w % 3)];
      for (int i; (i = next++) < kEvents;)
        if (api("POST", s.api_url + "/contacts", all[0]->token, {{"name", "c" + std::to_string(i)}}).status != 201)
          ++failed;
    });
  for (auto& t : writers) t.join();
  REQUIRE(failed == 0);
  CHECK(rx.wait_for(kEvents, 60s) >= std::size_t(kEvents));
  std::this_thread::sleep_for(1s);  // a second delivery of any, if there were one, arrives now
  auto got = rx.received();
  std::set<std::string> ids;
  for (const auto& r : got) ids.insert(r.header("webhook-id"));
  CHECK(ids.size() == std::size_t(kEvents));
  CHECK(got.size() == std::size_t(kEvents));
}

TEST_CASE("usage counts each request once, whichever instance served it") {
  auto all = instances(2, {"--rate-limit", "off"});
  auto key = make_key(*all[0], {"crm:read", "usage:read"});
  std::string secret = key["secret"];
  for (int i = 0; i < 30; ++i)
    REQUIRE(api("GET", all[std::size_t(i % 2)]->api_url + "/contacts", secret).status == 200);
  std::this_thread::sleep_for(1500ms);  // each instance writes its buffered usage within a second
  auto events = api("GET",
                    all[1]->api_url + "/workspace/usage-events?limit=100&kind=api_request&credential_id=" +
                        key["id"].get<std::string>(),
                    all[0]->token);
  REQUIRE_MESSAGE(events.status == 200, events.body);
  int mine = 0;
  std::set<std::string> request_ids;
  for (const auto& e : events.json["data"])
    if (e["route"] == "GET /v1/contacts") {
      ++mine;
      request_ids.insert(e["request_id"].get<std::string>());
    }
  CHECK(mine == 30);
  CHECK(request_ids.size() == 30);
}

TEST_CASE("writes to the same records through two instances at once all succeed, each once") {
  // Two instances' batches updating the same records in different orders can deadlock on
  // PostgreSQL; the call PostgreSQL cancels runs again in a later batch (App::run_batched).
  auto all = instances(2, {"--rate-limit", "off"});
  const std::string& key = all[0]->token;
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto r = api("POST", all[0]->api_url + "/contacts", key, {{"name", "Shared " + std::to_string(i)}});
    REQUIRE(r.status == 201);
    ids.push_back(r.json["data"]["id"]);
  }
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 16; ++w)
    writers.emplace_back([&, w] {
      for (int i = 0; i < 40; ++i) {
        // Each writer walks the records in its own order.
        const auto& id = ids[std::size_t((w % 2 == 0 ? i : 2 * 40 - i) % 3)];
        auto r = api("PATCH", all[std::size_t(w % 2)]->api_url + "/contacts/" + id, key,
                     {{"title", "w" + std::to_string(w) + "-" + std::to_string(i)}});
        (r.status == 200 ? ok : failed)++;
        if (r.status != 200) MESSAGE(r.status << " " << r.body);
      }
    });
  for (auto& t : writers) t.join();
  CHECK(failed == 0);
  CHECK(ok == 16 * 40);
  // Every update was applied once: the versions add up.
  long versions = 0;
  for (const auto& id : ids)
    versions += api("GET", all[1]->api_url + "/contacts/" + id, key).json["data"]["version"].get<long>();
  CHECK(versions == 3 + 16 * 40);
}
