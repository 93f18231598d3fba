// Seed fixtures (api.md §9.1, server.md §1): slab5d serve --seed, slab5d seed, slab5d export
// and slab5d exec --seed, with the shipped example (examples/fixtures/acme.json).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness.hpp"
#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"
#include "slab5/time.hpp"
#include "slab5/token.hpp"
#include "slab5/webhook_signature.hpp"
#include "webhook_receiver.hpp"

using namespace testing;

namespace {
const std::string kExample = std::string(SLAB5_SOURCE_DIR) + "/examples/fixtures/acme.json";
// What the example hard-codes.
const std::string kCiKey = "slab5_sk_ExampleFixtureKeyForCiOnly0000011eJ6Qg";
const std::string kReadonlyKey = "slab5_sk_ExampleFixtureKeyReadonly0000002133Eqk";
const std::string kWorkspace = "wrk_01fxt000000000000000000001";
const std::string kContact = "con_01fxt000000000000000000002";

Json read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return Json::parse(ss.str());
}

std::string write_json(const TempDir& dir, const std::string& name, const Json& j) {
  std::string path = dir.file(name);
  std::ofstream(path) << j.dump(2);
  return path;
}

CliResult slab5d(const std::vector<std::string>& args) {
  return run_program(slab5d_bin(), args, {{"PATH", "/usr/bin:/bin"}, {"SLAB5D_PASSWORD_COST", "test"}});
}

// A test suite's hard-coded webhook secret: whsec_ + base64 of 32 bytes.
const std::string kHookSecret = "whsec_" + slab5::base64_encode("fixture-webhook-secret-32-bytes!");
const std::string kHook = "whk_01fxt000000000000000000001";
const std::string kPausedHook = "whk_01fxt000000000000000000002";

// The example with the integrations module on, and webhook endpoints to `receiver`.
Json fixture_with_webhooks(const Receiver& receiver) {
  Json fx = read_json(kExample);
  fx["workspaces"][0]["enabled_modules"].push_back("integrations");
  fx["webhooks"] = Json::array({{{"id", kHook},
                                 {"workspace_id", kWorkspace},
                                 {"name", "suite receiver"},
                                 {"url", receiver.url("/hook")},
                                 {"event_types", {"contact.created"}},
                                 {"max_attempts", 3},
                                 {"metadata", {{"team", "qa"}}},
                                 {"signing_secret", kHookSecret}},
                                {{"id", kPausedHook},
                                 {"workspace_id", kWorkspace},
                                 {"url", receiver.url("/paused")},
                                 {"event_types", {"*"}},
                                 {"status", "paused"}}});
  return fx;
}
}  // namespace

TEST_CASE("serve --seed: a hard-coded token works on the first request, and the fixture's users sign in") {
  Server s({.args = {"--seed", kExample}});
  auto r = api("GET", s.api_url + "/contacts/" + kContact, kCiKey);
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.json["data"]["name"] == "Bill Lumbergh");
  CHECK(r.json["data"]["workspace_id"] == kWorkspace);
  CHECK(r.json["data"]["custom_fields"]["tier"] == "gold");
  // The read-only key reads and may not write.
  CHECK(api("GET", s.api_url + "/companies", kReadonlyKey).json["data"].size() == 2);
  CHECK(api("POST", s.api_url + "/contacts", kReadonlyKey, {{"name", "X"}}).status == 403);
  // The fixture's deal stages replaced the workspace's initial ones.
  CHECK(api("GET", s.api_url + "/deal-stages", kCiKey).json["data"].size() == 4);
  auto session = login(s, "sam@acme.example", "member-password-2", kWorkspace);
  CHECK(session["workspace"]["role"] == "member");
  // The first-start owner and key are there as on any first start, and the seeded state is
  // the snapshot "seed".
  CHECK(api("GET", s.api_url + "/workspace", s.token).status == 200);
  // (PostgreSQL keeps no snapshots: docs/postgres.md.)
  CHECK(http("GET", s.api_url + "/dev/snapshots/seed").status == (on_postgres() ? 409 : 200));
}

