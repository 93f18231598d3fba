// Webhook endpoints and deliveries (api.md §8.3): endpoints with a secret shown once, the
// durable outbox, the delivery worker (signatures, retries, order, concurrency, disabling,
// restarts) and the delivery routes. Receivers are loopback servers in this process.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netdb.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "checks.hpp"
#include "harness.hpp"
#include "node_clients.hpp"
#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"
#include "webhook_receiver.hpp"
#include "workspace_fixtures.hpp"

using namespace testing;
using namespace std::chrono_literals;

namespace {

Json make_endpoint(const Server& s, const std::string& url, Json types = Json::array({"*"}), Json extra = {}) {
  Json body = {{"name", "hook"}, {"url", url}, {"event_types", std::move(types)}};
  if (extra.is_object())
    for (auto& [k, v] : extra.items()) body[k] = v;
  auto r = api("POST", s.api_url + "/webhooks", s.token, body);
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return r.json["data"];
}

std::string contact(const Server& s, const std::string& name) {
  auto r = api("POST", s.api_url + "/contacts", s.token, {{"name", name}});
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return r.json["data"]["id"];
}

std::string key_of(const std::string& secret) { return *slab5::base64_decode(secret.substr(6)); }

// Polls GET until `done(data)` holds or 20 s pass.
Json poll(const Server& s, const std::string& path, const std::function<bool(const Json&)>& done,
          const std::string& token = "") {
  Json last;
  for (int i = 0; i < 200; ++i) {
    auto r = api("GET", s.api_url + path, token.empty() ? s.token : token);
    last = r.json["data"];
    if (r.status == 200 && done(last)) return last;
    std::this_thread::sleep_for(100ms);
  }
  return last;
}

}  // namespace

TEST_CASE("an endpoint's signing secret is shown once at creation and never stored in clear") {
  Server s;
  auto e = make_endpoint(s, "http://127.0.0.1:9/hook", {"contact.created", "deal.*"});
  std::string secret = e["signing_secret"];
  CHECK(secret.rfind("whsec_", 0) == 0);
  REQUIRE(slab5::base64_decode(secret.substr(6)));
  CHECK(slab5::base64_decode(secret.substr(6))->size() == 32);
  CHECK(e["status"] == "active");
  CHECK(e["max_attempts"] == 5);
  auto got = api("GET", s.api_url + "/webhooks/" + e["id"].get<std::string>(), s.token);
  REQUIRE(got.status == 200);
  CHECK_FALSE(got.json["data"].contains("signing_secret"));
  CHECK(got.body.find(secret) == std::string::npos);
  auto list = api("GET", s.api_url + "/webhooks", s.token);
  REQUIRE(list.status == 200);
  REQUIRE(list.json["data"].size() == 1);
  CHECK(list.body.find(secret) == std::string::npos);
  auto audit = api("GET", s.api_url + "/workspace/audit-events?action=webhook.*", s.token);
  CHECK(audit.body.find(secret.substr(6)) == std::string::npos);
  std::string key_b64 = secret.substr(6);
  CHECK(stored_bytes(s.db_path).find(key_b64) == std::string::npos);
}

TEST_CASE("a bad endpoint names every bad field; a missing one is required") {
  Server s;
  auto r = api("POST", s.api_url + "/webhooks", s.token,
               {{"url", "ftp://example.com/x"}, {"event_types", Json::array()}, {"max_attempts", 11}});
  check_error(r, 422, "validation_failed");
  std::set<std::string> fields;
  for (const auto& f : r.json["error"]["field_errors"]) fields.insert(f["field"]);
  CHECK(fields == std::set<std::string>{"name", "url", "event_types", "max_attempts"});
  check_error(api("POST", s.api_url + "/webhooks", s.token,
                  {{"name", "x"}, {"url", "http://127.0.0.1/"}, {"event_types", {"Contact Created"}}}),
              422, "validation_failed");
  check_error(api("GET", s.api_url + "/webhooks/whk_nope", s.token), 404, "resource_not_found");
}

