// server/idempotency: replays, conflicts, and a duplicate that waits for the first request
// with its key — parked on the I/O thread's timer, so that thread answers others meanwhile.
// Driven in process (tests/support/in_process).
#include <doctest/doctest.h>

#include <chrono>
#include <set>

#include "idempotency.hpp"
#include "in_process.hpp"

using namespace testing;
using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace {
Call create_contact(const InProcess& c, const Json& body, const std::string& key) {
  Json b = body;
  b["idempotency_key"] = key;
  return Call{"POST", "/v1/contacts", c.token(), b, {}};
}

std::size_t contacts(InProcess& c) { return c.request("GET", "/v1/contacts?limit=100", c.token()).json["data"].size(); }

// The slot a request with this key and body holds, as the first one would claim it.
slab5d::IdempotencySlot slot_for(InProcess& c, const std::string& key, const Json& body) {
  auto me = c.request("GET", "/v1/me", c.token());
  REQUIRE(me.status == 200);
  return {me.json["data"]["credential"]["id"], "POST /v1/contacts", key,
          slab5d::request_fingerprint(c.workspace_id(), "/v1/contacts", body)};
}
}  // namespace

TEST_CASE("a repeat with the same key and body replays the answer and creates nothing") {
  InProcess c;
  auto first = c.request(create_contact(c, {{"name", "Ada"}}, "k-1"));
  REQUIRE(first.status == 201);
  CHECK(first.header("idempotent-replayed").empty());
  auto again = c.request(create_contact(c, {{"name", "Ada"}}, "k-1"));
  CHECK(again.status == 201);
  CHECK(again.header("idempotent-replayed") == "true");
  CHECK(again.json["data"]["id"] == first.json["data"]["id"]);
  CHECK(contacts(c) == 1);
}

TEST_CASE("a repeat with the same key and another body is idempotency_conflict") {
  InProcess c;
  REQUIRE(c.request(create_contact(c, {{"name", "Ada"}}, "k-2")).status == 201);
  auto other = c.request(create_contact(c, {{"name", "Grace"}}, "k-2"));
  CHECK(other.status == 409);
  CHECK(other.code() == "idempotency_conflict");
  CHECK(other.json["error"]["idempotency_key"] == "k-2");
  CHECK(contacts(c) == 1);
}

TEST_CASE("a duplicate waits parked for the first request while the same I/O thread answers others") {
  InProcess c;
  Json body = {{"name", "Ada"}};
  auto slot = slot_for(c, "k-3", body);
  // The first request with this key has claimed it and is still running.
  REQUIRE(slab5d::claim_key(c.app().db(), slot) == slab5d::ClaimState::Claimed);

  auto duplicate = c.send(create_contact(c, body, "k-3"));
  CHECK(duplicate.wait_for(150ms) == std::future_status::timeout);
  // The client has one I/O thread, the one the duplicate arrived on: it answers at once.
  auto started = std::chrono::steady_clock::now();
  auto other = c.request("GET", "/v1/workspace", c.token());
  CHECK(other.status == 200);
  CHECK(std::chrono::steady_clock::now() - started < 500ms);
  CHECK(duplicate.wait_for(0ms) == std::future_status::timeout);

  // The first request finishes: the duplicate replays its answer and creates nothing.
  slab5d::store_answer(c.app().db(), slot, 201, {{"id", "con_first"}, {"name", "Ada"}});
  REQUIRE(duplicate.wait_for(2s) == std::future_status::ready);
  auto replayed = duplicate.get();
  CHECK(replayed.status == 201);
  CHECK(replayed.header("idempotent-replayed") == "true");
  CHECK(replayed.json["data"]["id"] == "con_first");
  CHECK(contacts(c) == 0);
}

TEST_CASE("a duplicate whose first request never finishes gets 409 after the wait; another body at once") {
  InProcess c;
  Json body = {{"name", "Ada"}};
  auto slot = slot_for(c, "k-4", body);
  REQUIRE(slab5d::claim_key(c.app().db(), slot) == slab5d::ClaimState::Claimed);
  // Another body under the key is a conflict without waiting.
  auto started = std::chrono::steady_clock::now();
  auto other = c.request(create_contact(c, {{"name", "Grace"}}, "k-4"));
  CHECK(other.code() == "idempotency_conflict");
  CHECK(std::chrono::steady_clock::now() - started < 500ms);
  // The same body waits for the first, then gives up.
  started = std::chrono::steady_clock::now();
  auto late = c.request(create_contact(c, body, "k-4"));
  auto waited = std::chrono::steady_clock::now() - started;
  CHECK(late.status == 409);
  CHECK(late.code() == "conflict");
  CHECK(late.json["error"]["idempotency_key"] == "k-4");
  CHECK(waited >= slab5d::kIdempotencyWait);
  CHECK(waited < slab5d::kIdempotencyWait + 1s);
  CHECK(contacts(c) == 0);
}

TEST_CASE("concurrent duplicates through the App create once and all get the same answer") {
  InProcess c;
  std::vector<std::future<Answer>> answers;
  for (int i = 0; i < 8; ++i) answers.push_back(c.send(create_contact(c, {{"name", "Ada"}}, "k-5")));
  std::set<std::string> ids;
  for (auto& a : answers) {
    auto r = a.get();
    REQUIRE(r.status == 201);
    ids.insert(r.json["data"]["id"].get<std::string>());
  }
  CHECK(ids.size() == 1);
  CHECK(contacts(c) == 1);
}
