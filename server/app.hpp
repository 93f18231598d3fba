// The slab5d application: the route table, the one middleware that runs api.md §1's check
// order for every route, per-thread database connections, and the process-wide services
// (usage buffer, rate limiter, blocking pool) that handlers reach through Ctx.
#pragma once
#include <any>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "domain/actor.hpp"
#include "http/message.hpp"
#include "request_inputs.hpp"
#include "router.hpp"
#include "store/conn.hpp"
#include "store/store_error.hpp"

namespace slab5d {

class App;
class UsageRecorder;
class RateLimiter;
class WorkPool;
class WriteBatcher;
class Checkpointer;
class DeliveryWorker;
class Snapshots;
struct Workspace;

// Who is calling, after authentication and workspace resolution.
struct Principal {
  enum class Kind { None, Session, ApiKey, McpClient };
  Kind kind = Kind::None;
  std::string credential_id;  // ses_… for sessions, key_… / mcp_… for credentials
  std::string user_id;        // sessions: the user
  std::string credential_name;
  std::string workspace_id;
  std::string tenant_id;
  std::string role;  // sessions: the user's role in the workspace
  std::vector<std::string> scopes;
  std::vector<std::string> enabled_modules;
  std::int64_t token_expires_at_ms = 0;
  std::int64_t session_expires_at_ms = 0;  // sessions: when the session itself ends

  bool authenticated() const { return kind != Kind::None; }
  bool is_session() const { return kind == Kind::Session; }
  bool has_scope(std::string_view s) const;
  bool module_enabled(std::string_view m) const;
  std::string actor_type() const;  // user | api_key | mcp_client | system
  std::string actor_id() const;
  std::string credential_type() const;  // session | api_key | mcp_client
};

// What one handler invocation sees.
struct Ctx {
  App& app;
  const Request& req;
  const Route& route;
  Conn& db;
  std::unordered_map<std::string, std::string> params;
  Principal who;
  std::string request_id;
  std::string correlation_id;
  slab5::Json body = slab5::Json::object();  // the parsed JSON object (empty when no body)
  HeaderPairs response_headers;              // added to the reply

  const std::string& param(const std::string& name) const;
  // Query string lookup (percent-decoded); nullopt when absent.
  std::optional<std::string> query(std::string_view name) const;
  // Every query parameter, percent-decoded, in order.
  std::vector<std::pair<std::string, std::string>> query_pairs() const;
  std::string user_agent() const { return std::string(req.header("user-agent")); }
  // Who acts, and where the call came from: what a domain rule takes instead of this Ctx.
  // meta() is built on first use and kept: a WriteUnit marks on it that the call's usage
  // event went in with the write.
  Actor actor() const;
  const RequestMeta& meta() const;
  bool usage_recorded() const { return meta_cache && meta_cache->usage_recorded; }
  mutable std::optional<RequestMeta> meta_cache = std::nullopt;  // meta()'s; not set by hand
  // What the route's prepare step made before the call reached the writer thread (router.hpp).
  std::any prepared = {};
};

// Verifies a session JWT into a Principal (kind, credential_id = ses_…, user_id) or an
// unauthorized error. Installed by the identity routes.
using SessionVerifier = std::function<slab5::Result<Principal>(Conn&, std::string_view token)>;

class App {
 public:
  explicit App(Config cfg);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Opens the database, applies migrations and creates the first owner on a new database.
  // Returns the first-start lines to print (empty on later starts).
  struct StartInfo {
    bool created = false;
    std::string api_key;  // shown once
    std::string owner_email;
    std::string owner_password;  // shown once
    std::string workspace_id;
  };
  StartInfo prepare(const std::string& owner_email = {}, const std::string& owner_password = {});

  // The HTTP entry point.
  void handle(Request&& req, Respond respond);

  // Called once the listener knows its real port.
  void set_base_url(std::string url) { base_url_ = std::move(url); }
  const std::string& base_url() const { return base_url_; }

  // Stop background work and flush buffered usage events.
  void shutdown();