TEST_CASE("with --webhook-deny-private a loopback or private URL is refused") {
  Server s({.args = {"--webhook-deny-private"}});
  for (std::string url : {"http://127.0.0.1:8080/x", "http://localhost/x", "http://10.1.2.3/x", "http://[::1]/x",
                          "http://192.168.0.10/x", "http://169.254.169.254/latest"}) {
    auto r = api("POST", s.api_url + "/webhooks", s.token, {{"name", "x"}, {"url", url}, {"event_types", {"*"}}});
    check_error(r, 422, "validation_failed");
    CHECK(r.json["error"]["field_errors"][0]["field"] == "url");
  }
  auto ok = api("POST", s.api_url + "/webhooks", s.token,
                {{"name", "x"}, {"url", "https://hooks.example.com/x"}, {"event_types", {"*"}}});
  CHECK(ok.status == 201);
}

namespace {

// Every address `host` resolves to, as text ({} when it does not resolve).
std::vector<std::string> addresses_of(const std::string& host) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::vector<std::string> out;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) return out;
  for (auto* p = res; p; p = p->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (p->ai_family == AF_INET)
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(p->ai_addr)->sin_addr, text, sizeof text);
    else if (p->ai_family == AF_INET6)
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(p->ai_addr)->sin6_addr, text, sizeof text);
    if (text[0]) out.emplace_back(text);
  }
  freeaddrinfo(res);
  return out;
}

// A host name, not "localhost" nor a literal, that resolves to loopback addresses only (from
// /etc/hosts: the machine's own name, ip6-localhost, …), so that even a delivery slab5d
// wrongly made would stay on this machine; "" when there is none.
std::string loopback_only_name() {
  std::ifstream hosts("/etc/hosts");
  std::string line;
  while (std::getline(hosts, line)) {
    std::istringstream words(line.substr(0, line.find('#')));
    std::string addr, name;
    words >> addr;
    while (words >> name) {
      if (name == "localhost" || name.find(".localhost") != std::string::npos) continue;
      auto addrs = addresses_of(name);
      bool loopback = !addrs.empty();
      for (const auto& a : addrs) loopback = loopback && (a.rfind("127.", 0) == 0 || a == "::1");
      if (loopback) return name;
    }
  }
  return "";
}

// The delivery's attempts once it has made `n`.
Json attempts_of(const Server& s, const std::string& token, const std::string& delivery_id, std::size_t n) {
  return poll(
      s, "/webhook-deliveries/" + delivery_id, [&](const Json& d) { return d["attempts"].size() >= n; },
      token)["attempts"];
}

}  // namespace

TEST_CASE("with --webhook-deny-private, a host that is private when delivering is not delivered to") {
  Receiver receiver;
  // An endpoint on a loopback literal, created while slab5d delivered anywhere; then slab5d
  // restarts with --webhook-deny-private on the same database.
  Server anywhere;
  auto literal = make_endpoint(anywhere, receiver.url("/literal"), {"webhook.test"}, {{"max_attempts", 1}});
  std::string token = anywhere.token, db = anywhere.db_path;
  anywhere.stop();
  Server s({.args = {"--webhook-deny-private"}, .db = db});
  auto sent = api("POST", s.api_url + "/webhooks/" + literal["id"].get<std::string>() + "/test", token);
  REQUIRE_MESSAGE(sent.status == 202, sent.body);
  auto attempts = attempts_of(s, token, sent.json["data"]["id"], 1);
  REQUIRE(attempts.size() == 1);
  CHECK(attempts[0]["status_code"].is_null());
  CHECK(attempts[0]["error"] == "The endpoint's address is not public (slab5d runs with --webhook-deny-private).");
  auto d = api("GET", s.api_url + "/webhook-deliveries/" + sent.json["data"]["id"].get<std::string>(), token);
  CHECK(d.json["data"]["status"] == "failed");
  CHECK(d.json["data"]["last_error"] == attempts[0]["error"]);

  // A name the URL check cannot judge (it is no literal) is resolved when delivering, and
  // refused when it resolves to a loopback address.
  std::string name = loopback_only_name();
  if (name.empty()) {
    skip("a delivery-time check of a name: no name in /etc/hosts resolves to loopback addresses only");
  } else {
    std::string url = receiver.url("/named");
    url.replace(7, 9, name);  // http://127.0.0.1:PORT/named → http://NAME:PORT/named
    auto made = api("POST", s.api_url + "/webhooks", token,
                    {{"name", "named"}, {"url", url}, {"event_types", {"webhook.test"}}, {"max_attempts", 1}});
    REQUIRE_MESSAGE(made.status == 201, made.body);  // accepted: a name is judged when delivering
    Json named = made.json["data"];
    auto t = api("POST", s.api_url + "/webhooks/" + named["id"].get<std::string>() + "/test", token);
    REQUIRE(t.status == 202);
    auto a = attempts_of(s, token, t.json["data"]["id"], 1);
    REQUIRE(a.size() == 1);
    CHECK(a[0]["status_code"].is_null());
    CHECK(a[0]["error"].get<std::string>().find("not public") != std::string::npos);
  }
  std::this_thread::sleep_for(300ms);
  CHECK(receiver.received().empty());  // not one request reached the receiver
}

