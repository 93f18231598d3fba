#include "webhooks/delivery_worker.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>

#include "domain/kek.hpp"
#include "domain/webhooks.hpp"
#include "logger.hpp"
#include "slab5/encoding.hpp"
#include "slab5/http_client.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"
#include "slab5/webhook_signature.hpp"
#include "store/event_store.hpp"
#include "store/usage_store.hpp"
#include "store/webhook_store.hpp"
#include "webhooks/address_policy.hpp"
#include "webhooks/signal.hpp"

namespace slab5d {

using slab5::Json;

namespace {

constexpr std::size_t kKeptResponseBytes = 1024;

struct AttemptResult {
  std::optional<int> status_code;
  std::optional<std::string> error;
  std::string body;
  std::int64_t duration_ms = 0;
  bool ok() const { return !error && status_code && *status_code >= 200 && *status_code < 300; }
};

// The signing keys of an endpoint now: its secret, and during a rotation's overlap the one before.
std::vector<std::string> signing_keys(const WebhookEndpoint& e, const std::string& kek, slab5::Millis now) {
  std::vector<std::string> keys;
  auto add = [&](const std::string& sealed) {
    if (auto secret = open_with_kek(kek, kWebhookSecretPurpose, e.id, sealed))
      if (auto key = slab5::webhook_secret_key(*secret)) keys.push_back(std::move(*key));
  };
  add(e.secret_sealed);
  if (e.previous_secret_sealed && e.previous_secret_expires_at && *e.previous_secret_expires_at > now)
    add(*e.previous_secret_sealed);
  return keys;
}

AttemptResult send(slab5::HttpClient& http, const WebhookEndpoint& e, const WebhookDelivery& d,
                   const std::string& event_type, const std::string& body, const std::vector<std::string>& keys,
                   const DeliveryWorkerOptions& opts, const std::atomic<bool>& stop) {
  AttemptResult r;
  auto started = std::chrono::steady_clock::now();
  auto finish = [&] {
    r.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    return r;
  };
  if (keys.empty()) {
    r.error = "the endpoint's signing secret cannot be opened with this server's key";
    return finish();
  }
  slab5::HttpRequest req;
  req.method = "POST";
  req.url = e.url;
  req.body = body;
  req.timeout_ms = opts.timeout_ms;
  req.max_body = kKeptResponseBytes;
  req.cancelled = [&stop] { return stop.load(); };
  if (opts.deny_private) {
    auto origin = slab5::url_origin(e.url);
    if (!origin) {
      r.error = "the endpoint's URL is not an http(s) URL";
      return finish();
    }
    auto pinned = resolve_public(origin->host, origin->port);
    if (!pinned) {
      r.error = pinned.error().effective_message();
      return finish();
    }
    req.resolve = std::move(*pinned);
  }
  std::int64_t t = slab5::now_millis() / 1000;
  req.headers = {{"Content-Type", "application/json"},
                 {"User-Agent", "Slab5-Webhooks/1.0"},
                 {"x-slab5-signature", slab5::slab5_signature_header(t, body, keys)},
                 {"x-slab5-delivery-id", d.id},
                 {"x-slab5-event-id", d.event_id},
                 {"x-slab5-event-type", event_type},
                 {"webhook-id", d.event_id},
                 {"webhook-timestamp", std::to_string(t)},
                 {"webhook-signature", slab5::standard_signature_header(d.event_id, t, body, keys)}};
  auto resp = http.perform(req);
  if (!resp) {
    r.error = resp.error().timeout ? "timed out after " + std::to_string(opts.timeout_ms / 1000) + " s"
                                   : resp.error().message;
    return finish();
  }
  r.status_code = int(resp->status);
  r.body = std::move(resp->body);
  if (!slab5::is_valid_utf8(r.body)) r.body = "(" + std::to_string(r.body.size()) + " bytes, not UTF-8)";
  if (!r.ok()) r.error = "the endpoint answered " + std::to_string(resp->status);
  return finish();
}

// Records one attempt: the delivery's new state, the endpoint's run of failed deliveries (20
// in a row disable it), and the `webhook_delivery` usage event, in one transaction.
void record_attempt(Conn& db, const std::string& delivery_id, const AttemptResult& r, slab5::Millis started_at) {
  Tx tx(db);
  WebhookStore& store = (db).webhooks();
  auto found = store.delivery_by_id(delivery_id);
  if (!found || !*found) return;  // deleted with its endpoint meanwhile
  WebhookDelivery d = std::move(**found);
  auto now = slab5::now_millis();
  std::string now_text = slab5::format_rfc3339(now);
  d.attempt_count += 1;
  Json attempt = {{"at", slab5::format_rfc3339(started_at)},
                  {"status_code", r.status_code ? Json(*r.status_code) : Json(nullptr)},
                  {"duration_ms", r.duration_ms},
                  {"error", r.error ? Json(*r.error) : Json(nullptr)}};
  d.attempts.push_back(std::move(attempt));
  d.last_status_code = r.status_code;
  d.last_error = r.error;
  d.last_response_body = r.status_code ? std::optional<std::string>(r.body) : std::nullopt;
  d.updated_at = now_text;
  bool finished_failed = false;
  if (r.ok()) {
    d.status = "succeeded";
    d.next_attempt_at.reset();
  } else if (d.attempt_count >= d.max_attempts) {
    d.status = "failed";
    d.next_attempt_at.reset();
    finished_failed = true;
  } else {
    d.status = "retrying";
    d.next_attempt_at = now + retry_delay_ms(d.attempt_count);
  }
  if (auto s = store.update_delivery(d); !s) return;
  if (auto e = store.endpoint_by_id(d.endpoint_id); e && *e) {
    WebhookEndpoint ep = std::move(**e);
    bool changed = false;
    if (r.ok() && ep.failed_deliveries_in_row != 0) {
      ep.failed_deliveries_in_row = 0;
      changed = true;
    } else if (finished_failed) {
      ep.failed_deliveries_in_row += 1;
      if (ep.failed_deliveries_in_row >= kDisableAfterFailedDeliveries && ep.status == "active") {
        ep.status = "disabled";
        ep.disabled_at = now_text;
        logger().log(LogLevel::Warn, "webhook endpoint disabled after failed deliveries",
                     {{"endpoint_id", ep.id}, {"failed_deliveries", std::to_string(ep.failed_deliveries_in_row)}});
      }
      changed = true;
    }
    if (changed) {
      ep.updated_at = now_text;
      (void)store.update_endpoint(ep);
    }
  }
  std::string use_id = slab5::new_id("use"), route = "POST " + d.endpoint_id;
  UsageEvent ev{.id = use_id,
                .workspace_id = d.workspace_id,
                .credential_type = "system",
                .credential_id = "",
                .route = route,
                .status = r.status_code.value_or(0),
                .kind = "webhook_delivery",
                .request_id = d.id,
                .created_at = now_text};
  (void)db.usage().append({&ev, 1});
  tx.commit();
}

}  // namespace

DeliveryWorker::DeliveryWorker(DeliveryWorkerOptions opts) : opts_(std::move(opts)) {
  for (int i = 0; i < opts_.senders; ++i) senders_.emplace_back([this] { sender_loop(); });
  dispatcher_ = std::thread([this] { dispatch_loop(); });
}

DeliveryWorker::~DeliveryWorker() { stop(); }

void DeliveryWorker::stop() {
  if (stop_.exchange(true)) return;
  delivery_signal().notify();
  work_cv_.notify_all();
  if (dispatcher_.joinable()) dispatcher_.join();
  for (auto& t : senders_)
    if (t.joinable()) t.join();
}

namespace {
// Holds flock(LOCK_EX) on a file from the first successful take() until destroyed.
class ExclusiveLock {
 public:
  explicit ExclusiveLock(std::string path) : path_(std::move(path)) {}
  ~ExclusiveLock() {
    if (fd_ >= 0) ::close(fd_);  // the lock goes with the descriptor
  }
  ExclusiveLock(const ExclusiveLock&) = delete;
  ExclusiveLock& operator=(const ExclusiveLock&) = delete;
  // True while this process holds the lock (always, for no file); tries once without waiting.
  bool take() {
    if (path_.empty() || held_) return true;
    if (fd_ < 0) fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ >= 0 && ::flock(fd_, LOCK_EX | LOCK_NB) == 0) held_ = true;
    return held_;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool held_ = false;
};
}  // namespace

void DeliveryWorker::dispatch_loop() {
  std::unique_ptr<Conn> db;
  std::uint64_t seen = delivery_signal().current();
  int idle_looks = 0;  // looks in a row that released and handed out nothing
  ExclusiveLock only_worker(opts_.exclusive_lock_file);
  while (!stop_) {
    bool productive = false;
    // Another process on the same database delivers: look again after the usual wait, and
    // take over if it has gone (the kernel releases its lock with it).
    if (!only_worker.take()) {
      for (int i = 0; i < 20 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    try {
      if (!db) db = opts_.open_db();
      bool released = release_queued(*db);
      auto due = db->webhooks().due_deliveries(slab5::now_millis(), 500);
      if (due) {
        int handed = 0;
        {
          std::lock_guard lock(mu_);
          for (auto& d : *due) {
            if (busy_endpoints_.count(d.endpoint_id)) continue;  // one at a time per endpoint, oldest first
            busy_endpoints_.insert(d.endpoint_id);
            queue_.push_back(std::move(d));
            ++handed;
          }
        }
        for (int i = 0; i < handed; ++i) work_cv_.notify_one();
        productive = released || handed > 0;
      }
    } catch (const std::exception& e) {
      logger().log(LogLevel::Error, "webhook dispatcher", {{"error", e.what()}});
      db.reset();
    }
    // Woken by queued events, retries and finished chains; otherwise look again soon, so a
    // moved test clock (api.md §9.1) or a retry falling due is noticed within 200 ms. Under a
    // write load every commit that queues an event wakes it, so looks are at most one per
    // millisecond, and at most one per 10 ms once two in a row found nothing to do: then every
    // endpoint with queued events has its fill of open deliveries, and each with a delivery
    // due has a sender on it that goes on to the next by itself (sender_loop), so the writes'
    // wake-ups would only repeat the look. A single idle look (after a sender's last delivery)
    // does not slow the next event down.
    idle_looks = productive ? 0 : idle_looks + 1;
    auto looked = std::chrono::steady_clock::now();
    delivery_signal().wait(seen, std::chrono::milliseconds(200));
    std::this_thread::sleep_until(looked + std::chrono::milliseconds(idle_looks >= 2 ? 10 : 1));
  }
}

bool DeliveryWorker::release_queued(Conn& db) {
  // A read first, on the dispatcher's own connection: while every endpoint with queued events
  // has its fill of open deliveries, nothing is written.
  auto heads = db.webhooks().queued_heads(kOpenDeliveriesPerEndpoint, kReleaseAtRoom);
  if (!heads || heads->empty()) return false;
  auto release = [](Conn& writer) {
    Tx tx(writer);
    release_queued_deliveries(writer, slab5::now_millis());
    tx.commit();
  };
  if (opts_.write) return opts_.write(release);  // not committed: the events are still queued, and released next time
  release(db);
  return true;
}

DeliveryWorker::Outcome DeliveryWorker::deliver(std::unique_ptr<Conn>& db, slab5::HttpClient& http,
                                                const DueDelivery& job) {
  try {
    if (!db) db = opts_.open_db();
    WebhookStore& store = db->webhooks();
    auto d = store.delivery_by_id(job.id);
    auto e = store.endpoint_by_id(job.endpoint_id);
    if (!d || !*d || !e || !*e || ((*d)->status != "pending" && (*d)->status != "retrying") || (*e)->status != "active")
      return Outcome::Skipped;
    auto ev = db->events().get((*d)->workspace_id, (*d)->event_id, "");
    if (ev && *ev) {
      std::string type = (**ev)["type"].get<std::string>();
      std::string body = (**ev).dump();
      auto started = slab5::now_millis();
      auto result = send(http, **e, **d, type, body, signing_keys(**e, opts_.kek, started), opts_, stop_);
      if (stop_) return Outcome::Failed;
      auto record = [&](Conn& writer) { record_attempt(writer, job.id, result, started); };
      // Not committed (the batch was lost): the delivery is still due and is sent again.
      if (opts_.write) return opts_.write(record) ? Outcome::Sent : Outcome::Failed;
      record(*db);
      return Outcome::Sent;
    } else if (ev) {
      // The event is past its retention: nothing left to send.
      WebhookDelivery gone = std::move(**d);
      gone.status = "failed";
      gone.next_attempt_at.reset();
      gone.last_error = "the event is no longer kept";
      gone.updated_at = slab5::format_rfc3339(slab5::now_millis());
      (void)store.update_delivery(gone);
    }
    return Outcome::Skipped;
  } catch (const std::exception& ex) {
    logger().log(LogLevel::Error, "webhook delivery", {{"delivery_id", job.id}, {"error", ex.what()}});
    db.reset();
    return Outcome::Failed;
  }
}

void DeliveryWorker::sender_loop() {
  std::unique_ptr<Conn> db;
  slab5::HttpClient http;
  while (true) {
    DueDelivery job;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    // The endpoint stays this sender's while it has a delivery due and no other endpoint
    // waits for a sender, up to kChain deliveries: the next is taken as soon as the last is
    // recorded, without waiting for the dispatcher's next look. Otherwise the endpoint goes
    // back to the dispatcher, which hands out the oldest due delivery of all endpoints first,
    // so endpoints beyond the number of senders get their turn after one delivery, not 20.
    constexpr int kChain = 20;
    auto others_waiting = [this] {
      std::lock_guard lock(mu_);
      return !queue_.empty();
    };
    auto outcome = deliver(db, http, job);
    for (int n = 1; outcome == Outcome::Sent && n < kChain && !stop_ && !others_waiting(); ++n) {
      std::optional<DueDelivery> next;
      try {
        if (auto found = db->webhooks().due_delivery_of(job.endpoint_id, slab5::now_millis())) next = *found;
      } catch (const std::exception& ex) {
        logger().log(LogLevel::Error, "webhook delivery", {{"endpoint_id", job.endpoint_id}, {"error", ex.what()}});
        db.reset();
      }
      if (!next) break;
      job = std::move(*next);
      outcome = deliver(db, http, job);
    }
    {
      std::lock_guard lock(mu_);
      busy_endpoints_.erase(job.endpoint_id);
    }
    // After a failure the dispatcher finds the delivery again on its own next look (200 ms),
    // rather than at once: a database that keeps failing is not hammered.
    if (outcome != Outcome::Failed) delivery_signal().notify();
  }
}

}  // namespace slab5d
