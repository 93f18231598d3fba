// server/domain/webhook_sources.cpp: an inbound message's id claim, its activity and its
// event are one unit of work — a replay after a success is refused, and a message whose
// writes fail leaves no trace (not even the claim), so the sender's retry is taken.
#include <doctest/doctest.h>

#include "domain/kek.hpp"
#include "domain/webhook_sources.hpp"
#include "slab5/time.hpp"
#include "slab5/webhook_signature.hpp"
#include "workspace_fixture.hpp"

using namespace slab5d;

namespace {

struct InboundFixture : testing::WorkspaceFixture {
  WebhookSettings settings{.kek = key_encryption_key("")};
  IssuedSource source;

  InboundFixture() {
    auto made =
        create_webhook_source(*db, session(owner_id, "owner"), meta, settings,
                              WebhookSourceInput{.name = "billing", .kind = "standard", .activity_type = "webhook"});
    REQUIRE(made);
    source = *made;
  }

  // A Standard Webhooks message signed now with the source's secret.
  InboundMessage message(const std::string& id, const std::string& body) const {
    auto key = slab5::webhook_secret_key(source.signing_secret);
    REQUIRE(key);
    auto t = slab5::now_millis() / 1000;
    return InboundMessage{.source_id = source.source.id,
                          .body = body,
                          .webhook_id = id,
                          .webhook_timestamp = std::to_string(t),
                          .webhook_signature = slab5::standard_signature_header(id, t, body, {*key})};
  }

  std::int64_t activities() { return count("SELECT count(*) FROM activities"); }
  std::int64_t received_events() {
    return count("SELECT count(*) FROM events WHERE type = 'inbound_webhook.received'");
  }
  std::int64_t claims() { return count("SELECT count(*) FROM inbound_messages"); }
};

}  // namespace

TEST_CASE("an inbound message is stored once; its replay is acknowledged as a duplicate") {
  InboundFixture f;
  auto msg = f.message("msg_once", R"({"type": "invoice.paid"})");
  auto first = receive_inbound(*f.db, f.meta, f.settings, msg);
  REQUIRE(first);
  CHECK_FALSE(first->duplicate);
  CHECK_FALSE(first->activity_id.empty());
  CHECK_FALSE(first->event_id.empty());
  auto again = receive_inbound(*f.db, f.meta, f.settings, msg);
  REQUIRE(again);
  CHECK(again->duplicate);
  CHECK(f.activities() == 1);
  CHECK(f.received_events() == 1);
  CHECK(f.claims() == 1);
}

TEST_CASE("a message whose event cannot be written leaves no activity and no claim, so its retry is taken") {
  InboundFixture f;
  // The event log refuses the inbound event (as a full disk or a crash would stop it) after
  // the claim and the activity were written in the same unit of work.
  f.db->exec(
      "CREATE TEMP TRIGGER refuse_inbound_event BEFORE INSERT ON main.audit_events "
      "WHEN NEW.event AND NEW.action = 'inbound_webhook.received' "
      "BEGIN SELECT RAISE(ABORT, 'the event log refuses it'); END");
  auto msg = f.message("msg_retry", R"({"type": "invoice.paid"})");
  bool refused = false;
  try {
    auto r = receive_inbound(*f.db, f.meta, f.settings, msg);
    refused = !r;
  } catch (const std::exception&) {
    refused = true;  // a store failure is unexpected: the edge answers internal_error
  }
  CHECK(refused);
  CHECK(f.activities() == 0);
  CHECK(f.received_events() == 0);
  CHECK(f.claims() == 0);

  f.db->exec("DROP TRIGGER temp.refuse_inbound_event");
  auto retry = receive_inbound(*f.db, f.meta, f.settings, msg);
  REQUIRE(retry);
  CHECK_FALSE(retry->duplicate);
  CHECK(f.activities() == 1);
  CHECK(f.received_events() == 1);
  auto replay = receive_inbound(*f.db, f.meta, f.settings, msg);
  REQUIRE(replay);
  CHECK(replay->duplicate);
  CHECK(f.activities() == 1);
}

TEST_CASE("a message whose activity is refused leaves the id unclaimed; a corrected resend is stored") {
  InboundFixture f;
  f.db->exec(
      "CREATE TEMP TRIGGER refuse_activity BEFORE INSERT ON main.activities "
      "BEGIN SELECT RAISE(ABORT, 'the activity log refuses it'); END");
  auto msg = f.message("msg_fixed", R"({"event": "order.created"})");
  bool refused = false;
  try {
    refused = !receive_inbound(*f.db, f.meta, f.settings, msg);
  } catch (const std::exception&) {
    refused = true;
  }
  CHECK(refused);
  CHECK(f.claims() == 0);
  f.db->exec("DROP TRIGGER temp.refuse_activity");
  auto retry = receive_inbound(*f.db, f.meta, f.settings, f.message("msg_fixed", R"({"event": "order.created"})"));
  REQUIRE(retry);
  CHECK_FALSE(retry->duplicate);
  CHECK(f.activities() == 1);
}