TEST_CASE("endpoints need integrations scopes and the integrations module") {
  Server s;
  auto reader = fixtures::make_key(s, {"integrations:read"});
  CHECK(api("GET", s.api_url + "/webhooks", reader).status == 200);
  check_error(api("POST", s.api_url + "/webhooks", reader,
                  {{"name", "x"}, {"url", "http://127.0.0.1:9/"}, {"event_types", {"*"}}}),
              403, "missing_required_scope");
  REQUIRE(api("DELETE", s.api_url + "/workspace/modules/integrations", s.token).status == 200);
  check_error(api("GET", s.api_url + "/webhooks", s.token), 403, "module_not_enabled");
}

TEST_CASE("update, pause, resume and delete an endpoint") {
  Server s;
  auto e = make_endpoint(s, "http://127.0.0.1:9/a");
  std::string path = s.api_url + "/webhooks/" + e["id"].get<std::string>();
  auto u =
      api("PATCH", path, s.token, {{"url", "http://127.0.0.1:9/b"}, {"max_attempts", 2}, {"metadata", {{"k", 1}}}});
  REQUIRE_MESSAGE(u.status == 200, u.body);
  CHECK(u.json["data"]["url"] == "http://127.0.0.1:9/b");
  CHECK(u.json["data"]["max_attempts"] == 2);
  CHECK(u.json["data"]["metadata"] == Json{{"k", 1}});
  check_error(api("PATCH", path, s.token, {{"url", "not a url"}}), 422, "validation_failed");
  CHECK(api("POST", path + "/pause", s.token).json["data"]["status"] == "paused");
  CHECK(api("POST", path + "/resume", s.token).json["data"]["status"] == "active");
  CHECK(api("DELETE", path, s.token).status == 204);
  check_error(api("GET", path, s.token), 404, "resource_not_found");
}

