// The webhook and event commands (cli.md §2): `slab5 events`, `slab5 webhooks …` (create,
// deliveries, retry, verify, trigger, listen --forward-to, send-inbound) and
// `slab5 webhook-sources …`, through the real slab5 against a real slab5d.
#include <doctest/doctest.h>

#include <thread>

#include "checks.hpp"
#include "harness.hpp"
#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"
#include "webhook_receiver.hpp"

using namespace testing;
using namespace std::chrono_literals;

namespace {

std::map<std::string, std::string> env_for(const Server& s, const TempDir& home) {
  return {{"SLAB5_API_BASE_URL", s.api_url},
          {"SLAB5_WORKSPACE_TOKEN", s.token},
          {"HOME", home.path()},
          {"SLAB5_CONFIG_DIR", home.path() + "/config"}};
}

Json json_of(const CliResult& r) {
  auto j = Json::parse(r.out, nullptr, false);
  REQUIRE_MESSAGE(!j.is_discarded(), r.out << r.err);
  return j;
}

}  // namespace

TEST_CASE("webhooks create, trigger, deliveries and verify the received payload offline") {
  Server s;
  TempDir home;
  auto env = env_for(s, home);
  Receiver rx;
  auto made = run_cli({"webhooks", "create", "--url", rx.url(), "--event", "contact.*", "--json"}, env);
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  auto e = json_of(made);
  std::string secret = e["signing_secret"], id = e["id"];
  auto trig = run_cli({"webhooks", "trigger", "contact.created"}, env);
  REQUIRE_MESSAGE(trig.exit_code == 0, trig.err);
  CHECK(trig.out.find("triggered contact.created (con_") != std::string::npos);
  REQUIRE(rx.wait_for(1) == 1);
  auto got = rx.received()[0];
  std::vector<std::string> args{"webhooks", "verify", "--secret", secret};
  for (const char* h : {"webhook-id", "webhook-timestamp", "webhook-signature"})
    args.insert(args.end(), {"--header", std::string(h) + ": " + got.header(h)});
  auto ok = run_cli(args, env, got.body);
  CHECK_MESSAGE(ok.exit_code == 0, ok.out << ok.err);
  CHECK(ok.out.find("valid (Standard Webhooks") != std::string::npos);
  auto bad = run_cli(args, env, got.body + " ");
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("invalid: ") != std::string::npos);
  auto slab5_scheme = run_cli(
      {"webhooks", "verify", "--secret", secret, "--header", "x-slab5-signature: " + got.header("x-slab5-signature")},
      env, got.body);
  CHECK(slab5_scheme.exit_code == 0);
  // the delivery, listed and retried
  std::this_thread::sleep_for(300ms);
  auto list = run_cli({"webhooks", "deliveries", id, "--json"}, env);
  REQUIRE_MESSAGE(list.exit_code == 0, list.err);
  auto deliveries = json_of(list);
  REQUIRE(deliveries.size() == 1);
  auto retried = run_cli({"webhooks", "retry", deliveries[0]["id"].get<std::string>(), "--json"}, env);
  CHECK_MESSAGE(retried.exit_code == 0, retried.err);
  CHECK(rx.wait_for(2) == 2);
  auto events = run_cli({"events", "--type", "contact.*", "--json"}, env);
  REQUIRE(events.exit_code == 0);
  CHECK(json_of(events).size() == 1);
  CHECK(run_cli({"webhooks", "delete", id, "--yes"}, env).exit_code == 0);
  CHECK(run_cli({"webhooks", "show", id}, env).exit_code == 3);
}

TEST_CASE("webhooks listen prints its secret first, then each event, and forwards it signed") {
  Server s;
  TempDir home;
  auto env = env_for(s, home);
  Receiver app;
  CliResult listened;
  std::thread t([&] {
    listened = run_program(slab5_bin(), {"webhooks", "listen", "--forward-to", app.url()}, env, "", 6);
  });
  std::this_thread::sleep_for(1500ms);  // connected to the stream
  REQUIRE(api("POST", s.api_url + "/contacts", s.token, {{"name", "Listened"}}).status == 201);
  REQUIRE(api("POST", s.api_url + "/companies", s.token, {{"name", "Too"}}).status == 201);
  CHECK(app.wait_for(2, 4s) == 2);
  t.join();
  REQUIRE(listened.out.rfind("Ready. Signing secret: whsec_", 0) == 0);
  std::string secret = listened.out.substr(23, listened.out.find('\n') - 23);
  CHECK(listened.out.find("contact.created") != std::string::npos);
  CHECK(listened.out.find("company.created") != std::string::npos);
  CHECK(listened.out.find("-> " + app.url() + "  200") != std::string::npos);
  REQUIRE(app.received().size() >= 1);
  auto got = app.received()[0];
  std::string key = *slab5::base64_decode(secret.substr(6));
  std::string signed_text = got.header("webhook-id") + "." + got.header("webhook-timestamp") + "." + got.body;
  CHECK(got.header("webhook-signature") == "v1," + slab5::base64_encode(slab5::hmac_sha256(key, signed_text)));
  // The same secret next time: the app under test is configured once per profile.
  auto again = run_program(slab5_bin(), {"webhooks", "listen"}, env, "", 2);
  CHECK(again.out.rfind("Ready. Signing secret: " + secret, 0) == 0);
}

TEST_CASE("webhook-sources create and webhooks send-inbound record an activity") {
  Server s;
  TempDir home;
  auto env = env_for(s, home);
  auto made = run_cli({"webhook-sources", "create", "--name", "billing", "--kind", "standard", "--json"}, env);
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  auto src = json_of(made);
  auto sent = run_cli({"webhooks", "send-inbound", src["id"].get<std::string>(), "--secret",
                       src["signing_secret"].get<std::string>(), "--json"},
                      env, R"({"type":"invoice.paid"})");
  REQUIRE_MESSAGE(sent.exit_code == 0, sent.out << sent.err);
  auto out = json_of(sent);
  CHECK(out["duplicate"] == false);
  auto a = api("GET", s.api_url + "/activities/" + out["activity_id"].get<std::string>(), s.token);
  CHECK(a.json["data"]["summary"] == "invoice.paid");
  auto wrong = run_cli({"webhooks", "send-inbound", src["id"].get<std::string>(), "--secret",
                        "whsec_" + slab5::base64_encode(std::string(32, 'x'))},
                       env, "{}");
  CHECK(wrong.exit_code == 4);
  CHECK(run_cli({"webhook-sources", "list"}, env).out.find(src["id"].get<std::string>()) != std::string::npos);
}
