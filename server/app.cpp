#include "app.hpp"

#include <cctype>
#include <chrono>
#include <filesystem>
#include <future>
#include <stdexcept>
#include <unordered_map>

#include "api/event_stream.hpp"
#include "bootstrap.hpp"
#include "credential_cache.hpp"
#include "domain/audit.hpp"
#include "domain/credentials.hpp"
#include "domain/kek.hpp"
#include "domain/workspaces.hpp"
#include "http/http_server.hpp"
#include "idempotency.hpp"
#include "logger.hpp"
#include "rate_limiter.hpp"
#include "request_inputs.hpp"
#include "slab5/access.hpp"
#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"
#include "slab5/ids.hpp"
#include "slab5/json_writer.hpp"
#include "slab5/token.hpp"
#include "snapshots.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/pg_db.hpp"
#include "store/sqlite/checkpointer.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/text_index_upkeep.hpp"
#include "usage_recorder.hpp"
#include "webhooks/delivery_worker.hpp"
#include "work_pool.hpp"
#include "write_batcher.hpp"

namespace slab5d {

Actor Ctx::actor() const {
  Actor a;
  if (who.authenticated()) {
    a.type = who.actor_type();
    a.id = who.actor_id();
  }
  a.workspace_id = who.workspace_id;
  a.tenant_id = who.tenant_id;
  a.role = who.role;
  a.scopes = who.scopes;
  a.enabled_modules = who.enabled_modules;
  a.credential_id = who.credential_id;
  a.user_id = who.user_id;
  a.source = who.kind == Principal::Kind::McpClient ? "mcp" : "api";
  return a;
}

namespace {
// SHA-256 of the input with secrets removed (the audit row's input_hash); a body without
// secret fields is hashed as it is, without a copy.
std::string input_hash(const slab5::Json& body) {
  if (body.empty()) return "";
  return slab5::sha256_hex(has_secret_fields(body) ? strip_secrets(body).dump() : body.dump());
}
}  // namespace

const RequestMeta& Ctx::meta() const {
  if (meta_cache) return *meta_cache;
  return meta_cache.emplace(RequestMeta{.request_id = request_id,
                                        .correlation_id = correlation_id,
                                        .route = route.entry.label,
                                        .ip = req.remote_ip,
                                        .user_agent = user_agent(),
                                        .input_hash = input_hash(body)});
}

using slab5::Error;
using slab5::Json;
using slab5::Result;

// ---- Principal ------------------------------------------------------------------------

bool Principal::has_scope(std::string_view s) const {
  for (const auto& x : scopes)
    if (x == s) return true;
  return false;
}
bool Principal::module_enabled(std::string_view m) const {
  for (const auto& x : enabled_modules)
    if (x == m) return true;
  return false;
}
std::string Principal::actor_type() const {
  switch (kind) {
    case Kind::Session:
      return "user";
    case Kind::ApiKey:
      return "api_key";
    case Kind::McpClient:
      return "mcp_client";
    default:
      return "system";
  }
}
std::string Principal::actor_id() const { return kind == Kind::Session ? user_id : credential_id; }
std::string Principal::credential_type() const {
  switch (kind) {
    case Kind::Session:
      return "session";
    case Kind::ApiKey:
      return "api_key";
    case Kind::McpClient:
      return "mcp_client";
    default:
      return "none";
  }
}

// ---- Ctx --------------------------------------------------------------------------------

const std::string& Ctx::param(const std::string& name) const {
  static const std::string empty;
  auto it = params.find(name);
  return it == params.end() ? empty : it->second;
}

std::optional<std::string> Ctx::query(std::string_view name) const {
  std::string_view q = req.query;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    auto eq = part.find('=');
    auto key = percent_decode(part.substr(0, eq));
    if (key == name) return eq == std::string_view::npos ? std::string() : percent_decode(part.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> Ctx::query_pairs() const {
  std::vector<std::pair<std::string, std::string>> out;
  std::string_view q = req.query;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    if (!part.empty()) {
      auto eq = part.find('=');
      out.emplace_back(percent_decode(part.substr(0, eq)),
                       eq == std::string_view::npos ? std::string() : percent_decode(part.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

// ---- App --------------------------------------------------------------------------------

namespace {

// The most writes one batch commits together: bounds a batch's time holding the write lock.
constexpr std::size_t kMaxWriteBatch = 128;
// Writer threads on PostgreSQL, each batching on its own connection (write_batcher.hpp).
constexpr std::size_t kPgWriters = 4;
// How many times a batched write that lost a race (a deadlock, a row lock held past the
// batch's lock_timeout) is run before it answers 503.
constexpr int kRaceAttempts = 30;

// Writes that join the writer's batches: every non-GET route except those on the blocking
// pool (they hash passwords or call out, and must not hold up the batch), streamed uploads
// (their bytes are on disk already; the route finishes them on its own) and the development
// routes (a snapshot restore or a reset replaces the database and needs no transaction open).
bool joins_write_batch(const slab5::RouteEntry& e, const Request& req) {
  if (e.blocking || e.dev || req.body_sink) return false;
  // MCP is one POST route for every tool, most of them reads: on the writer thread they would
  // all run one at a time. Its write tools take the write gate like any Tx outside a batch.
  if (e.access == slab5::Access::Mcp) return false;
  return e.method == "POST" || e.method == "PATCH" || e.method == "PUT" || e.method == "DELETE";
}

std::atomic<std::uint64_t> g_generation{1};

std::int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

bool valid_correlation_id(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

}  // namespace

App::App(Config cfg) : cfg_(std::move(cfg)), generation_(g_generation++) {
  postgres_ = is_postgres_url(cfg_.db_path);
  if (postgres_) {
    // Several instances share the database: what they keep beside it must be shared too, so
    // it is named, never derived from a file path (docs/postgres.md).
    if (cfg_.kek_file.empty() || cfg_.assets_dir.empty())
      throw std::runtime_error("a postgres:// database needs --kek-file and --assets-dir, shared by every instance");
    db_path_ = cfg_.db_path;
    assets_dir_ = cfg_.assets_dir;
    kek_file_ = cfg_.kek_file;
    snapshots_ = std::make_unique<Snapshots>("");
  } else {
    db_path_ = resolve_db_path(cfg_.db_path, throwaway_);
    assets_dir_ = cfg_.assets_dir.empty() ? db_path_ + ".assets" : cfg_.assets_dir;
    kek_file_ = cfg_.kek_file.empty() ? kek_path(db_path_, throwaway_) : cfg_.kek_file;
    snapshots_ = std::make_unique<Snapshots>(db_path_ + ".snapshots");
  }
  rate_limiter_ =
      std::make_unique<RateLimiter>(cfg_.rate_limit_enabled, cfg_.rate_limit_per_second, cfg_.rate_limit_burst);
  pool_ = std::make_unique<WorkPool>(2);
  register_system_routes(*this);
  register_identity_routes(*this);
  register_workspace_routes(*this);
  register_member_routes(*this);
  register_credential_routes(*this);
  register_audit_usage_routes(*this);
  register_invitation_routes(*this);
  register_resource_routes(*this);
  register_event_routes(*this);
  register_asset_routes(*this);
  register_webhook_routes(*this);
  register_mcp_routes(*this);
  if (cfg_.dev_routes) register_dev_routes(*this);
  // Every entry of the route table has its handler, and every handler its entry: otherwise
  // slab5d does not start.
  router_.require_complete(cfg_.dev_routes);
}

App::~App() { shutdown(); }

void App::shutdown() {
  stop_event_streams(generation_);
  if (deliveries_) deliveries_->stop();
  if (pool_) pool_->stop();
  if (batcher_) batcher_->stop();
  if (usage_) usage_->stop();
  if (checkpointer_) checkpointer_->stop();
  if (throwaway_) {
    std::error_code ec;
    std::filesystem::path p(db_path_);
    for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path_ + suffix, ec);
    if (cfg_.assets_dir.empty()) std::filesystem::remove_all(assets_dir_, ec);  // only the one it made
    snapshots_->remove_all();
    std::filesystem::remove(p.parent_path(), ec);
    throwaway_ = false;
  }
}

Conn& App::db() {
  struct Slot {
    std::uint64_t generation = 0;
    std::unique_ptr<Conn> db;
    std::vector<std::unique_ptr<Conn>> retired;
  };
  thread_local Slot slot;
  if (!slot.db || slot.generation != generation_) {
    slot.db.reset();
    slot.retired.clear();
    slot.db = open_connection();
    slot.generation = generation_;
  } else if (postgres_ && !slot.db->in_transaction() && !static_cast<PgDb&>(*slot.db).conn().alive()) {
    // The server closed the connection (a restart, a failover, idle_session_timeout): the
    // next request gets a new one. The old one stays until later, since a caller up the stack
    // may still hold it; it answers every statement with an error.
    if (slot.retired.size() >= 4) slot.retired.erase(slot.retired.begin());
    slot.retired.push_back(std::move(slot.db));
    slot.db = open_connection();
  }
  return *slot.db;
}

std::unique_ptr<Conn> App::open_connection() const {
  if (postgres_) return PgDb::open(db_path_);
  auto db = Db::open(db_path_, false);
  db->disable_auto_checkpoint();  // checkpointer_ does it, off the request path
  return db;
}

std::string App::database_label() {
  if (postgres_) return db().database_id();
  return throwaway_ ? std::string(":memory:") : db_path_;
}

App::StartInfo App::prepare(const std::string& owner_email, const std::string& owner_password) {
  // Held from the migrations until the first owner exists: instances that start together on a
  // new PostgreSQL database make one owner, not one each.
  std::unique_ptr<PgDb> start_lock;
  if (postgres_) {
    start_lock = PgDb::open(db_path_);
    start_lock->conn().exec("SELECT pg_advisory_lock(" + std::to_string(kPgBootstrapLockKey) + ")");
    pg_migrate(start_lock->conn());
    // Every instance takes from the same buckets (api.md §1: the limit is per workspace).
    rate_limiter_->share([this](const std::string& workspace_id, double rate, double burst) {
      // A connection of its own per thread: the take commits at once, never inside a write
      // batch whose locks it would hold, or whose rollback would give the token back.
      struct Slot {
        std::uint64_t generation = 0;
        std::unique_ptr<PgConn> conn;
      };
      thread_local Slot slot;
      if (!slot.conn || slot.generation != generation_ || !slot.conn->alive()) {
        slot.conn = PgConn::open(db_path_);
        slot.generation = generation_;
      }
      auto t = pg_take_rate_token(*slot.conn, workspace_id, rate, burst);
      return RateLimiter::Taken{t.allowed, t.tokens};
    });
  } else {
    auto db = Db::open(db_path_, true);
    migrate(*db);
    db.reset();
    checkpointer_ = std::make_unique<Checkpointer>(db_path_);
  }
  usage_ = std::make_unique<UsageRecorder>([this] { return open_connection(); });
  WriteBatcher::IdleWork idle;
  if (!postgres_)
    // The writer thread's connection is its db(): the SQLite upkeep runs on that.
    idle =
        WriteBatcher::IdleWork{.due = [this](Conn&) { return text_index_merge_due(static_cast<Db&>(this->db())); },
                               .step = [this](Conn&) { return merge_text_index_step(static_cast<Db&>(this->db())); }};
  batcher_ = std::make_unique<WriteBatcher>([this]() -> Conn& { return this->db(); }, kMaxWriteBatch, std::move(idle),
                                            postgres_ ? kPgWriters : 1,
                                            [](const std::function<void()>& answer) {
                                              AnswerBatch batch;
                                              answer();
                                            });
  deliveries_ = std::make_unique<DeliveryWorker>(DeliveryWorkerOptions{
      .open_db = [this] { return open_connection(); },
      .write = [this](std::function<void(Conn&)> record) { return run_in_write_batch(std::move(record)); },
      .kek = key_encryption_key(kek_file_),
      // SQLite has no claims of deliveries: of several slab5d on one file, one delivers.
      .exclusive_lock_file = postgres_ || throwaway_ ? std::string() : db_path_ + ".delivery-lock",
      .deny_private = cfg_.webhook_deny_private});
  auto info = bootstrap_if_new(*this, owner_email, owner_password);
  start_lock.reset();  // the session ends, and its lock with it
  // What POST /v1/dev/reset returns to: this state, with the key and password just made.
  if (info.created && !postgres_) {
    try {
      snapshots_->save_first_start(static_cast<Db&>(App::db()));
    } catch (const std::exception& e) {
      // Serving matters more than reset: POST /v1/dev/reset then answers conflict.
      logger().log(LogLevel::Warn, "cannot save the first-start state", {{"error", e.what()}});
    }
  }
  return info;
}

bool App::run_in_write_batch(std::function<void(Conn&)> work) {
  auto done = std::make_shared<std::promise<bool>>();
  auto committed = done->get_future();
  batcher_->post([this, work = std::move(work), done] {
    bool ran = true;
    try {
      work(db());
    } catch (const std::exception& e) {
      logger().log(LogLevel::Error, "write on the write path", {{"error", e.what()}});
      ran = false;
    }
    WriteBatcher::after_commit([done, ran](bool ok) { done->set_value(ran && ok); });
  });
  return committed.get();
}

void App::state_replaced() {
  credential_cache::invalidate_all();
  for (auto& forget : on_state_replaced_) forget();
}

namespace {

// Runs `f`, turning what escapes it into the answer api.md §1 gives: a database that stays
// busy is service_unavailable, anything else internal_error (logged with the request id).
// Set by guarded() when the call's transaction lost a race with another (StoreError::lost_race):
// a batched write is then run again in a later batch rather than answered (run_batched).
thread_local bool t_lost_race = false;

template <class F>
Result<Reply> guarded(const std::string& request_id, F&& f) {
  try {
    return f();
  } catch (const StoreError& e) {
    if (e.lost_race()) {
      // Contention, not a fault: a batched write runs again (run_batched).
      t_lost_race = true;
      logger().log(LogLevel::Warn, "lost a race with another transaction",
                   {{"request_id", request_id}, {"error", e.what()}});
    } else {
      logger().log(LogLevel::Error, "database error", {{"request_id", request_id}, {"error", e.what()}});
    }
    return tl::unexpected(
        Error{e.busy() ? "service_unavailable" : "internal_error", e.busy() ? "The database is busy; try again." : ""});
  } catch (const std::exception& e) {
    logger().log(LogLevel::Error, "unexpected error", {{"request_id", request_id}, {"error", e.what()}});
    return tl::unexpected(Error{"internal_error"});
  }
}

// The same call with this thread's connection (a parked request may resume on another
// pool thread).
Ctx rebind(Ctx&& c, Conn& db) {
  return Ctx{c.app,
             c.req,
             c.route,
             db,
             std::move(c.params),
             std::move(c.who),
             std::move(c.request_id),
             std::move(c.correlation_id),
             std::move(c.body),
             std::move(c.response_headers),
             std::move(c.meta_cache),
             std::move(c.prepared)};
}

}  // namespace

void App::handle(Request&& req_in, Respond respond) {
  auto start = now_us();
  auto req = std::make_shared<Request>(std::move(req_in));
  std::string_view corr_header = req->header("x-correlation-id");

  // Requests that reach a route get their id in run_pipeline; only refusals need one here.
  auto refuse = [&](Error e, const std::string& pattern, HeaderPairs extra = {}) {
    std::string request_id = slab5::request_id();
    auto resp = finish(nullptr, *req, pattern, request_id, std::string(corr_header.empty() ? request_id : corr_header),
                       tl::unexpected(std::move(e)), start);
    for (auto& h : extra) resp.headers.push_back(std::move(h));
    respond(std::move(resp));
  };

  if (req->transport_error) return refuse(*req->transport_error, "-");
  // A NUL character is refused wherever text comes in (request_inputs.hpp holds_nul_escape).
  if (req->path.find("%00") != std::string::npos || req->query.find("%00") != std::string::npos)
    return refuse(Error{"invalid_request", "The path and query may not contain a NUL character (%00)."}, "-");
  if (req->has_header("x-correlation-id") && !valid_correlation_id(corr_header)) {
    corr_header = {};
    return refuse(Error{"invalid_request", "x-correlation-id must be 1-128 printable ASCII characters."}, "-");
  }
  auto m = router_.match(req->method, req->path);
  if (!m.route) {
    if (!m.allowed.empty()) {
      std::string allow;
      for (const auto& a : m.allowed) allow += (allow.empty() ? "" : ", ") + a;
      return refuse(Error{"method_not_allowed", "Use " + allow + " on this route."}, "-", {{"Allow", allow}});
    }
    return refuse(Error{"resource_not_found", "No route matches " + req->method + " " + req->path + "."}, "-");
  }
  if (m.route->entry.blocking) {
    pool_->post([this, req, m = std::move(m), respond = std::move(respond), start]() mutable {
      run_pipeline(req, m, respond, start);
    });
    return;
  }
  if (batcher_ && joins_write_batch(m.route->entry, *req)) {
    // The checks of api.md §1 (authentication … rate limit, and the body parsed) run here, on
    // the I/O thread, and only what they let through goes to the one writer thread: a refusal
    // is answered without waiting for a write batch, and the writer spends its time on writes.
    // Routes whose refusals are themselves written down (an audited refusal) are checked on
    // the writer, where that write joins the batch.
    auto admitted = std::make_shared<std::optional<Ctx>>();
    if (!m.route->on_refused && !m.route->on_scope_refused) {
      std::string request_id = slab5::request_id();
      std::string corr(corr_header.empty() ? std::string_view(request_id) : corr_header);
      Result<Reply> checked = guarded(request_id, [&]() -> Result<Reply> {
        admitted->emplace(Ctx{*this, *req, *m.route, db(), m.params, {}, request_id, corr});
        if (auto refused = admit(**admitted)) return tl::unexpected(std::move(*refused));
        // The call's audit metadata (its input hash among it) is made here too, not on the
        // writer thread, which every write waits for.
        (void)(*admitted)->meta();
        if (m.route->prepare) m.route->prepare(**admitted);
        return Reply{};
      });
      if (!checked) {
        Ctx* ctx = admitted->has_value() ? &**admitted : nullptr;
        respond(finish(ctx, *req, m.route->entry.label, request_id, corr, std::move(checked), start));
        return;
      }
    }
    batcher_->post([this, req, m = std::move(m), respond = std::move(respond), start, admitted]() mutable {
      run_batched(req, m, std::move(respond), start, admitted->has_value() ? admitted.get() : nullptr);
    });
    return;
  }
  run_pipeline(req, m, respond, start);
}

void App::run_batched(const std::shared_ptr<Request>& req, const RouteMatch& m, Respond respond, std::int64_t start_us,
                      std::optional<Ctx>* admitted, int attempt) {
  // The answer is held until the batch settles. A create parked on another request's
  // idempotency key answers later, on its own, when it resumes (outside any batch).
  struct Held {
    std::mutex mu;
    bool settled = false;
    std::optional<Response> response;
    Respond respond;
  };
  auto held = std::make_shared<Held>();
  held->respond = std::move(respond);
  Respond capture = [held](Response&& r) {
    std::unique_lock lk(held->mu);
    if (!held->settled) {
      held->response = std::move(r);
      return;
    }
    lk.unlock();
    held->respond(std::move(r));
  };
  bool again = false;
  run_pipeline(req, m, capture, start_us, admitted, attempt < kRaceAttempts ? &again : nullptr);
  if (again) {
    // The call lost a race with another transaction (PostgreSQL: a deadlock with another
    // instance's batch), whose locks this batch may still hold: it runs again, whole, in a
    // batch after this one has committed and let them go.
    WriteBatcher::after_commit([this, held, req, m, start_us, attempt](bool) {
      batcher_->post([this, req, m, respond = std::move(held->respond), start_us, attempt]() mutable {
        run_batched(req, m, std::move(respond), start_us, nullptr, attempt + 1);
      });
    });
    return;
  }
  WriteBatcher::after_commit([this, held, req, label = m.route->entry.label, start_us](bool committed) {
    std::unique_lock lk(held->mu);
    held->settled = true;
    if (!held->response) return;
    Response r = std::move(*held->response);
    held->response.reset();
    lk.unlock();
    if (!committed) {
      std::string request_id, correlation_id;
      for (const auto& [k, v] : r.headers) {
        if (k == "x-request-id") request_id = v;
        if (k == "x-correlation-id") correlation_id = v;
      }
      r = finish(nullptr, *req, label, request_id, correlation_id,
                 tl::unexpected(Error{"service_unavailable", "The write could not be committed; try again."}),
                 start_us);
    }
    held->respond(std::move(r));
  });
}

// A create whose idempotency key another request holds: parked until that one finishes.
struct App::Parked {
  std::shared_ptr<Request> req;  // what ctx refers to
  std::optional<Ctx> ctx;
  Respond respond;
  std::int64_t start_us = 0;
  IdempotencySlot slot;
  std::chrono::steady_clock::time_point deadline;
  std::chrono::milliseconds next_wait{10};
};

void App::run_pipeline(const std::shared_ptr<Request>& req_ptr, const RouteMatch& m, Respond& respond,
                       std::int64_t start_us, std::optional<Ctx>* admitted, bool* run_again) {
  Request& req = *req_ptr;
  t_lost_race = false;
  std::string request_id, corr;
  if (admitted && admitted->has_value()) {
    request_id = (*admitted)->request_id;
    corr = (*admitted)->correlation_id;
  } else {
    request_id = slab5::request_id();
    corr = std::string(req.header("x-correlation-id"));
    if (corr.empty()) corr = request_id;
  }
  std::optional<Ctx> ctx;
  std::optional<IdempotencySlot> slot;
  bool parked = false;
  Result<Reply> result = guarded(request_id, [&]() -> Result<Reply> {
    if (admitted && admitted->has_value()) {
      // Checked on the I/O thread: the call goes on with this thread's connection.
      ctx.emplace(rebind(std::move(**admitted), db()));
      admitted->reset();
    } else {
      ctx.emplace(Ctx{*this, req, *m.route, db(), m.params, {}, request_id, corr});
      if (auto refused = admit(*ctx)) return tl::unexpected(std::move(*refused));
    }
    // the operation; routes that create take idempotency keys (idempotency.cpp)
    if (!m.route->entry.creates) return m.route->handler(*ctx);
    auto s = idempotency_slot(*ctx);
    if (!s) return tl::unexpected(s.error());
    if (!*s) return m.route->handler(*ctx);
    slot = std::move(*s);
    Result<Reply> answer = tl::unexpected(Error{"internal_error"});
    switch (idempotency_claim(*ctx, *slot, answer)) {
      case ClaimOutcome::Run:
        return idempotency_run(*ctx, *slot, m.route->handler);
      case ClaimOutcome::Answered:
        return answer;
      case ClaimOutcome::InFlight:
        break;
    }
    if (!req.timers) return tl::unexpected(idempotency_still_running(*slot));
    parked = true;
    return answer;
  });
  if (parked) {
    auto p = std::make_shared<Parked>();
    p->req = req_ptr;
    p->ctx.emplace(std::move(*ctx));
    p->respond = std::move(respond);
    p->start_us = start_us;
    p->slot = std::move(*slot);
    p->deadline = std::chrono::steady_clock::now() + kIdempotencyWait;
    park(std::move(p));
    return;
  }
  if (run_again && t_lost_race) {
    // Nothing of this attempt stays (its savepoint is rolled back) and nothing was answered,
    // logged or counted: the caller runs it again.
    t_lost_race = false;
    *run_again = true;
    return;
  }
  respond(finish(ctx ? &*ctx : nullptr, req, m.route->entry.label, request_id, corr, std::move(result), start_us));
}

// Waits on the connection's timer, then asks for the key again: on the I/O thread that read
// the request, or on the blocking pool for a blocking route.
void App::park(std::shared_ptr<Parked> p) {
  auto wait = p->next_wait;
  p->next_wait = std::min(wait * 2, std::chrono::milliseconds(100));
  Timers* timers = p->ctx->req.timers;
  timers->after(wait, [this, p = std::move(p)]() mutable {
    if (p->ctx->route.entry.blocking)
      pool_->post([this, p = std::move(p)]() mutable { resume(std::move(p)); });
    else
      resume(std::move(p));
  });
}

void App::resume(std::shared_ptr<Parked> p) {
  const std::string request_id = p->ctx->request_id;  // a copy: ctx is rebuilt below
  bool parked = false;
  Result<Reply> result = guarded(request_id, [&]() -> Result<Reply> {
    if (Conn& here = db(); &p->ctx->db != &here) {
      Ctx moved = rebind(std::move(*p->ctx), here);
      p->ctx.reset();
      p->ctx.emplace(std::move(moved));
    }
    Ctx& ctx = *p->ctx;
    Result<Reply> answer = tl::unexpected(Error{"internal_error"});
    switch (idempotency_claim(ctx, p->slot, answer)) {
      case ClaimOutcome::Run:
        return idempotency_run(ctx, p->slot, ctx.route.handler);
      case ClaimOutcome::Answered:
        return answer;
      case ClaimOutcome::InFlight:
        break;
    }
    if (std::chrono::steady_clock::now() >= p->deadline) return tl::unexpected(idempotency_still_running(p->slot));
    parked = true;
    return answer;
  });
  if (parked) return park(std::move(p));
  Ctx& ctx = *p->ctx;
  p->respond(
      finish(&ctx, ctx.req, ctx.route.entry.label, ctx.request_id, ctx.correlation_id, std::move(result), p->start_us));
}

namespace {

// Session tokens this thread has verified (by token hash) and session users' roles, emptied
// together with the credential cache (credential_cache::auth_epoch): any commit that moves the
// auth version — a logout, a session revoked, a role changed, a member removed, a signing key
// rotated — is seen by the next request. An entry is used only until its token or its session ends; refusals are
// never remembered.
struct SessionCache {
  std::uint64_t epoch = ~std::uint64_t(0);
  std::unordered_map<std::string, Principal> principals;
  std::unordered_map<std::string, std::string> roles;  // workspace id + '\n' + user id

  SessionCache& current() {
    if (auto e = credential_cache::auth_epoch(); e != epoch) {
      principals.clear();
      roles.clear();
      epoch = e;
    }
    return *this;
  }
};

SessionCache& session_cache() {
  thread_local SessionCache c;
  return c.current();
}

constexpr std::size_t kMaxSessionEntries = 4096;

}  // namespace

// Step 1's facts: the token's kind by its shape and, when the route takes that kind at all,
// whether it authenticates (ctx.who is then the credential). `error` says why not.
void App::authenticate(Ctx& ctx, slab5::Caller& caller, std::optional<Error>& error) {
  using Kind = slab5::Caller::Kind;
  auto bearer = bearer_token_of(ctx.req.header("authorization"));
  if (!bearer) {
    error = bearer.error();
    return;
  }
  std::string_view token = *bearer;
  auto kind = slab5::token_kind(token);
  if (kind == slab5::TokenKind::Jwt) {
    credential_cache::validate(generation_, ctx.db);  // the workspace lookup uses the cache
    caller.kind = Kind::Session;
    if (!slab5::accepts_kind(ctx.route.entry.access, caller.kind)) return;  // refused by its kind
    if (!session_verifier_) {
      error = Error{"unauthorized", "Session tokens are not accepted here."};
      return;
    }
    auto& cache = session_cache();
    std::string hash = slab5::token_hash(token);
    if (auto it = cache.principals.find(hash); it != cache.principals.end()) {
      auto now = slab5::now_millis();
      if (now < it->second.token_expires_at_ms && now < it->second.session_expires_at_ms) {
        ctx.who = it->second;
        caller.authenticated = true;
        return;
      }
      cache.principals.erase(it);  // ended: the verifier below says how
    }
    auto p = session_verifier_(ctx.db, token);
    if (!p) {
      error = std::move(p.error());
      return;
    }
    if (cache.principals.size() >= kMaxSessionEntries) cache.principals.clear();
    cache.principals.emplace(std::move(hash), *p);
    ctx.who = std::move(*p);
    caller.authenticated = true;
    return;
  }
  if (kind != slab5::TokenKind::ApiKey && kind != slab5::TokenKind::McpClient) {
    error = Error{"unauthorized", "The bearer token is not a Slab5 token."};
    return;
  }
  // The checksum rejects typos and look-alikes without touching the database.
  if (!slab5::token_checksum_ok(token)) {
    error = Error{"unauthorized", "The token is malformed (its checksum does not match)."};
    return;
  }
  // An MCP client token opens the MCP gateway, and GET /v1/me so it can learn its own scopes
  // (slab5::accepts_kind); an API key everything but the gateway.
  caller.kind = kind == slab5::TokenKind::ApiKey ? Kind::ApiKey : Kind::McpClient;
  if (!slab5::accepts_kind(ctx.route.entry.access, caller.kind)) return;
  // Credentials come from this thread's cache, which a change by any connection empties.
  credential_cache::validate(generation_, ctx.db);
  auto* entry = credential_cache::find(generation_, ctx.db, slab5::token_hash(token));
  const char* noun = kind == slab5::TokenKind::ApiKey ? "API key" : "MCP client token";
  if (!entry) {
    error = Error{"unauthorized", std::string("The ") + noun + " is not valid."};
    return;
  }
  const Credential& cred = entry->credential;
  auto now = slab5::now_millis();
  if (cred.revoked_at) {
    error = Error{"unauthorized", std::string("The ") + noun + " has been revoked."};
    return;
  }
  if (entry->expires_at_ms != 0 && entry->expires_at_ms <= now) {
    error = Error{"unauthorized", std::string("The ") + noun + " has expired."};
    return;
  }
  ctx.who.kind = kind == slab5::TokenKind::ApiKey ? Principal::Kind::ApiKey : Principal::Kind::McpClient;
  ctx.who.credential_id = cred.id;
  ctx.who.credential_name = cred.name;
  ctx.who.workspace_id = cred.workspace_id;
  ctx.who.scopes = cred.scopes;
  ctx.who.token_expires_at_ms = entry->expires_at_ms;
  credential_cache::touch(generation_, ctx.db, *entry, now);
  caller.authenticated = true;
}

// Step 2's facts: the workspace a session names (and the user's role in it) or a
// credential's own, and whether it still exists (with its modules).
void App::resolve_workspace(Ctx& ctx, slab5::Caller& caller) {
  std::string_view header = ctx.req.header("x-workspace-id");
  caller.workspace_header = header;
  bool resolved = false;
  if (ctx.who.is_session()) {
    if (header.empty()) return;
    auto& cache = session_cache();
    std::string key = std::string(header) + '\n' + ctx.who.user_id;
    std::optional<std::string> role;
    if (auto it = cache.roles.find(key); it != cache.roles.end()) {
      role = it->second;
    } else {
      role = membership_role(ctx.db, std::string(header), ctx.who.user_id);
      if (role) {
        if (cache.roles.size() >= kMaxSessionEntries) cache.roles.clear();
        cache.roles.emplace(std::move(key), *role);
      }
    }
    if (!role) return;
    caller.member = true;
    ctx.who.workspace_id = std::string(header);
    ctx.who.role = *role;
    ctx.who.scopes = slab5::scopes_for_role(*role);
    resolved = true;
  } else {
    caller.credential_workspace = ctx.who.workspace_id;
    resolved = header.empty() || header == ctx.who.workspace_id;
  }
  if (!resolved) return;
  auto* ws = credential_cache::workspace(generation_, ctx.db, ctx.who.workspace_id);
  if (!ws) {
    caller.workspace_exists = false;
    return;
  }
  ctx.who.tenant_id = ws->tenant_id;
  ctx.who.enabled_modules = ws->enabled_modules;
}

std::optional<Error> App::admit(Ctx& ctx) {
  const Route& route = ctx.route;
  // 1. authentication … 5. role: the facts, then slab5::first_refusal decides in api.md §1's
  // order (the same function `slab5 doctor --route` calls).
  if (route.screen)
    if (auto refused = route.screen(ctx)) return refused;
  if (route.entry.access != Access::Public) {
    slab5::Caller caller;
    std::optional<Error> auth_error;
    authenticate(ctx, caller, auth_error);
    if (caller.authenticated && slab5::needs_workspace(route.entry.access)) resolve_workspace(ctx, caller);
    if (auth_error) caller.auth_error = &*auth_error;
    caller.role = ctx.who.role;
    caller.scopes = std::span<const std::string>(ctx.who.scopes);
    caller.enabled_modules = std::span<const std::string>(ctx.who.enabled_modules);
    auto check = slab5::first_refusal(route.entry, caller);
    if (check.refusal) {
      if (check.refusal->code == "missing_required_scope" && route.on_scope_refused)
        route.on_scope_refused(ctx, *check.refusal);
      if (route.on_refused) route.on_refused(ctx, *check.refusal);
      return std::move(check.refusal);
    }
  }
  // 6. rate limit (per workspace)
  if (!ctx.who.workspace_id.empty() && rate_limiter_->enabled()) {
    auto d = rate_limiter_->take(ctx.who.workspace_id);
    ctx.response_headers.emplace_back("RateLimit-Limit", std::to_string(d.limit));
    ctx.response_headers.emplace_back("RateLimit-Remaining", std::to_string(d.remaining));
    ctx.response_headers.emplace_back("RateLimit-Reset", std::to_string(d.reset_seconds));
    if (!d.allowed) {
      ctx.response_headers.emplace_back("Retry-After", std::to_string(d.retry_after_seconds));
      return Error{"rate_limited", "", {{"retry_after_seconds", d.retry_after_seconds}}};
    }
  }
  // 7. the body: JSON object or nothing (a streamed body is the route's own, not JSON)
  if (ctx.req.body_sink || route.reads_own_body) return std::nullopt;
  // An inbound webhook's body is verified byte for byte, whatever its type (api.md §8.4).
  if (ctx.route.entry.id == "webhooks.inbound") return std::nullopt;
  auto body = read_json_body(ctx.req.method, ctx.req.header("content-type"), ctx.req.body);
  if (!body) return std::move(body.error());
  if (!body->empty()) ctx.body = std::move(*body);  // else it stays the empty object
  return std::nullopt;
}

Response App::finish(Ctx* ctx, const Request& req, const std::string& route_pattern, const std::string& request_id,
                     const std::string& correlation_id, Result<Reply>&& result, std::int64_t start_us) {
  Response resp;
  if (result) {
    Reply& r = *result;
    resp.status = r.status;
    if (r.stream) {
      resp.stream = std::move(r.stream);
    } else if (r.file) {
      resp.file = std::move(r.file);
    } else if (r.raw_body) {
      resp.body = std::move(*r.raw_body);
    } else if (!r.no_body) {
      resp.body.reserve(512);
      resp.body += "{\"data\":";
      if (r.data_text)
        resp.body += *r.data_text;
      else
        slab5::append_json(resp.body, r.data);  // what dump() writes, without its per-character cost
      if (r.next_cursor) {
        resp.body += ",\"next_cursor\":";
        resp.body += Json(*r.next_cursor).dump();
      }
      resp.body += ",\"request_id\":\"";
      resp.body += request_id;
      resp.body += "\"}";
    }
    if (!r.no_body) resp.headers.emplace_back("Content-Type", r.content_type);
    for (auto& h : r.headers) resp.headers.push_back(std::move(h));
  } else {
    const Error& e = result.error();
    resp.status = e.http_status();
    resp.body = slab5::error_envelope(e, request_id).dump(-1, ' ', false, Json::error_handler_t::replace);
    resp.headers.emplace_back("Content-Type", "application/json");
    if (e.retry_after_seconds) resp.headers.emplace_back("Retry-After", std::to_string(*e.retry_after_seconds));
    if (e.code == "internal_error" || e.code == "service_unavailable")
      logger().log(LogLevel::Warn, "request failed", {{"request_id", request_id}, {"code", e.code}});
  }
  resp.headers.emplace_back("x-request-id", request_id);
  resp.headers.emplace_back("x-correlation-id", correlation_id);
  if (ctx)
    for (auto& h : ctx->response_headers) resp.headers.push_back(h);

  bool authed = ctx && ctx->who.authenticated();
  logger().request({.request_id = request_id,
                    .correlation_id = correlation_id,
                    .method = req.method,
                    .route = route_pattern,
                    .status = resp.status,
                    .duration_us = now_us() - start_us,
                    .credential = authed ? std::string_view(ctx->who.credential_id) : std::string_view("-"),
                    .remote = req.remote_ip.empty() ? std::string_view("-") : std::string_view(req.remote_ip)});
  if (ctx && ctx->who.authenticated() && !ctx->who.workspace_id.empty() && usage_ && !ctx->usage_recorded()) {
    std::string id = slab5::new_id("use"), type = ctx->who.credential_type(),
                at = slab5::format_rfc3339(slab5::now_millis());
    UsageEvent ev;
    ev.id = id;
    ev.workspace_id = ctx->who.workspace_id;
    ev.credential_type = type;
    ev.credential_id = ctx->who.credential_id;
    ev.route = route_pattern;
    ev.status = resp.status;
    ev.request_id = request_id;
    ev.created_at = at;
    usage_->record(ev);
  }
  return resp;
}

}  // namespace slab5d