TEST_CASE("a write is delivered with both signature schemes and the headers of api.md 8.3") {
  Server s;
  Receiver rx;
  auto e = make_endpoint(s, rx.url(), {"contact.*"});
  std::string key = key_of(e["signing_secret"]);
  auto id = contact(s, "Jane");
  REQUIRE(rx.wait_for(1) == 1);
  auto got = rx.received()[0];
  CHECK(got.request_line == "POST /hook HTTP/1.1");
  CHECK(got.header("content-type") == "application/json");
  CHECK(got.header("user-agent") == "Slab5-Webhooks/1.0");
  auto event = Json::parse(got.body);
  CHECK(event["type"] == "contact.created");
  CHECK(event["data"]["id"] == id);
  CHECK(event["workspace_id"] == s.workspace_id);
  CHECK(got.header("x-slab5-event-id") == event["id"]);
  CHECK(got.header("x-slab5-event-type") == "contact.created");
  CHECK(got.header("x-slab5-delivery-id").rfind("dlv_", 0) == 0);
  CHECK(got.header("webhook-id") == event["id"]);
  std::string t = got.header("webhook-timestamp");
  CHECK(std::abs(std::stoll(t) - std::time(nullptr)) < 60);
  CHECK(got.header("x-slab5-signature") ==
        "t=" + t + ",v1=" + slab5::hex_encode(slab5::hmac_sha256(key, t + "." + got.body)));
  CHECK(got.header("webhook-signature") ==
        "v1," +
            slab5::base64_encode(slab5::hmac_sha256(key, event["id"].get<std::string>() + "." + t + "." + got.body)));
  // The event delivered is the event the log keeps.
  auto logged = api("GET", s.api_url + "/events/" + event["id"].get<std::string>(), s.token);
  CHECK(logged.json["data"] == event);
  // And the delivery records its attempt.
  auto d = poll(s, "/webhook-deliveries/" + got.header("x-slab5-delivery-id"),
                [](const Json& d) { return d["status"] == "succeeded"; });
  CHECK(d["status"] == "succeeded");
  CHECK(d["attempt_count"] == 1);
  CHECK(d["last_status_code"] == 200);
  CHECK(d["last_response_body"] == "{\"ok\":true}");
  REQUIRE(d["attempts"].size() == 1);
  CHECK(d["attempts"][0]["status_code"] == 200);
  auto usage = api("GET", s.api_url + "/workspace/usage-events?kind=webhook_delivery", s.token);
  REQUIRE(usage.status == 200);
  CHECK(usage.json["data"].size() == 1);
}

TEST_CASE("only the event types an endpoint subscribed to are delivered to it") {
  Server s;
  Receiver deals, exact;
  make_endpoint(s, deals.url(), {"deal.*"});
  make_endpoint(s, exact.url(), {"company.created"});
  contact(s, "Nobody wants me");
  REQUIRE(api("POST", s.api_url + "/companies", s.token, {{"name", "Acme"}}).status == 201);
  REQUIRE(api("POST", s.api_url + "/deals", s.token, {{"name", "Big"}}).status == 201);
  REQUIRE(exact.wait_for(1) == 1);
  REQUIRE(deals.wait_for(1) == 1);
  std::this_thread::sleep_for(500ms);
  REQUIRE(exact.received().size() == 1);
  CHECK(Json::parse(exact.received()[0].body)["type"] == "company.created");
  REQUIRE(deals.received().size() == 1);
  CHECK(Json::parse(deals.received()[0].body)["type"] == "deal.created");
}

TEST_CASE("a refused write enqueues no delivery") {
  Server s;
  Receiver rx;
  auto e = make_endpoint(s, rx.url());
  REQUIRE(api("POST", s.api_url + "/contacts", s.token, {{"email", "bad"}}).status == 422);
  std::this_thread::sleep_for(500ms);
  CHECK(rx.received().empty());
  auto list = api("GET", s.api_url + "/webhooks/" + e["id"].get<std::string>() + "/deliveries", s.token);
  REQUIRE(list.status == 200);
  CHECK(list.json["data"].empty());
}

