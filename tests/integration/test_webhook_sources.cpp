// Inbound webhooks (api.md §8.4): sources with a secret shown once; a message must verify in
// its source's scheme with a timestamp within 5 minutes, else 401 and nothing is stored; a
// message id seen before is acknowledged and not stored twice; a verified message is an
// activity and an inbound_webhook.received event.
#include <doctest/doctest.h>

#include <ctime>

#include "checks.hpp"
#include "harness.hpp"
#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"

using namespace testing;

namespace {

Json make_source(const Server& s, const std::string& kind, Json extra = Json::object()) {
  Json body = {{"name", "crm sync"}, {"kind", kind}};
  for (auto& [k, v] : extra.items()) body[k] = v;
  auto r = api("POST", s.api_url + "/webhook-sources", s.token, body);
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return r.json["data"];
}

std::string key_of(const Json& src) {
  return *slab5::base64_decode(src["signing_secret"].get<std::string>().substr(6));
}

// Standard Webhooks headers for `body`, signed with `key` at `t`.
std::vector<std::pair<std::string, std::string>> standard(const std::string& key, const std::string& id, std::int64_t t,
                                                          const std::string& body) {
  std::string ts = std::to_string(t);
  return {{"Content-Type", "application/json"},
          {"webhook-id", id},
          {"webhook-timestamp", ts},
          {"webhook-signature", "v1," + slab5::base64_encode(slab5::hmac_sha256(key, id + "." + ts + "." + body))}};
}

std::size_t activities(const Server& s) {
  auto r = api("GET", s.api_url + "/activities?type=webhook", s.token);
  REQUIRE(r.status == 200);
  return r.json["data"].size();
}

}  // namespace

TEST_CASE("a source's secret is shown once, with its inbound URL") {
  Server s;
  auto src = make_source(s, "standard");
  CHECK(src["signing_secret"].get<std::string>().rfind("whsec_", 0) == 0);
  CHECK(src["inbound_url"] == s.base_url + "/v1/webhooks/inbound/" + src["id"].get<std::string>());
  CHECK(src["activity_type"] == "webhook");
  auto got = api("GET", s.api_url + "/webhook-sources/" + src["id"].get<std::string>(), s.token);
  REQUIRE(got.status == 200);
  CHECK_FALSE(got.json["data"].contains("signing_secret"));
  CHECK(api("GET", s.api_url + "/webhook-sources", s.token).json["data"].size() == 1);
  auto bad = api("POST", s.api_url + "/webhook-sources", s.token, {{"kind", "github"}, {"activity_type", "No!"}});
  check_error(bad, 422, "validation_failed");
  CHECK(bad.json["error"]["field_errors"].size() == 3);
}

TEST_CASE("a verified Standard Webhooks message is an activity and an event; a replay is not stored twice") {
  Server s;
  auto src = make_source(s, "standard");
  std::string url = src["inbound_url"];
  std::string body = R"({"type":"invoice.paid","amount":42})";
  auto r = http("POST", url, body, standard(key_of(src), "msg_1", std::time(nullptr), body));
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(r.json["data"]["duplicate"] == false);
  std::string act = r.json["data"]["activity_id"];
  auto a = api("GET", s.api_url + "/activities/" + act, s.token);
  REQUIRE(a.status == 200);
  CHECK(a.json["data"]["type"] == "webhook");
  CHECK(a.json["data"]["summary"] == "invoice.paid");
  CHECK(a.json["data"]["metadata"]["payload"]["amount"] == 42);
  auto ev = api("GET", s.api_url + "/events?type=inbound_webhook.received", s.token);
  REQUIRE(ev.json["data"].size() == 1);
  CHECK(ev.json["data"][0]["data"]["activity_id"] == act);
  auto again = http("POST", url, body, standard(key_of(src), "msg_1", std::time(nullptr), body));
  REQUIRE(again.status == 200);
  CHECK(again.json["data"]["duplicate"] == true);
  CHECK(activities(s) == 1);
}

TEST_CASE("a bad signature, a stale timestamp or an unknown source is 401 and stores nothing") {
  Server s;
  auto src = make_source(s, "standard");
  std::string url = src["inbound_url"];
  std::string body = R"({"type":"x"})";
  auto h = standard(key_of(src), "msg_1", std::time(nullptr), body);
  check_error(http("POST", url, body + " ", h), 401, "webhook_signature_invalid");
  check_error(http("POST", url, body, standard("wrong key", "msg_2", std::time(nullptr), body)), 401,
              "webhook_signature_invalid");
  check_error(http("POST", url, body, standard(key_of(src), "msg_3", std::time(nullptr) - 6 * 60, body)), 401,
              "webhook_signature_invalid");
  check_error(http("POST", url, body, {{"Content-Type", "application/json"}}), 401, "webhook_signature_invalid");
  check_error(http("POST", s.api_url + "/webhooks/inbound/src_00000000000000000000000000", body, h), 401,
              "webhook_signature_invalid");
  CHECK(activities(s) == 0);
  CHECK(api("GET", s.api_url + "/events?type=inbound_webhook.received", s.token).json["data"].empty());
}

TEST_CASE("a slab5-scheme source verifies x-slab5-signature, over any content type") {
  Server s;
  auto src = make_source(s, "slab5", {{"activity_type", "billing"}});
  std::string body = "event=paid&amount=42";
  std::string t = std::to_string(std::time(nullptr));
  std::string sig = "t=" + t + ",v1=" + slab5::hex_encode(slab5::hmac_sha256(key_of(src), t + "." + body));
  auto r = http("POST", src["inbound_url"], body, {{"Content-Type", "text/plain"}, {"x-slab5-signature", sig}});
  REQUIRE_MESSAGE(r.status == 200, r.body);
  auto a = api("GET", s.api_url + "/activities/" + r.json["data"]["activity_id"].get<std::string>(), s.token);
  CHECK(a.json["data"]["type"] == "billing");
  CHECK(a.json["data"]["summary"] == "Inbound webhook");
  auto replay = http("POST", src["inbound_url"], body, {{"Content-Type", "text/plain"}, {"x-slab5-signature", sig}});
  CHECK(replay.json["data"]["duplicate"] == true);
}
