// Durability: a slab5d killed with SIGKILL in the middle of a burst of writes loses no
// acknowledged write and leaves a database that passes PRAGMA integrity_check.
#include <atomic>
#include <csignal>
#include <mutex>
#include <thread>

#include "credential_support.hpp"

using namespace testing;

TEST_CASE("kill -9 during a burst of writes keeps every acknowledged write and an intact database") {
  TempDir dir;
  std::string db = dir.file("burst.db");
  std::string token;
  std::vector<std::string> acknowledged, revoked, secrets;
  {
    Server s({.args = {"--rate-limit", "off"}, .db = db});
    token = s.token;
    std::mutex mu;
    std::atomic<bool> stop{false};
    std::atomic<int> writes{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < 4; ++t)
      writers.emplace_back([&, t] {
        for (int i = 0; !stop; ++i) try {
            auto r = api("POST", keys_url(s), token,
                         {{"name", "burst " + std::to_string(t) + "/" + std::to_string(i)},
                          {"scopes", {"crm:read"}},
                          {"idempotency_key", "burst-" + std::to_string(t) + "-" + std::to_string(i)}});
            if (r.status != 201) continue;
            std::string id = r.json["data"]["id"];
            {
              std::lock_guard lock(mu);
              acknowledged.push_back(id);
              secrets.push_back(r.json["data"]["secret"]);
            }
            ++writes;
            // Every other key is revoked right away: an acknowledged update must survive too.
            if (i % 2 == 0 && api("POST", keys_url(s) + "/" + id + "/revoke", token).status == 200) {
              std::lock_guard lock(mu);
              revoked.push_back(id);
            }
          } catch (const std::exception&) {
            break;  // the server is gone
          }
      });
    // Kill in the middle of the burst, not before it starts.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (writes < 100 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    CHECK(s.stop(SIGKILL) == 128 + SIGKILL);
    stop = true;
    for (auto& w : writers) w.join();
  }
  REQUIRE(acknowledged.size() >= 100);

  CHECK(sql(db, "PRAGMA integrity_check") == "ok");
  Server again({.db = db});
  CHECK(again.token.empty());  // the same database, not a new one
  for (const auto& id : acknowledged) {
    auto r = api("GET", keys_url(again) + "/" + id, token);
    INFO(id);
    CHECK(r.status == 200);
  }
  for (const auto& id : revoked)
    CHECK(api("GET", keys_url(again) + "/" + id, token).json["data"]["status"] == "revoked");
  // Each acknowledged creation has its audit event: change and event committed together.
  int audited = std::stoi(sql(db, "SELECT count(*) FROM audit_events WHERE action = 'api_key.created'"));
  int stored = std::stoi(sql(db, "SELECT count(*) FROM credentials"));
  CHECK(audited == stored);
  CHECK(stored >= int(acknowledged.size()) + 1);
  // The new process keeps writing.
  CHECK(api("POST", keys_url(again), token, {{"name", "after"}, {"scopes", {"crm:read"}}}).status == 201);
  CHECK(again.stop() == 0);
  CHECK(sql(db, "PRAGMA integrity_check") == "ok");
  std::string bytes = file_bytes(db) + file_bytes(db + "-wal");
  for (std::size_t i = 0; i < secrets.size(); i += 7) CHECK(bytes.find(secrets[i]) == std::string::npos);
}