TEST_CASE("a receiver that fails is retried with backoff until max_attempts, then the delivery failed") {
  Server s;
  Receiver rx([](const Received&, int n) {
    ReceiverAnswer a;
    if (n == 0) a.status = 500;
    if (n == 1) a.hang_up = true;
    if (n == 2) a.status = 302, a.headers = {{"Location", "http://127.0.0.1:9/elsewhere"}};
    return a;
  });
  auto e = make_endpoint(s, rx.url(), {"*"}, {{"max_attempts", 3}});
  contact(s, "Retry me");
  REQUIRE(rx.wait_for(3, 15s) == 3);
  auto got = rx.received();
  // 1 s, then 2 s (plus up to 10% jitter) between attempts
  auto gap1 = std::chrono::duration_cast<std::chrono::milliseconds>(got[1].at - got[0].at).count();
  auto gap2 = std::chrono::duration_cast<std::chrono::milliseconds>(got[2].at - got[1].at).count();
  CHECK(gap1 >= 950);
  CHECK(gap2 >= 1950);
  CHECK(gap2 > gap1);
  CHECK(got[0].header("webhook-id") == got[2].header("webhook-id"));
  auto list = poll(s, "/webhooks/" + e["id"].get<std::string>() + "/deliveries",
                   [](const Json& d) { return d.size() == 1 && d[0]["status"] == "failed"; });
  REQUIRE(list.size() == 1);
  auto d = list[0];
  CHECK(d["status"] == "failed");
  CHECK(d["attempt_count"] == 3);
  REQUIRE(d["attempts"].size() == 3);
  CHECK(d["attempts"][0]["status_code"] == 500);
  CHECK(d["attempts"][1]["status_code"].is_null());
  CHECK(d["attempts"][2]["status_code"] == 302);
  CHECK(d["next_attempt_at"].is_null());
  // A manual retry sends it once more, now.
  auto retried = api("POST", s.api_url + "/webhook-deliveries/" + d["id"].get<std::string>() + "/retry", s.token);
  REQUIRE_MESSAGE(retried.status == 202, retried.body);
  REQUIRE(rx.wait_for(4, 5s) == 4);
  auto after = poll(s, "/webhook-deliveries/" + d["id"].get<std::string>(),
                    [](const Json& d) { return d["status"] == "succeeded"; });
  CHECK(after["status"] == "succeeded");
  CHECK(after["attempt_count"] == 4);
  check_error(api("POST", s.api_url + "/webhook-deliveries/dlv_nope/retry", s.token), 404, "resource_not_found");
}

TEST_CASE("deliveries to one endpoint keep their order") {
  Server s;
  Receiver rx;
  make_endpoint(s, rx.url(), {"contact.created"});
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(contact(s, "C" + std::to_string(i)));
  REQUIRE(rx.wait_for(10) == 10);
  auto got = rx.received();
  for (int i = 0; i < 10; ++i) CHECK(Json::parse(got[std::size_t(i)].body)["data"]["id"] == ids[std::size_t(i)]);
}

TEST_CASE("an endpoint that falls behind has its events wait in the outbox; each is delivered once, in order") {
  Server s;
  std::atomic<bool> up{false}, holding{false};
  // The first request is held until `up` (or 30 s): the endpoint's line stops, and its events
  // pile up. A request is recorded once answered.
  Receiver rx([&](const Received&, int n) {
    if (n == 0) {
      holding = true;
      for (int i = 0; i < 3000 && !up; ++i) std::this_thread::sleep_for(10ms);
    }
    return ReceiverAnswer{};
  });
  auto e = make_endpoint(s, rx.url(), {"contact.created"});
  std::string deliveries = "/webhooks/" + e["id"].get<std::string>() + "/deliveries?limit=100";
  contact(s, "first");
  for (int i = 0; i < 1000 && !holding; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(holding);  // its delivery is in flight
  std::vector<std::string> ids;
  for (int i = 0; i < 130; ++i) ids.push_back(contact(s, "Q" + std::to_string(i)));
  // Events become deliveries while the endpoint has at most 50 open, up to 100: here, one at
  // a time, until 51 (the one in flight is still pending); the other 80 events wait.
  auto listed = poll(s, deliveries, [](const Json& d) { return d.size() >= 51; });
  CHECK(listed.size() >= 51);
  std::this_thread::sleep_for(300ms);
  auto again = api("GET", s.api_url + deliveries, s.token);
  REQUIRE(again.status == 200);
  CHECK(again.json["data"].size() >= 51);
  CHECK(again.json["data"].size() <= 100);
  CHECK_FALSE(again.json.contains("next_cursor"));
  for (const auto& d : again.json["data"]) CHECK(d["status"] == "pending");
  up = true;
  REQUIRE(rx.wait_for(131, 20s) == 131);
  std::this_thread::sleep_for(300ms);
  auto got = rx.received();
  REQUIRE(got.size() == 131);  // once each
  for (std::size_t i = 1; i < got.size(); ++i)
    CHECK(Json::parse(got[i].body)["data"]["id"] == ids[i - 1]);  // in the order of the writes
  auto first_page = poll(s, deliveries, [](const Json& d) {
    return d.size() == 100 && std::all_of(d.begin(), d.end(), [](const Json& x) { return x["status"] == "succeeded"; });
  });
  CHECK(first_page.size() == 100);
  auto page = api("GET", s.api_url + deliveries, s.token);
  REQUIRE(page.json.contains("next_cursor"));
  auto rest = api("GET", s.api_url + deliveries + "&cursor=" + page.json["next_cursor"].get<std::string>(), s.token);
  REQUIRE(rest.status == 200);
  CHECK(rest.json["data"].size() == 31);
  CHECK_FALSE(rest.json.contains("next_cursor"));
}

TEST_CASE("a slow receiver does not delay deliveries to another endpoint") {
  Server s;
  Receiver slow([](const Received&, int) { return ReceiverAnswer{.status = 200, .delay_ms = 4000}; });
  Receiver fast;
  make_endpoint(s, slow.url());
  make_endpoint(s, fast.url());
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) contact(s, "C" + std::to_string(i));
  REQUIRE(fast.wait_for(3, 10s) == 3);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  CHECK(took < 3500);  // the slow one answers after 4 s: nothing waited for it
  // The slow endpoint's first delivery may start a moment after the fast one's third (a
  // dispatcher look apart); it is still busy with it.
  CHECK(slow.wait_for(1, 3s) == 1);
  CHECK(slow.received().size() == 1);
  s.stop(9);
}