  // This thread's connection: SQLite's Db, or a PgDb when --db is a postgres:// URL.
  Conn& db();
  // Whether the database is a PostgreSQL server (docs/postgres.md): several slab5d may share
  // it, so what lives in one process's memory (the test clock, snapshots) is refused.
  bool postgres() const { return postgres_; }
  std::uint64_t generation() const { return generation_; }  // keys this App's per-thread caches
  const Config& config() const { return cfg_; }
  const std::string& db_path() const { return db_path_; }  // SQLite: the file; PostgreSQL: the URL
  // How the database is named in logs and on stdout: the file, :memory:, or for PostgreSQL
  // postgres://HOST:PORT/DATABASE (never the user or password of the URL).
  std::string database_label();
  // The key-encryption key's file (domain/kek.hpp): --kek-file, else beside the SQLite file;
  // "" (process memory) for a throwaway database.
  const std::string& kek_file() const { return kek_file_; }
  // Where asset bytes live: --assets-dir, else "<database>.assets" beside the database.
  const std::string& assets_dir() const { return assets_dir_; }
  bool db_is_throwaway() const { return throwaway_; }
  Router& router() { return router_; }
  UsageRecorder& usage() { return *usage_; }
  RateLimiter& rate_limiter() { return *rate_limiter_; }
  WorkPool& blocking_pool() { return *pool_; }
  void set_session_verifier(SessionVerifier v) { session_verifier_ = std::move(v); }

  // The named snapshots and the first-start state (api.md §9.1), beside the database.
  Snapshots& snapshots() { return *snapshots_; }
  // What keeps state of the database outside it (a key cache) registers here to forget it
  // when the whole database is replaced (a snapshot restored, a reset).
  void on_state_replaced(std::function<void()> forget) { on_state_replaced_.push_back(std::move(forget)); }
  // Called after the database was replaced: every cache, on every thread, starts over.
  void state_replaced();
  // Runs `work` on the writer thread inside the current write batch (the group commit every
  // write request joins) and waits: true once its changes are committed. For writers off the
  // request path (the webhook delivery worker); never from the writer thread itself.
  bool run_in_write_batch(std::function<void(Conn&)> work);

 private:
  struct Parked;  // a create waiting for another request with its idempotency key
  // `admitted`: the call's Ctx when admit() already let it through on another thread.
  // `run_again`: when given and the call's transaction lost a race, set instead of answering.
  void run_pipeline(const std::shared_ptr<Request>& req, const RouteMatch& m, Respond& respond, std::int64_t start_us,
                    std::optional<Ctx>* admitted = nullptr, bool* run_again = nullptr);
  // A write run in the writer's current batch (write_batcher.hpp), answered after its COMMIT;
  // `attempt` counts the runs of a call that lost a race (a deadlock) and is run again.
  void run_batched(const std::shared_ptr<Request>& req, const RouteMatch& m, Respond respond, std::int64_t start_us,
                   std::optional<Ctx>* admitted, int attempt = 1);
  void park(std::shared_ptr<Parked> p);
  void resume(std::shared_ptr<Parked> p);
  // api.md §1's checks (authentication … role via slab5::first_refusal, then rate limit and
  // body); nullopt: the operation may run.
  std::optional<slab5::Error> admit(Ctx& ctx);
  void authenticate(Ctx& ctx, slab5::Caller& caller, std::optional<slab5::Error>& error);
  void resolve_workspace(Ctx& ctx, slab5::Caller& caller);
  Response finish(Ctx* ctx, const Request& req, const std::string& route_pattern, const std::string& request_id,
                  const std::string& correlation_id, slab5::Result<Reply>&& result, std::int64_t start_us);

  std::unique_ptr<Conn> open_connection() const;  // a new connection to the database

  Config cfg_;
  std::string db_path_;
  std::string assets_dir_;
  std::string kek_file_;
  bool postgres_ = false;
  bool throwaway_ = false;
  std::string base_url_;
  Router router_;
  std::unique_ptr<UsageRecorder> usage_;
  std::unique_ptr<RateLimiter> rate_limiter_;
  std::unique_ptr<WorkPool> pool_;
  std::unique_ptr<WriteBatcher> batcher_;
  std::unique_ptr<Checkpointer> checkpointer_;
  std::unique_ptr<DeliveryWorker> deliveries_;  // webhook deliveries, on threads of their own
  SessionVerifier session_verifier_;
  std::unique_ptr<Snapshots> snapshots_;
  std::vector<std::function<void()>> on_state_replaced_;
  std::uint64_t generation_;
};

// Route registration, one function per area (server/api/*.cpp).
void register_system_routes(App& app);
void register_identity_routes(App& app);
void register_workspace_routes(App& app);
void register_member_routes(App& app);
void register_credential_routes(App& app);
void register_audit_usage_routes(App& app);
void register_dev_routes(App& app);
void register_dev_state_routes(App& app);  // called by register_dev_routes
void register_invitation_routes(App& app);
void register_resource_routes(App& app);
void register_event_routes(App& app);
void register_asset_routes(App& app);
void register_webhook_routes(App& app);
void register_mcp_routes(App& app);  // server/mcp/gateway.cpp

}  // namespace slab5d