TEST_CASE("a broken fixture changes nothing and names every bad entry and field") {
  TempDir dir;
  std::string db = dir.file("app.db");
  REQUIRE(slab5d({"seed", "--db", db, kExample}).exit_code == 0);
  auto before = slab5d({"export", "--db", db});
  REQUIRE(before.exit_code == 0);

  Json bad = read_json(kExample);
  // New ids so that only the planted faults are wrong.
  bad.erase("users");
  bad.erase("workspaces");
  bad.erase("memberships");
  bad.erase("api_keys");
  bad.erase("mcp_clients");
  bad.erase("deal_stages");
  bad.erase("deals");
  bad.erase("tasks");
  bad["companies"] = Json::array({{{"workspace_id", kWorkspace}, {"name", "Fine Co"}}});
  bad["contacts"] = Json::array({{{"workspace_id", kWorkspace}, {"name", "Fine"}},
                                 {{"workspace_id", kWorkspace}, {"name", "Bad Mail"}, {"email", "not-an-email"}},
                                 {{"workspace_id", kWorkspace}, {"email", "x@example.test"}}});
  bad["api_keys"] = Json::array({{{"workspace_id", kWorkspace},
                                  {"name", "typo"},
                                  {"scopes", {"crm:read"}},
                                  {"secret", kCiKey.substr(0, kCiKey.size() - 1) + "X"}}});
  auto r = slab5d({"seed", "--db", db, write_json(dir, "bad.json", bad)});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("not loaded") != std::string::npos);
  CHECK(r.err.find("contacts[1].email") != std::string::npos);
  CHECK(r.err.find("contacts[2].name") != std::string::npos);
  CHECK(r.err.find("api_keys[0].secret") != std::string::npos);
  CHECK(r.err.find("checksum") != std::string::npos);
  CHECK(r.err.find("contacts[0]") == std::string::npos);
  // No secret is echoed.
  CHECK(r.err.find(kCiKey.substr(9, 20)) == std::string::npos);
  auto after = slab5d({"export", "--db", db});
  CHECK(after.out == before.out);
}

TEST_CASE("a fixture that conflicts with the database is refused whole") {
  TempDir dir;
  std::string db = dir.file("app.db");
  REQUIRE(slab5d({"seed", "--db", db, kExample}).exit_code == 0);
  auto before = slab5d({"export", "--db", db});
  Json again = read_json(kExample);
  again.erase("users");
  again.erase("workspaces");
  again.erase("memberships");
  again.erase("api_keys");
  again.erase("mcp_clients");
  again.erase("deal_stages");
  again.erase("deals");
  again.erase("tasks");
  again["companies"] = Json::array({{{"workspace_id", kWorkspace}, {"name", "New Co"}}});
  // The contacts keep their ids, which the database already has.
  auto r = slab5d({"seed", "--db", db, write_json(dir, "again.json", again)});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("contacts[0]") != std::string::npos);
  CHECK(slab5d({"export", "--db", db}).out == before.out);
}

TEST_CASE("the fixture's shape and limits are checked before anything is read into the database") {
  TempDir dir;
  std::string db = dir.file("app.db");
  auto unknown = slab5d({"seed", "--db", db, write_json(dir, "u.json", {{"contactz", Json::array()}})});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("contactz: is not a collection") != std::string::npos);
  auto not_list = slab5d({"seed", "--db", db, write_json(dir, "n.json", {{"contacts", {{"name", "x"}}}})});
  CHECK(not_list.exit_code == 1);
  CHECK(not_list.err.find("contacts: must be a list") != std::string::npos);
  std::string deep(40, '[');
  deep += std::string(40, ']');
  std::ofstream(dir.file("deep.json")) << "{\"contacts\": " << deep << "}";
  auto too_deep = slab5d({"seed", "--db", db, dir.file("deep.json")});
  CHECK(too_deep.exit_code == 1);
  CHECK(too_deep.err.find("deeper than 32") != std::string::npos);
  std::ofstream(dir.file("broken.json")) << "{\"contacts\": [";
  auto broken = slab5d({"seed", "--db", db, dir.file("broken.json")});
  CHECK(broken.exit_code == 1);
  CHECK(broken.err.find("not valid JSON") != std::string::npos);
  CHECK(slab5d({"seed", "--db", db, dir.file("missing.json")}).exit_code == 2);
}