TEST_CASE("more endpoints than senders: a sender gives its endpoint back while another waits") {
  // The worker has 8 senders. A sender goes on to its endpoint's next delivery by itself, but
  // only while no other endpoint waits for a sender. Eight endpoints answer after 500 ms, so
  // each takes at least 5 s for its 10 deliveries; two answer at once and must get all of
  // theirs, in order, long before that, whichever endpoints the senders took first.
  Server s;
  std::vector<std::unique_ptr<Receiver>> slow, fast;
  for (int i = 0; i < 8; ++i) {
    slow.push_back(std::make_unique<Receiver>([](const Received&, int) { return ReceiverAnswer{.delay_ms = 500}; }));
    make_endpoint(s, slow.back()->url(), {"contact.created"});
  }
  for (int i = 0; i < 2; ++i) {
    fast.push_back(std::make_unique<Receiver>());
    make_endpoint(s, fast.back()->url(), {"contact.created"});
  }
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(contact(s, "C" + std::to_string(i)));
  auto written = std::chrono::steady_clock::now();
  for (auto& rx : fast) REQUIRE(rx->wait_for(10, 20s) == 10);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - written).count();
  CHECK(took < 4000);  // a sender held by a slow endpoint for all of its 10 would take 5 s
  for (auto& rx : slow) CHECK(rx->received().size() < 10);
  for (auto& rx : fast) {
    auto got = rx->received();
    for (std::size_t i = 0; i < 10; ++i) CHECK(Json::parse(got[i].body)["data"]["id"] == ids[i]);
  }
  s.stop(9);
}

TEST_CASE("an endpoint is disabled after 20 deliveries in a row fail, and resume enables it") {
  Server s;
  Receiver rx([](const Received&, int) { return ReceiverAnswer{.status = 500}; });
  auto e = make_endpoint(s, rx.url(), {"*"}, {{"max_attempts", 1}});
  std::string path = "/webhooks/" + e["id"].get<std::string>();
  for (int i = 0; i < 20; ++i) contact(s, "C" + std::to_string(i));
  auto ep = poll(s, path, [](const Json& e) { return e["status"] == "disabled"; });
  CHECK(ep["status"] == "disabled");
  CHECK(ep["disabled_at"].is_string());
  CHECK(rx.received().size() == 20);
  contact(s, "not delivered while disabled");
  std::this_thread::sleep_for(500ms);
  CHECK(rx.received().size() == 20);
  CHECK(api("POST", s.api_url + path + "/resume", s.token).json["data"]["status"] == "active");
}

