#include "server_main.hpp"

#include <libpq-fe.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "../cli/manual_text.hpp"  // header-only: the manual's generated parts
#include "api/asset_web.hpp"
#include "app.hpp"
#include "bootstrap.hpp"
#include "domain/fixtures.hpp"
#include "domain/kek.hpp"
#include "domain/passwords.hpp"
#include "http/http_server.hpp"
#include "logger.hpp"
#include "slab5/time.hpp"
#include "snapshots.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/pg_db.hpp"
#include "store/sqlite/backup.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/migrations.hpp"
#include "usage_recorder.hpp"
#include "version.hpp"

extern char** environ;

namespace slab5d {
namespace {

struct Options {
  Config cfg;
  std::string listen = "127.0.0.1:8787";
  std::string rate_limit = "100/s";
  std::string session_ttl = "1h";
  std::string backup_to;
  std::vector<std::string> exec_command;
  std::string seed_file;  // serve/exec --seed, and seed's FILE
};

// Flags shared by serve and exec (and the db flag by every command).
void add_serve_flags(CLI::App& cmd, Options& o) {
  auto& c = o.cfg;
  cmd.add_option("--listen", o.listen, "Address to listen on, HOST:PORT (port 0 picks a free one)")
      ->envname("SLAB5D_LISTEN");
  cmd.add_option("--threads", c.threads, "I/O threads (default: number of cores)")
      ->envname("SLAB5D_THREADS")
      ->check(CLI::Range(1, 256));
  cmd.add_flag("--dev-routes,!--no-dev-routes", c.dev_routes, "Serve the development routes (default on)")
      ->envname("SLAB5D_DEV_ROUTES");
  cmd.add_flag("--auto-verify", c.auto_verify, "Treat new accounts' emails as verified")->envname("SLAB5D_AUTO_VERIFY");
  cmd.add_option("--rate-limit", o.rate_limit, "Per-workspace rate limit, N/s or off (default 100/s, burst 2N)")
      ->envname("SLAB5D_RATE_LIMIT");
  cmd.add_option("--password-cost", c.password_cost, "Password hashing cost: default, or test (test suites only)")
      ->envname("SLAB5D_PASSWORD_COST")
      ->check(CLI::IsMember({"default", "test"}));
  cmd.add_option("--session-ttl", o.session_ttl, "Session access token lifetime (default 1h)")
      ->envname("SLAB5D_SESSION_TTL");
  cmd.add_option("--smtp-url", c.smtp_url, "Also send mail through this SMTP server (smtp://host:port)")
      ->envname("SLAB5D_SMTP_URL");
  cmd.add_option("--mail-from", c.mail_from, "Sender address of outgoing mail")->envname("SLAB5D_MAIL_FROM");
  cmd.add_option("--google-client-id", c.google_client_id, "Expected audience of Google ID tokens")
      ->envname("SLAB5D_GOOGLE_CLIENT_ID");
  cmd.add_option("--google-jwks-url", c.google_jwks_url, "Google's JWKS URL")->envname("SLAB5D_GOOGLE_JWKS_URL");
  cmd.add_option("--microsoft-client-id", c.microsoft_client_id, "Expected audience of Microsoft ID tokens")
      ->envname("SLAB5D_MICROSOFT_CLIENT_ID");
  cmd.add_option("--microsoft-jwks-url", c.microsoft_jwks_url, "Microsoft's JWKS URL")
      ->envname("SLAB5D_MICROSOFT_JWKS_URL");
  cmd.add_option("--microsoft-tenant", c.microsoft_tenants, "Allowed Microsoft tenant id (repeatable)")
      ->envname("SLAB5D_MICROSOFT_TENANT");
  cmd.add_flag("--mock-oauth", c.mock_oauth, "Verify OAuth logins against the built-in mock provider")
      ->envname("SLAB5D_MOCK_OAUTH");
  cmd.add_option("--tls-cert", c.tls_cert, "TLS certificate chain (PEM)")
      ->envname("SLAB5D_TLS_CERT")
      ->check(CLI::ExistingFile);
  cmd.add_option("--tls-key", c.tls_key, "TLS private key (PEM)")->envname("SLAB5D_TLS_KEY")->check(CLI::ExistingFile);
  cmd.add_option("--log-format", c.log_format, "Log line format: text or json")
      ->envname("SLAB5D_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}));
  cmd.add_option("--log-level", c.log_level, "Least severe level logged: debug, info, warn, error")
      ->envname("SLAB5D_LOG_LEVEL")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  cmd.add_option("--max-asset-bytes", c.max_asset_bytes, "Largest asset upload in bytes (default 104857600, 100 MiB)")
      ->envname("SLAB5D_MAX_ASSET_BYTES")
      ->check(CLI::Range(std::uint64_t(1), std::uint64_t(1) << 40));
  cmd.add_option("--mcp-allowed-origin", c.mcp_allowed_origins,
                 "An Origin (scheme://host[:port]) besides loopback ones allowed to call the MCP gateway; repeatable")
      ->envname("SLAB5D_MCP_ALLOWED_ORIGIN")
      ->delimiter(',');
  cmd.add_option("--seed", o.seed_file, "Load this fixture (api.md §9.1) into a new database before serving")
      ->envname("SLAB5D_SEED")
      ->check(CLI::ExistingFile);
  cmd.add_option("--read-timeout", c.read_timeout_seconds, "Seconds a client has to send one request (default 30)")
      ->envname("SLAB5D_READ_TIMEOUT")
      ->check(CLI::Range(1, 3600));
  cmd.add_flag("--webhook-deny-private", c.webhook_deny_private,
               "Refuse webhook URLs on loopback, private and link-local addresses")
      ->envname("SLAB5D_WEBHOOK_DENY_PRIVATE");
}

// Where what the database does not hold lives: asset bytes and the key-encryption key. Beside
// a SQLite file by default; named, and shared by every instance, with a PostgreSQL database.
void add_side_file_flags(CLI::App& cmd, Options& o) {
  auto& c = o.cfg;
  cmd.add_option("--assets-dir", c.assets_dir,
                 "Directory of asset bytes (default: <database>.assets beside it; required with a postgres:// --db)")
      ->envname("SLAB5D_ASSETS_DIR");
  cmd.add_option("--kek-file", c.kek_file,
                 "Key-encryption key file, made on first use (default: <database>.kek beside it; required with a "
                 "postgres:// --db)")
      ->envname("SLAB5D_KEK_FILE");
}

void add_db_flag(CLI::App& cmd, Options& o) {
  cmd.add_option("--db", o.cfg.db_path, "SQLite database file (:memory: for a throwaway one), or a postgres:// URL")
      ->envname("SLAB5D_DB");
}

// Turns the string flags into config values; returns an error message or "".
std::string finish_options(Options& o) {
  auto& c = o.cfg;
  if (auto err = check_db_location(c.db_path); !err.empty()) return err;
  auto colon = o.listen.rfind(':');
  if (colon == std::string::npos) return "--listen must be HOST:PORT, e.g. 127.0.0.1:8787";
  c.listen_host = o.listen.substr(0, colon);
  if (c.listen_host.size() > 2 && c.listen_host.front() == '[')
    c.listen_host = c.listen_host.substr(1, c.listen_host.size() - 2);
  try {
    std::size_t used = 0;
    int port = std::stoi(o.listen.substr(colon + 1), &used);
    if (used != o.listen.size() - colon - 1 || port < 0 || port > 65535) throw std::out_of_range("port");
    c.listen_port = std::uint16_t(port);
  } catch (...) {
    return "--listen: '" + o.listen + "' has no valid port (0-65535)";
  }
  if (o.rate_limit == "off") {
    c.rate_limit_enabled = false;
  } else {
    auto slash = o.rate_limit.find("/s");
    try {
      std::size_t used = 0;
      double n = std::stod(o.rate_limit.substr(0, slash), &used);
      if (slash == std::string::npos || slash + 2 != o.rate_limit.size() || used != slash || n <= 0)
        throw std::invalid_argument("rate");
      c.rate_limit_per_second = n;
      c.rate_limit_burst = n * 2;
    } catch (...) {
      return "--rate-limit must be N/s (e.g. 100/s) or off";
    }
  }
  auto ttl = slab5::parse_duration(o.session_ttl);
  if (!ttl || *ttl < 1000) return "--session-ttl must be a duration such as 15m or 1h";
  c.session_ttl_ms = *ttl;
  if (c.tls_cert.empty() != c.tls_key.empty()) return "--tls-cert and --tls-key go together";
  if (c.threads == 0) c.threads = int(std::max(1u, std::thread::hardware_concurrency()));
  LogLevel lvl;
  parse_log_level(c.log_level, lvl);
  logger().configure(c.log_format == "json", lvl);
  return "";
}

std::string read_stdin_line() {
  std::string line;
  std::getline(std::cin, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  return line;
}

void print_first_start(const App::StartInfo& info, const std::string& base_url) {
  std::printf("export SLAB5_API_BASE_URL=%s/v1\n", base_url.c_str());
  std::printf("export SLAB5_WORKSPACE_TOKEN=%s\n", info.api_key.c_str());
  if (!info.owner_password.empty())
    std::printf("# owner %s, password %s, workspace %s (shown once)\n", info.owner_email.c_str(),
                info.owner_password.c_str(), info.workspace_id.c_str());
  else
    std::printf("# owner %s, workspace %s (shown once)\n", info.owner_email.c_str(), info.workspace_id.c_str());
}

// A running server: the app, the listener and the thread that runs it.
struct Running {
  std::unique_ptr<App> app;
  std::unique_ptr<HttpServer> http;
  App::StartInfo info;
  std::string base_url;
};

Running start(const Config& cfg) {
  Running r;
  r.app = std::make_unique<App>(cfg);
  r.info = r.app->prepare();
  HttpLimits limits;
  limits.read_timeout_seconds = cfg.read_timeout_seconds;
  App* app = r.app.get();
  r.http = std::make_unique<HttpServer>(
      cfg.listen_host, cfg.listen_port, limits, TlsFiles{cfg.tls_cert, cfg.tls_key},
      [app](Request&& req, Respond done) { app->handle(std::move(req), std::move(done)); });
  // Asset uploads stream to disk instead of memory (api.md §8.2).
  r.http->set_body_router(asset_body_router(*app), cfg.max_asset_bytes);
  r.base_url = cfg.public_base_url(r.http->port());
  r.app->set_base_url(r.base_url);
  return r;
}

// Reads and loads a fixture into the app's database, all or nothing. Prints what is wrong
// (every bad entry and field) and returns false when it was not loaded.
bool load_fixture_file(App& app, const std::string& file, bool quiet) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "slab5d: error: cannot read the fixture %s\n", file.c_str());
    return false;
  }
  std::string text;
  {
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  auto fixture = parse_fixture(text);
  slab5::Result<slab5::Json> loaded =
      fixture ? load_fixture(app.db(), *fixture, password_cost(app.config().password_cost),
                             WebhookSettings{.kek = key_encryption_key(app.kek_file()),
                                             .deny_private = app.config().webhook_deny_private})
              : slab5::Result<slab5::Json>(tl::unexpected(fixture.error()));
  if (!loaded) {
    const auto& e = loaded.error();
    std::fprintf(stderr, "slab5d: error: the fixture %s was not loaded; the database is unchanged\n", file.c_str());
    auto fe = e.extra.find("field_errors");
    if (fe != e.extra.end() && fe->is_array() && !fe->empty()) {
      for (const auto& f : *fe)
        std::fprintf(stderr, "  %s: %s\n", slab5::string_or(f, "field").c_str(),
                     slab5::string_or(f, "message").c_str());
      if (e.message.find("problems;") != std::string::npos && fe->size() >= kMaxFixtureProblems)
        std::fprintf(stderr, "  (the first %zu problems are shown)\n", kMaxFixtureProblems);
    } else {
      std::fprintf(stderr, "  %s\n", e.effective_message().c_str());
    }
    return false;
  }
  app.state_replaced();
  if (!quiet) {
    std::string summary;
    for (const auto& [k, v] : loaded->items()) summary += (summary.empty() ? "" : ", ") + v.dump() + " " + k;
    std::fprintf(stderr, "slab5d: loaded %s (%s)\n", file.c_str(), summary.empty() ? "empty" : summary.c_str());
  }
  return true;
}

// --seed on serve and exec: loaded into a new database only (a restart on the same file keeps
// what the first start loaded, and what happened since). The seeded state is saved as the
// snapshot "seed", so a test suite can return to it.
bool seed_if_new(Running& r, const std::string& file) {
  if (file.empty()) return true;
  if (!r.info.created) {
    std::fprintf(stderr,
                 "slab5d: note: the database is not new; --seed %s is not loaded again (slab5d seed loads a "
                 "fixture into an existing database)\n",
                 file.c_str());
    return true;
  }
  if (!load_fixture_file(*r.app, file, false)) return false;
  r.app->usage().flush();
  if (r.app->postgres()) return true;  // no snapshots on PostgreSQL (docs/postgres.md)
  auto saved = r.app->snapshots().save(r.app->db(), "seed");
  if (!saved)
    std::fprintf(stderr, "slab5d: warning: could not save the snapshot 'seed': %s\n", saved.error().message.c_str());
  return true;
}

sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int cmd_serve(Options& o) {
  sigset_t set = block_stop_signals();  // before any thread starts, so all inherit it
  Running r;
  try {
    r = start(o.cfg);
    if (!seed_if_new(r, o.seed_file)) {
      r.http.reset();
      r.app->shutdown();
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slab5d: error: %s\n", e.what());
    return 1;
  }
  std::printf("%s listening on %s (database: %s%s)\n", ("slab5d " + server_version()).c_str(), r.base_url.c_str(),
              r.app->database_label().c_str(), r.info.created ? ", new" : "");
  if (r.info.created) print_first_start(r.info, r.base_url);
  std::fflush(stdout);
  HttpServer* http = r.http.get();
  int grace = o.cfg.shutdown_grace_seconds;
  std::thread waiter([set, http, grace] {
    int sig = 0;
    sigwait(&set, &sig);
    logger().log(LogLevel::Info, "shutting down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    http->shutdown(grace);
  });
  r.http->run(o.cfg.threads);
  waiter.join();
  r.http.reset();
  r.app->shutdown();
  logger().log(LogLevel::Info, "stopped");
  return 0;
}

int cmd_exec(Options& o) {
  if (o.exec_command.empty()) {
    std::fprintf(stderr, "slab5d: error: exec needs a command after --, e.g. slab5d exec -- make test\n");
    return 2;
  }
  if (o.cfg.db_path.empty()) o.cfg.db_path = ":memory:";
  sigset_t set = block_stop_signals();
  Running r;
  try {
    r = start(o.cfg);
    if (!seed_if_new(r, o.seed_file)) {
      r.http.reset();
      r.app->shutdown();
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slab5d: error: %s\n", e.what());
    return 1;
  }
  HttpServer* http = r.http.get();
  int threads = o.cfg.threads;
  std::thread server([http, threads] { http->run(threads); });
  logger().log(LogLevel::Info, "serving for exec", {{"url", r.base_url}});

  std::string token = r.info.api_key;
  std::string workspace_id = r.info.workspace_id;
  std::optional<ExecKey> exec_key;
  if (token.empty()) {
    // An existing database keeps its first key only as a hash: a key for this command only.
    try {
      exec_key = issue_exec_key(*r.app);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "slab5d: error: cannot create a key for the command: %s\n", e.what());
    }
    if (exec_key) {
      token = exec_key->token;
      workspace_id = exec_key->credential.workspace_id;
    } else
      std::fprintf(stderr, "slab5d: note: the database has no workspace; SLAB5_WORKSPACE_TOKEN is not set\n");
  }
  // Every setting the caller's environment or profile could hold that would point the command
  // elsewhere is set here, so it reaches this server whatever the profile says (cli.md §1: the
  // environment wins over the profile). The lower-ranked token variables belong to the
  // caller's server and are removed, so no caller's key is sent here.
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    if (name == "SLAB5_API_BASE_URL" || name == "SLAB5_WORKSPACE_TOKEN" || name == "SLAB5_WORKSPACE_API_KEY" ||
        name == "SLAB5_API_KEY" || name == "SLAB5_WORKSPACE_ID")
      continue;
    env.emplace_back(entry);
  }
  env.push_back("SLAB5_API_BASE_URL=" + r.base_url + "/v1");
  if (!token.empty()) env.push_back("SLAB5_WORKSPACE_TOKEN=" + token);
  if (!workspace_id.empty()) env.push_back("SLAB5_WORKSPACE_ID=" + workspace_id);
  std::vector<char*> envp, argv;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  for (auto& a : o.exec_command) argv.push_back(a.data());
  argv.push_back(nullptr);
  // posix_spawn, not fork: the server's threads are running, and a child forked from them
  // could stop for good in malloc (or anything else that takes a lock one of them held) before
  // it reached exec. The command gets SIGINT and SIGTERM unblocked again, which slab5d blocked
  // for itself (they are forwarded to the command below).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  sigdelset(&mask, SIGINT);
  sigdelset(&mask, SIGTERM);
  posix_spawnattr_setsigmask(&attr, &mask);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, argv[0], nullptr, &attr, argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  int code = 127;
  if (spawned != 0) {
    std::fprintf(stderr, "slab5d: error: cannot run %s: %s\n", argv[0], std::strerror(spawned));
  } else {
    int status = 0;
    // Forward SIGINT/SIGTERM to the command while we wait for it.
    std::atomic<bool> done{false};
    std::thread forwarder([&] {
      while (!done) {
        timespec ts{0, 100 * 1000 * 1000};
        int sig = sigtimedwait(&set, nullptr, &ts);
        if (sig > 0) kill(pid, sig);
      }
    });
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    done = true;
    forwarder.join();
    code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
  }
  if (exec_key) {
    try {
      revoke_exec_key(*r.app, *exec_key);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "slab5d: warning: could not revoke the command's key %s (it expires within 24 h): %s\n",
                   exec_key->credential.id.c_str(), e.what());
    }
  }
  http->shutdown(o.cfg.shutdown_grace_seconds);
  server.join();
  r.http.reset();
  r.app->shutdown();
  return code;
}

int cmd_init(Options& o) {
  std::string password;
  if (o.cfg.password_stdin) {
    password = read_stdin_line();
    if (password.size() < 8 || password.size() > 1024) {
      std::fprintf(stderr, "slab5d: error: the password must be 8-1024 bytes\n");
      return 2;
    }
  }
  try {
    App app(o.cfg);
    auto info = app.prepare(o.cfg.email, password);
    if (!info.created) {
      std::fprintf(stderr, "slab5d: %s is already initialised; nothing to do\n", app.database_label().c_str());
      return 0;
    }
    print_first_start(info, o.cfg.public_base_url(o.cfg.listen_port));
    app.shutdown();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slab5d: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

int cmd_migrate(Options& o) {
  try {
    if (is_postgres_url(o.cfg.db_path)) {
      // Several slab5d may start at once on one database: pg_migrate applies each migration
      // once, under an advisory lock. The URL may hold a password: only the server's address
      // and database are printed.
      auto db = PgDb::open(o.cfg.db_path);
      auto out = pg_migrate(db->conn());
      std::printf("%s: schema version %d (was %d)\n", db->database_id().c_str(), out.to, out.from);
      return 0;
    }
    bool throwaway = false;
    auto path = resolve_db_path(o.cfg.db_path, throwaway);
    auto db = Db::open(path, true);
    auto out = migrate(*db);
    std::printf("%s: schema version %d (was %d)\n", path.c_str(), out.to, out.from);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slab5d: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

int cmd_seed(Options& o) {
  try {
    bool throwaway = false;
    if (!is_postgres_url(o.cfg.db_path)) resolve_db_path(o.cfg.db_path, throwaway);
    if (throwaway) throw std::runtime_error("seed loads into a database file; a :memory: one would be gone at once");
    App app(o.cfg);
    auto info = app.prepare();
    if (info.created) print_first_start(info, o.cfg.public_base_url(o.cfg.listen_port));
    bool ok = load_fixture_file(app, o.seed_file, false);
    app.shutdown();
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slab5d: error: %s\n", e.what());
    return 1;
  }
}

int cmd_export(Options& o) {
  try {
    std::unique_ptr<Conn> db;
    if (is_postgres_url(o.cfg.db_path)) {
      auto pg = PgDb::open(o.cfg.db_path);
      int v = pg_schema_version(pg->conn());
      if (v == 0) throw std::runtime_error("no slab5 schema in " + pg->database_id() + " (slab5d migrate makes it)");
      if (v > pg_latest_schema_version())
        throw std::runtime_error("the database has schema version " + std::to_string(v) +
                                 ", newer than this slab5d understands");
      db = std::move(pg);
    } else {
      bool throwaway = false;
      auto path = resolve_db_path(o.cfg.db_path, throwaway);
      if (throwaway) throw std::runtime_error("a :memory: database has nothing to export");
      if (!std::filesystem::exists(path)) throw std::runtime_error("no database at " + path);
      db = Db::open(path, false);
    }
    auto fixture = export_fixture(*db);
    auto out = fixture.dump(2);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fputc('\n', stdout);
    if (auto hooks = fixture.find("webhooks"); hooks != fixture.end() && !hooks->empty())
      std::fprintf(stderr,
                   "slab5d: note: %zu webhook endpoint%s exported without signing_secret: slab5d keeps signing "
                   "secrets sealed and never writes them out, so seeding this export gives %s a new secret; add "
                   "\"signing_secret\": \"whsec_...\" to an entry to keep a secret you know\n",
                   hooks->size(), hooks->size() == 1 ? " is" : "s are", hooks->size() == 1 ? "it" : "each");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slab5d: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

// A PostgreSQL database is backed up by pg_dump, PostgreSQL's own consistent copy of a live
// database (one snapshot while others go on writing), in its custom format, which pg_restore
// reads. The URL's parts go to pg_dump as libpq's environment variables (PGHOST, PGPASSWORD,
// ...), never on its command line, where any user of the machine could read a password; the
// PG* variables the URL does not set (PGPASSWORD, PGSSLROOTCERT, ...) reach it as they reach
// slab5d's own connections.
int backup_postgres(const std::string& url, const std::string& to) {
  if (std::filesystem::exists(to)) throw std::runtime_error("refusing to overwrite " + to + "; choose a new file");
  std::string database_id = PgDb::open(url)->database_id();  // fails early, and says why, if unreachable
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (!opts) {
    if (err) PQfreemem(err);
    throw std::runtime_error("the --db URL is not a valid PostgreSQL URL");
  }
  std::vector<std::string> from_url;
  for (auto* o = opts; o->keyword; ++o)
    if (o->val && o->envvar && *o->val) from_url.push_back(std::string(o->envvar) + "=" + o->val);
  PQconninfoFree(opts);
  auto set_by_url = [&](std::string_view entry) {
    auto name = entry.substr(0, entry.find('=') + 1);
    for (const auto& u : from_url)
      if (u.compare(0, name.size(), name) == 0) return true;
    return false;
  };
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e)
    if (!set_by_url(*e)) env.emplace_back(*e);
  env.insert(env.end(), from_url.begin(), from_url.end());
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = {"pg_dump", "--format=custom", "--no-owner", "--file", to};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  // The copy holds what the database holds: private to the owner, as a SQLite backup is.
  mode_t old_mask = ::umask(077);
  int rc = posix_spawnp(&pid, "pg_dump", nullptr, nullptr, argv.data(), envp.data());
  ::umask(old_mask);
  if (rc != 0)
    throw std::runtime_error(std::string("cannot run pg_dump (") + std::strerror(rc) +
                             "); it comes with PostgreSQL's client tools: apt-get install postgresql-client");
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::error_code ec;
    std::filesystem::remove(to, ec);
    std::fprintf(stderr, "slab5d: error: pg_dump failed; nothing was written to %s\n", to.c_str());
    return 1;
  }
  std::printf("backed up %s to %s (pg_dump custom format; pg_restore reads it)\n", database_id.c_str(), to.c_str());
  return 0;
}

int cmd_backup(Options& o) {
  try {
    if (is_postgres_url(o.cfg.db_path)) return backup_postgres(o.cfg.db_path, o.backup_to);
    bool throwaway = false;
    auto path = resolve_db_path(o.cfg.db_path, throwaway);
    if (throwaway) throw std::runtime_error("a :memory: database has nothing to back up");
    if (!std::filesystem::exists(path)) throw std::runtime_error("no database at " + path);
    backup_database(path, o.backup_to);
    std::printf("backed up %s to %s\n", path.c_str(), o.backup_to.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slab5d: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

int write_manual(CLI::App& cli, const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/slab5d-commands.adoc") << [&] {
    std::ostringstream out;
    manual_text::write_commands(out, cli, "slab5d");
    return out.str();
  }();
  std::ofstream options(dir + "/slab5d-options.adoc");
  options << "Without a command, *slab5d* serves and takes the flags of *serve*.\n\n";
  manual_text::write_flag_list(options, manual_text::flags_of(cli));
  std::ofstream env(dir + "/slab5d-environment.adoc");
  manual_text::write_environment_from_flags(env, cli);
  env << "*XDG_DATA_HOME*::\n  Base of the default database path ($XDG_DATA_HOME/slab5/slab5d.db).\n";
  std::ofstream exits(dir + "/slab5d-exit-status.adoc");
  exits << "*0*::\n  Success; *serve* exits 0 after a clean stop on SIGINT or SIGTERM.\n"
           "*1*::\n  Failure: the database cannot be opened or migrated, the address cannot be bound.\n"
           "*2*::\n  Usage error: bad flags or arguments.\n"
           "*exec*::\n  COMMAND's exit code; 128+N when COMMAND is killed by signal N; 127 when it cannot be run.\n";
  return 0;
}

}  // namespace

int run_main(int argc, char** argv) {
  Options o;
  CLI::App cli{
      "slab5d: the local Slab5 API server, serving the full API from a SQLite database, or from a PostgreSQL "
      "database several instances share.",
      "slab5d"};
  cli.require_subcommand(0, 1);
  add_db_flag(cli, o);
  add_serve_flags(cli, o);
  add_side_file_flags(cli, o);
  auto* serve = cli.add_subcommand("serve", "Serve the API (the default command)");
  add_db_flag(*serve, o);
  add_serve_flags(*serve, o);
  add_side_file_flags(*serve, o);
  auto* init = cli.add_subcommand("init", "Create and initialise a database without serving");
  add_db_flag(*init, o);
  add_side_file_flags(*init, o);
  init->add_option("--email", o.cfg.email, "The first owner's email (default dev@slab5.local)")
      ->envname("SLAB5D_EMAIL");
  init->add_flag("--password-stdin", o.cfg.password_stdin, "Read the first owner's password from stdin");
  init->add_option("--password-cost", o.cfg.password_cost, "Password hashing cost: default or test")
      ->envname("SLAB5D_PASSWORD_COST")
      ->check(CLI::IsMember({"default", "test"}));
  init->add_option("--listen", o.listen, "The address the server will listen on (for the printed URL)")
      ->envname("SLAB5D_LISTEN");
  auto* seed = cli.add_subcommand("seed", "Load a fixture (api.md §9.1) into a database: all of it or nothing");
  add_db_flag(*seed, o);
  add_side_file_flags(*seed, o);
  seed->add_option("--password-cost", o.cfg.password_cost, "Password hashing cost: default or test")
      ->envname("SLAB5D_PASSWORD_COST")
      ->check(CLI::IsMember({"default", "test"}));
  seed->add_option("file", o.seed_file, "The fixture, a JSON file")->required()->check(CLI::ExistingFile);
  auto* exp = cli.add_subcommand("export", "Write the whole state of a database as a fixture to stdout");
  add_db_flag(*exp, o);
  auto* mig = cli.add_subcommand("migrate", "Apply pending schema migrations");
  add_db_flag(*mig, o);
  auto* backup = cli.add_subcommand("backup", "Copy a live database to a new file (SQLite online backup)");
  add_db_flag(*backup, o);
  backup->add_option("--to", o.backup_to, "The new file")->required();
  auto* exec = cli.add_subcommand("exec", "Serve a throwaway database while COMMAND runs, then exit with its code");
  add_db_flag(*exec, o);
  add_serve_flags(*exec, o);
  add_side_file_flags(*exec, o);
  exec->add_option("command", o.exec_command, "COMMAND [ARGS...] after --")->expected(-1);
  exec->positionals_at_end();
  auto* version = cli.add_subcommand("version", "Print the version");
  // Hidden: the manual's generated parts (man/slab5d.1.adoc) and a listing for its test.
  auto* manual = cli.add_subcommand("__manual", "Write the manual's AsciiDoc fragments into DIR")->group("");
  std::string manual_dir;
  manual->add_option("dir", manual_dir)->required();
  auto* commands = cli.add_subcommand("__commands", "List every command and its flags")->group("");
  cli.set_version_flag("--version", server_version_line());
  cli.footer(
      "Every flag also reads SLAB5D_<NAME> from the environment (SLAB5D_DB, SLAB5D_LISTEN, ...).\n"
      "Example: slab5d serve --db :memory: --listen 127.0.0.1:0");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForVersion& e) {
    std::printf("%s\n", server_version_line().c_str());
    return 0;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "slab5d: error: %s (see slab5d --help)\n", e.what());
    return 2;
  }
  if (manual->parsed()) return write_manual(cli, manual_dir);
  if (commands->parsed()) {
    manual_text::list_commands(std::cout, cli, "slab5d");
    return 0;
  }
  if (version->parsed()) {
    std::printf("%s\n", server_version_line().c_str());
    return 0;
  }
  // exec serves on a free port unless told otherwise (server.md §1): two CI jobs on one
  // machine must not collide on 8787.
  if (exec->parsed() && exec->get_option("--listen")->count() == 0 && cli.get_option("--listen")->count() == 0)
    o.listen = "127.0.0.1:0";
  if (auto err = finish_options(o); !err.empty()) {
    std::fprintf(stderr, "slab5d: error: %s\n", err.c_str());
    return 2;
  }
  // Instances sharing a PostgreSQL database must seal and open secrets with one key and find
  // one another's asset bytes: both are named, never guessed from a file path.
  bool serves = !mig->parsed() && !exp->parsed() && !backup->parsed();
  if (serves && is_postgres_url(o.cfg.db_path) && (o.cfg.kek_file.empty() || o.cfg.assets_dir.empty())) {
    std::fprintf(stderr,
                 "slab5d: error: a postgres:// --db needs --kek-file and --assets-dir (SLAB5D_KEK_FILE, "
                 "SLAB5D_ASSETS_DIR), the same for every instance that shares the database\n");
    return 2;
  }
  if (init->parsed()) return cmd_init(o);
  if (mig->parsed()) return cmd_migrate(o);
  if (seed->parsed()) return cmd_seed(o);
  if (exp->parsed()) return cmd_export(o);
  if (backup->parsed()) return cmd_backup(o);
  if (exec->parsed()) return cmd_exec(o);
  return cmd_serve(o);
}

}  // namespace slab5d