TEST_CASE("export writes a fixture that seeds an equal database") {
  TempDir dir;
  std::string a = dir.file("a.db"), b = dir.file("b.db");
  REQUIRE(slab5d({"seed", "--db", a, kExample}).exit_code == 0);
  auto exported = slab5d({"export", "--db", a});
  REQUIRE(exported.exit_code == 0);
  Json fx = Json::parse(exported.out);
  CHECK(fx["api_keys"].size() == 3);  // the first-start key and the example's two
  for (const auto& u : fx["users"]) CHECK_FALSE(u.contains("password"));
  for (const auto& k : fx["api_keys"]) {
    CHECK_FALSE(k.contains("secret"));
    CHECK(k["secret_hash"].get<std::string>().size() == 64);
  }
  // Into another database, whose own first start made the same dev@slab5.local owner: the
  // exported first-start owner, workspace and their entries are left out.
  std::string dev_id, dev_ws;
  for (const auto& u : fx["users"])
    if (u["email"] == "dev@slab5.local") dev_id = u["id"];
  for (const auto& m : fx["memberships"])
    if (m["user_id"] == dev_id) dev_ws = m["workspace_id"];
  Json without_dev = Json::object();
  for (const auto& [coll, entries] : fx.items()) {
    Json kept = Json::array();
    for (const auto& e : entries)
      if (e.value("id", "") != dev_id && e.value("id", "") != dev_ws && e.value("user_id", "") != dev_id &&
          e.value("workspace_id", "") != dev_ws)
        kept.push_back(e);
    without_dev[coll] = kept;
  }
  auto r = slab5d({"seed", "--db", b, write_json(dir, "no-dev.json", without_dev)});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  Server again({.db = b});
  auto c = api("GET", again.api_url + "/contacts/" + kContact, kCiKey);
  CHECK(c.status == 200);
  CHECK(c.json["data"]["name"] == "Bill Lumbergh");
  CHECK(login(again, "owner@acme.example", "owner-password-1")["user"]["email"] == "owner@acme.example");
}

TEST_CASE("exec --seed runs the command against the seeded server and exits with its code") {
  auto r = run_program(slab5d_bin(),
                       {"exec", "--password-cost", "test", "--seed", kExample, "--", "/bin/sh", "-c",
                        "test -n \"$SLAB5_API_BASE_URL\" && test -n \"$SLAB5_WORKSPACE_TOKEN\" && exit 7"},
                       {{"PATH", "/usr/bin:/bin"}});
  INFO(r.err);
  CHECK(r.exit_code == 7);
  auto bad = run_program(slab5d_bin(), {"exec", "--seed", "/nonexistent.json", "--", "/bin/true"},
                         {{"PATH", "/usr/bin:/bin"}});
  CHECK(bad.exit_code == 2);
}

TEST_CASE("exec --seed: the seeded key works from the command through the real slab5") {
  auto r = run_program(
      slab5d_bin(),
      {"exec", "--password-cost", "test", "--seed", kExample, "--", slab5_bin(), "api", "/contacts/" + kContact},
      {{"PATH", "/usr/bin:/bin"}, {"HOME", "/nonexistent"}});
  INFO(r.err);
  // exec hands the command the first-start key, which lives in another workspace: the
  // seeded contact is not found there. With the seeded key it is.
  CHECK(r.exit_code == 3);
  auto ok = run_program(
      slab5d_bin(),
      {"exec", "--password-cost", "test", "--seed", kExample, "--", "/usr/bin/env", "SLAB5_WORKSPACE_TOKEN=" + kCiKey,
       "SLAB5_WORKSPACE_ID=" + kWorkspace, slab5_bin(), "api", "/contacts/" + kContact},
      {{"PATH", "/usr/bin:/bin"}, {"HOME", "/nonexistent"}});
  INFO(ok.err);
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("Bill Lumbergh") != std::string::npos);
}