TEST_CASE("a paused endpoint receives nothing; its test event waits for resume") {
  Server s;
  Receiver rx;
  auto e = make_endpoint(s, rx.url(), {"contact.created"});
  std::string path = s.api_url + "/webhooks/" + e["id"].get<std::string>();
  REQUIRE(api("POST", path + "/pause", s.token).status == 200);
  contact(s, "while paused");
  auto t = api("POST", path + "/test", s.token);
  REQUIRE_MESSAGE(t.status == 202, t.body);
  CHECK(t.json["data"]["status"] == "pending");
  std::this_thread::sleep_for(500ms);
  CHECK(rx.received().empty());
  REQUIRE(api("POST", path + "/resume", s.token).status == 200);
  REQUIRE(rx.wait_for(1) == 1);
  auto body = Json::parse(rx.received()[0].body);
  CHECK(body["type"] == "webhook.test");  // the test event only: the contact was written while paused
  CHECK(body["data"]["webhook_id"] == e["id"]);
}

TEST_CASE("during a rotation's overlap both secrets sign every delivery") {
  Server s;
  Receiver rx;
  auto e = make_endpoint(s, rx.url(), {"contact.created"});
  std::string old_key = key_of(e["signing_secret"]);
  auto rot = api("POST", s.api_url + "/webhooks/" + e["id"].get<std::string>() + "/rotate-secret", s.token);
  REQUIRE_MESSAGE(rot.status == 201, rot.body);
  std::string new_secret = rot.json["data"]["signing_secret"];
  CHECK(new_secret != e["signing_secret"]);
  CHECK(rot.json["data"]["previous_secret_expires_at"].is_string());
  std::string new_key = key_of(new_secret);
  contact(s, "Rotated");
  REQUIRE(rx.wait_for(1) == 1);
  auto got = rx.received()[0];
  std::string t = got.header("webhook-timestamp"), id = got.header("webhook-id");
  auto hex = [&](const std::string& k) { return slab5::hex_encode(slab5::hmac_sha256(k, t + "." + got.body)); };
  auto b64 = [&](const std::string& k) {
    return slab5::base64_encode(slab5::hmac_sha256(k, id + "." + t + "." + got.body));
  };
  CHECK(got.header("x-slab5-signature") == "t=" + t + ",v1=" + hex(new_key) + ",v1=" + hex(old_key));
  CHECK(got.header("webhook-signature") == "v1," + b64(new_key) + " v1," + b64(old_key));
}

TEST_CASE("kill -9 with deliveries pending and in flight: a restart delivers every one") {
  TempDir dir;
  std::string db = dir.file("slab5.db");
  std::string token;
  std::atomic<bool> up{false};
  // Until `up`, the receiver holds each request a while and hangs up without an answer.
  Receiver rx([&](const Received&, int) {
    return up ? ReceiverAnswer{} : ReceiverAnswer{.status = 200, .delay_ms = 1500, .hang_up = true};
  });
  {
    Server s({.db = db});
    token = s.token;
    make_endpoint(s, rx.url(), {"contact.created"});
    for (int i = 0; i < 5; ++i) contact(s, "K" + std::to_string(i));
    REQUIRE(rx.wait_for(1, 5s) >= 1);  // the first is in flight
    CHECK(s.stop(9) == 128 + 9);
  }
  up = true;
  Server s({.db = db});
  auto all_done = [&] {
    for (int i = 0; i < 100; ++i) {
      std::set<std::string> names;
      auto got = rx.received();
      for (std::size_t k = 0; k < got.size(); ++k) names.insert(Json::parse(got[k].body)["data"]["name"]);
      if (names.size() == 5) return names;
      std::this_thread::sleep_for(100ms);
    }
    return std::set<std::string>{};
  };
  CHECK(all_done() == std::set<std::string>{"K0", "K1", "K2", "K3", "K4"});
  auto whk = api("GET", s.api_url + "/webhooks", token).json["data"][0]["id"].get<std::string>();
  auto list = poll(
      s, "/webhooks/" + whk + "/deliveries?status=succeeded", [](const Json& d) { return d.size() == 5; }, token);
  CHECK(list.size() == 5);
}

TEST_CASE("credential actions are events too, without their secrets") {
  Server s;
  auto k = api("POST", s.api_url + "/workspace/api-keys", s.token, {{"name", "ci"}, {"scopes", {"crm:read"}}});
  REQUIRE(k.status == 201);
  std::string secret = k.json["data"]["secret"];
  auto r = api("GET", s.api_url + "/events?type=api_key.created", s.token);
  REQUIRE(r.status == 200);
  REQUIRE(r.json["data"].size() == 1);
  CHECK(r.json["data"][0]["data"]["id"] == k.json["data"]["id"]);
  CHECK(r.body.find(secret) == std::string::npos);
}

TEST_CASE("every delivery verifies with the standardwebhooks npm package, also during a rotation") {
  if (!js_deps_ready()) return;
  Server s;
  Receiver rx;
  auto e = make_endpoint(s, rx.url(), {"contact.*", "deal.*"});
  std::string first = e["signing_secret"];
  std::string id = contact(s, "Jane");
  REQUIRE(api("PATCH", s.api_url + "/contacts/" + id, s.token, {{"title", "CTO"}}).status == 200);
  REQUIRE(rx.wait_for(2) == 2);
  auto rot = api("POST", s.api_url + "/webhooks/" + e["id"].get<std::string>() + "/rotate-secret", s.token);
  REQUIRE(rot.status == 201);
  std::string second = rot.json["data"]["signing_secret"];
  REQUIRE(api("POST", s.api_url + "/deals", s.token, {{"name", "Big"}}).status == 201);
  REQUIRE(rx.wait_for(3) == 3);
  Json list = Json::array();
  auto got = rx.received();
  for (std::size_t i = 0; i < got.size(); ++i) {
    Json secrets = i < 2 ? Json{first} : Json{first, second};
    list.push_back({{"secrets", secrets},
                    {"headers",
                     {{"webhook-id", got[i].header("webhook-id")},
                      {"webhook-timestamp", got[i].header("webhook-timestamp")},
                      {"webhook-signature", got[i].header("webhook-signature")}}},
                    {"body", got[i].body}});
  }
  TempDir dir;
  std::string file = dir.file("deliveries.json");
  std::ofstream(file) << list.dump();
  auto out = run_node("verify-webhooks.mjs", {file}, 120);
  INFO(out.out << out.err);
  CHECK(out.exit_code == 0);
  CHECK(out.out.find("delivery 2: verified (deal.created)") != std::string::npos);
}

TEST_CASE("advancing the server clock runs a retry that is due at once") {
  if (on_postgres()) return;  // the test clock is refused on PostgreSQL (test_dev_controls)
  Server s;
  Receiver rx([](const Received&, int n) {
    ReceiverAnswer a;
    if (n < 6) a.status = 500;  // the first attempts fail; the backoff reaches 2^5 s = 32 s
    return a;
  });
  auto e = make_endpoint(s, rx.url(), {"*"}, {{"max_attempts", 8}});
  contact(s, "Retry me later");
  std::string deliveries = "/webhooks/" + e["id"].get<std::string>() + "/deliveries";
  auto t0 = std::chrono::steady_clock::now();
  for (int attempt = 1; attempt <= 7; ++attempt) {
    REQUIRE(rx.wait_for(std::size_t(attempt), 5s) == std::size_t(attempt));
    if (attempt == 7) break;
    // The failure is recorded and the next attempt scheduled before the clock moves.
    poll(s, deliveries, [&](const Json& d) {
      return d.size() == 1 && d[0]["attempt_count"] == attempt && d[0]["next_attempt_at"].is_string();
    });
    // Each retry waits 1 s, 2 s, 4 s … on the server clock: a test moves it past the wait.
    auto moved = api("POST", s.base_url + "/v1/dev/clock", "", {{"advance", "2h"}});
    REQUIRE_MESSAGE(moved.status == 200, moved.body);
  }
  // Seven attempts whose waits add up to over a minute of server time took seconds of wall time.
  CHECK(std::chrono::steady_clock::now() - t0 < 20s);
  api("DELETE", s.base_url + "/v1/dev/clock", "");
}