TEST_CASE("a seeded webhook endpoint receives deliveries signed with the fixture's secret") {
  Receiver receiver;
  TempDir dir;
  Server s({.args = {"--seed", write_json(dir, "hooks.json", fixture_with_webhooks(receiver))}});
  // The fixture's own records queued nothing: only the suite's writes are delivered.
  auto made = api("POST", s.api_url + "/contacts", kCiKey, {{"name", "Delivered Dana"}});
  REQUIRE(made.status == 201);
  REQUIRE(receiver.wait_for(1) >= 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a paused endpoint would have had time too
  auto got = receiver.received();
  REQUIRE(got.size() == 1);
  const auto& d = got[0];
  CHECK(d.request_line.rfind("POST /hook ", 0) == 0);
  CHECK(Json::parse(d.body)["data"]["id"] == made.json["data"]["id"]);
  auto key = slab5::webhook_secret_key(kHookSecret);
  REQUIRE(key);
  auto now = slab5::now_millis() / 1000;
  auto standard = slab5::verify_standard_signature(d.header("webhook-id"), d.header("webhook-timestamp"),
                                                   d.header("webhook-signature"), d.body, *key, now);
  CHECK_MESSAGE(standard.valid, standard.reason);
  auto own = slab5::verify_slab5_signature(d.header("x-slab5-signature"), d.body, *key, now);
  CHECK_MESSAGE(own.valid, own.reason);
  // The real slab5 agrees, with the secret the suite hard-codes.
  auto verify =
      run_cli({"webhooks", "verify", "--secret", kHookSecret, "--header", "webhook-id: " + d.header("webhook-id"),
               "--header", "webhook-timestamp: " + d.header("webhook-timestamp"), "--header",
               "webhook-signature: " + d.header("webhook-signature")},
              {}, d.body);
  CHECK_MESSAGE(verify.exit_code == 0, verify.out << verify.err);
  // The endpoints are as the fixture says, their secrets never shown.
  std::string owner = login(s, "owner@acme.example", "owner-password-1", kWorkspace)["accessToken"];
  auto list = api("GET", s.api_url + "/webhooks", owner, nullptr, {{"x-workspace-id", kWorkspace}});
  INFO(list.body);
  REQUIRE(list.status == 200);
  REQUIRE(list.json["data"].size() == 2);
  for (const auto& e : list.json["data"]) {
    CHECK_FALSE(e.contains("signing_secret"));
    if (e["id"] == kHook) {
      CHECK(e["status"] == "active");
      CHECK(e["name"] == "suite receiver");
      CHECK(e["max_attempts"] == 3);
      CHECK(e["metadata"]["team"] == "qa");
    } else {
      CHECK(e["id"] == kPausedHook);
      CHECK(e["status"] == "paused");
      CHECK(e["name"] == receiver.url("/paused"));  // named by its URL when the fixture gives no name
    }
  }
  CHECK(list.body.find(kHookSecret.substr(6, 20)) == std::string::npos);
  CHECK(s.log().find(kHookSecret.substr(6, 20)) == std::string::npos);
}

TEST_CASE("a bad webhook entry is refused by name and field, and the database is unchanged") {
  Receiver receiver;
  TempDir dir;
  std::string db = dir.file("app.db");
  REQUIRE(slab5d({"seed", "--db", db, kExample}).exit_code == 0);  // acme: integrations off
  auto before = slab5d({"export", "--db", db});
  REQUIRE(before.exit_code == 0);
  Json fx = Json::object();
  fx["companies"] = Json::array({{{"workspace_id", kWorkspace}, {"name", "Fine Co"}}});
  fx["webhooks"] = Json::array(
      {{{"workspace_id", kWorkspace}, {"url", receiver.url()}, {"event_types", {"contact.created"}}},
       {{"workspace_id", "wrk_01fxt00000000000000000000z"}, {"url", "ftp://x.example/"}, {"event_types", {"Deal"}}},
       {{"id", "key_01fxt000000000000000000009"},
        {"workspace_id", kWorkspace},
        {"url", receiver.url()},
        {"event_types", {"*"}},
        {"signing_secret", "whsec_" + slab5::base64_encode("too short")},
        {"status", "enabled"},
        {"description", "not a field"}}});
  auto r = slab5d({"seed", "--db", db, write_json(dir, "bad-hooks.json", fx)});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("not loaded") != std::string::npos);
  CHECK(r.err.find("webhooks[0].workspace_id: the workspace has the integrations module disabled") !=
        std::string::npos);
  CHECK(r.err.find("webhooks[1].workspace_id: names no workspace") != std::string::npos);
  CHECK(r.err.find("webhooks[1].url:") != std::string::npos);
  CHECK(r.err.find("webhooks[1].event_types:") != std::string::npos);
  CHECK(r.err.find("webhooks[2].id:") != std::string::npos);
  CHECK(r.err.find("webhooks[2].signing_secret: must be whsec_ followed by the base64 of 24 to 64 bytes") !=
        std::string::npos);
  CHECK(r.err.find("webhooks[2].status: must be active, paused or disabled") != std::string::npos);
  CHECK(r.err.find("webhooks[2].description: is not a field") != std::string::npos);
  CHECK(r.err.find("companies[0]") == std::string::npos);
  CHECK(r.err.find(slab5::base64_encode("too short")) == std::string::npos);  // no secret echoed
  CHECK(slab5d({"export", "--db", db}).out == before.out);

  // --webhook-deny-private is the API's rule in a fixture too: a loopback URL is refused.
  Json open = read_json(kExample);
  open["workspaces"][0]["enabled_modules"].push_back("integrations");
  open["webhooks"] =
      Json::array({{{"workspace_id", kWorkspace}, {"url", "http://127.0.0.1:9/hook"}, {"event_types", {"*"}}}});
  std::string other = dir.file("other.db");
  auto deny = run_program(slab5d_bin(),
                          {"exec", "--password-cost", "test", "--webhook-deny-private", "--seed",
                           write_json(dir, "loopback.json", open), "--", "/bin/true"},
                          {{"PATH", "/usr/bin:/bin"}});
  CHECK(deny.exit_code == 1);
  CHECK(deny.err.find("webhooks[0].url: names a loopback or private address") != std::string::npos);
}

TEST_CASE("export writes webhook endpoints back without their secrets, says so, and seeds them again") {
  Receiver receiver;
  TempDir dir;
  std::string a = dir.file("a.db"), b = dir.file("b.db");
  REQUIRE(slab5d({"seed", "--db", a, write_json(dir, "hooks.json", fixture_with_webhooks(receiver))}).exit_code == 0);
  auto exported = slab5d({"export", "--db", a});
  REQUIRE(exported.exit_code == 0);
  Json fx = Json::parse(exported.out);
  REQUIRE(fx["webhooks"].size() == 2);
  CHECK(fx["webhooks"][0]["id"] == kHook);
  CHECK(fx["webhooks"][0]["url"] == receiver.url("/hook"));
  CHECK(fx["webhooks"][0]["event_types"] == Json::array({"contact.created"}));
  CHECK(fx["webhooks"][0]["max_attempts"] == 3);
  CHECK(fx["webhooks"][0]["status"] == "active");
  CHECK(fx["webhooks"][1]["status"] == "paused");
  for (const auto& h : fx["webhooks"]) CHECK_FALSE(h.contains("signing_secret"));
  CHECK(exported.out.find(kHookSecret.substr(6, 20)) == std::string::npos);
  CHECK(exported.err.find("2 webhook endpoints are exported without signing_secret") != std::string::npos);

  // Seeded again (without the first-start entries b has of its own), with a secret put back.
  Json again = Json::object();
  std::string dev_id, dev_ws;
  for (const auto& u : fx["users"])
    if (u["email"] == "dev@slab5.local") dev_id = u["id"];
  for (const auto& m : fx["memberships"])
    if (m["user_id"] == dev_id) dev_ws = m["workspace_id"];
  for (const auto& [coll, entries] : fx.items()) {
    Json kept = Json::array();
    for (const auto& e : entries)
      if (e.value("id", "") != dev_id && e.value("id", "") != dev_ws && e.value("user_id", "") != dev_id &&
          e.value("workspace_id", "") != dev_ws)
        kept.push_back(e);
    again[coll] = kept;
  }
  again["webhooks"][0]["signing_secret"] = kHookSecret;
  auto r = slab5d({"seed", "--db", b, write_json(dir, "again.json", again)});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("2 webhooks") != std::string::npos);
  auto round = slab5d({"export", "--db", b});
  REQUIRE(round.exit_code == 0);
  CHECK(Json::parse(round.out)["webhooks"] == fx["webhooks"]);
  // The secret put back signs: the endpoint's delivery of a new contact verifies with it.
  Server served({.db = b});
  REQUIRE(api("POST", served.api_url + "/contacts", kCiKey, {{"name", "Round Trip"}}).status == 201);
  REQUIRE(receiver.wait_for(1) >= 1);
  const auto d = receiver.received()[0];
  auto check = slab5::verify_standard_signature(d.header("webhook-id"), d.header("webhook-timestamp"),
                                                d.header("webhook-signature"), d.body,
                                                *slab5::webhook_secret_key(kHookSecret), slab5::now_millis() / 1000);
  CHECK_MESSAGE(check.valid, check.reason);
}
