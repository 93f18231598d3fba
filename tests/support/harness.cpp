#include "harness.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "pg_test_db.hpp"
#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"

namespace testing {

namespace {
std::vector<std::string>& skip_list() {
  static std::vector<std::string> list;
  return list;
}
}  // namespace

void skip(const std::string& why) {
  MESSAGE("skipped: " << why);
  skip_list().push_back(why);
}
const std::vector<std::string>& skipped_cases() { return skip_list(); }

const std::string& backend() {
  static const std::string b = [] {
    const char* v = std::getenv("SLAB5_TEST_BACKEND");
    return std::string(v && *v ? v : "sqlite");
  }();
  return b;
}
bool on_postgres() { return backend() == "postgres"; }

std::string slab5d_bin() { return SLAB5D_BIN; }
std::string slab5_bin() { return SLAB5_BIN; }

TempDir::TempDir() {
  std::string templ = (std::filesystem::temp_directory_path() / "slab5-test-XXXXXX").string();
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
}
TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {
std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<char*> make_argv(std::vector<std::string>& args) {
  std::vector<char*> out;
  for (auto& a : args) out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

// This process's environment with `changes` set ("NAME=value" each), for execve.
std::vector<std::string> environment_with(const std::map<std::string, std::string>& changes) {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    auto name = entry.substr(0, entry.find('='));
    if (!changes.count(std::string(name))) out.emplace_back(entry);
  }
  for (const auto& [k, v] : changes) out.push_back(k + "=" + v);
  return out;
}
}  // namespace

namespace {
// The PostgreSQL databases made for servers, dropped when the test binary ends: a test may
// stop a server and start another on the same database.
std::vector<std::unique_ptr<slab5d::testing::PgTestDb>>& pg_databases() {
  static std::vector<std::unique_ptr<slab5d::testing::PgTestDb>> all;
  return all;
}

// Where the instances on one PostgreSQL database keep the key-encryption key and asset bytes:
// one directory per database, as <database>.kek and .assets sit beside a SQLite file.
std::string side_dir(const std::string& url) {
  static TempDir root;
  auto name = url.substr(url.rfind('/') + 1);
  name = name.substr(0, name.find('?'));
  auto dir = root.file(name);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace

Server::Server(ServerOptions opts) : dir_(std::make_unique<TempDir>()) {
  if (opts.db.empty() && on_postgres()) {
    pg_databases().push_back(std::make_unique<slab5d::testing::PgTestDb>());
    opts.db = pg_databases().back()->postgres_url();
  }
  db_path = opts.db.empty() ? dir_->file("slab5d.db") : opts.db;
  log_path_ = dir_->file("slab5d.log");
  std::vector<std::string> args = {slab5d_bin(), "serve", "--db", db_path};
  auto given = [&](const std::string& flag) -> std::string {
    auto it = std::find(opts.args.begin(), opts.args.end(), flag);
    return it != opts.args.end() && it + 1 != opts.args.end() ? *(it + 1) : "";
  };
  assets_dir = given("--assets-dir");
  kek_file = given("--kek-file");
  if (db_path.rfind("postgres://", 0) == 0) {
    if (kek_file.empty()) args.insert(args.end(), {"--kek-file", kek_file = side_dir(db_path) + "/kek"});
    if (assets_dir.empty()) args.insert(args.end(), {"--assets-dir", assets_dir = side_dir(db_path) + "/assets"});
  } else {
    if (assets_dir.empty()) assets_dir = db_path + ".assets";
    if (kek_file.empty()) kek_file = db_path + ".kek";
  }
  // A free port unless the test names its address (a restart on the port a client follows).
  if (std::find(opts.args.begin(), opts.args.end(), "--listen") == opts.args.end()) {
    args.push_back("--listen");
    args.push_back("127.0.0.1:0");
  }
  // Two I/O threads unless the test names its own number.
  if (std::find(opts.args.begin(), opts.args.end(), "--threads") == opts.args.end()) {
    args.push_back("--threads");
    args.push_back("2");
  }
  if (opts.test_password_cost) {
    args.push_back("--password-cost");
    args.push_back("test");
  }
  for (auto& a : opts.args) args.push_back(a);
  // Everything the child needs is made before fork(): a test may fork while its other
  // threads allocate, and a child of a threaded process may call only async-signal-safe
  // functions before execve (under ASan a malloc there can wait forever on a lock).
  auto env_s = environment_with(opts.env);
  auto envp = make_argv(env_s);
  auto argv = make_argv(args);
  int out_pipe[2];
  if (pipe(out_pipe) != 0) throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out_pipe[1], 1);
    int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(log, 2);
    close(out_pipe[0]);
    close(out_pipe[1]);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(out_pipe[1]);
  // Read stdout until the listening line (and, on a new database, the three lines after it).
  std::string buf;
  char chunk[4096];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  for (;;) {
    ssize_t n = read(out_pipe[0], chunk, sizeof chunk);
    if (n > 0) buf.append(chunk, std::size_t(n));
    bool has_listen = buf.find("listening on") != std::string::npos;
    bool is_new = buf.find(", new)") != std::string::npos;
    std::size_t lines = std::size_t(std::count(buf.begin(), buf.end(), '\n'));
    if (has_listen && (!is_new ? lines >= 1 : lines >= 4)) break;
    if (n == 0 || std::chrono::steady_clock::now() > deadline) {
      close(out_pipe[0]);
      int st;
      kill(pid_, SIGKILL);
      waitpid(pid_, &st, 0);
      pid_ = -1;
      throw std::runtime_error("slab5d did not start: " + buf + read_file(log_path_));
    }
    if (n < 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  close(out_pipe[0]);
  first_output = buf;
  auto pos = buf.find("://127.0.0.1:");
  port = std::atoi(buf.c_str() + pos + 13);
  base_url = "http://127.0.0.1:" + std::to_string(port);
  api_url = base_url + "/v1";
  std::istringstream lines(buf);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("export SLAB5_WORKSPACE_TOKEN=", 0) == 0) token = line.substr(29);
    if (line.rfind("# owner ", 0) == 0) {
      auto comma = line.find(',');
      owner_email = line.substr(8, comma - 8);
      auto pw = line.find("password ");
      if (pw != std::string::npos) owner_password = line.substr(pw + 9, line.find(',', pw) - pw - 9);
      auto ws = line.find("workspace ");
      if (ws != std::string::npos) workspace_id = line.substr(ws + 10, line.find(' ', ws + 10) - ws - 10);
    }
  }
}

namespace {
// The URL's parts as libpq's environment variables (PGHOST, PGPORT, PGUSER, PGDATABASE, ...).
std::map<std::string, std::string> pg_env(const std::string& url) {
  std::map<std::string, std::string> env{{"PATH", "/usr/bin:/bin"}};
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (!opts) {
    if (err) PQfreemem(err);
    throw std::runtime_error("not a PostgreSQL URL: " + url);
  }
  for (auto* o = opts; o->keyword; ++o)
    if (o->val && o->envvar && *o->val) env[o->envvar] = o->val;
  PQconninfoFree(opts);
  return env;
}
}  // namespace

CliResult run_sql(const std::string& db, const std::string& statement) {
  if (db.rfind("postgres://", 0) != 0)
    return run_program("/usr/bin/sqlite3", {"-cmd", ".timeout 10000", db, statement}, {{"PATH", "/usr/bin:/bin"}});
  std::string q = statement;
  for (auto at = q.find("rowid"); at != std::string::npos; at = q.find("rowid", at)) q.replace(at, 5, "ctid");
  // SQLite's json_extract(column, '$.key') on a JSON text column.
  q = std::regex_replace(q, std::regex(R"(json_extract\(([a-z_]+), '\$\.([a-z_]+)'\))"), "($1::jsonb ->> '$2')");
  CliResult out;
  PGconn* c = PQconnectdb(db.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    out.err = PQerrorMessage(c);
    PQfinish(c);
    return out;
  }
  PGresult* r = PQexec(c, q.c_str());
  auto st = PQresultStatus(r);
  if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
    out.exit_code = 0;
    for (int row = 0; row < PQntuples(r); ++row) {
      for (int col = 0; col < PQnfields(r); ++col) {
        if (col) out.out += '|';
        if (PQgetisnull(r, row, col)) continue;
        std::string v = PQgetvalue(r, row, col);
        if (PQftype(r, col) == 16) v = v == "t" ? "1" : "0";  // BOOLEAN, an INTEGER flag in SQLite
        out.out += v;
      }
      out.out += '\n';
    }
  } else {
    out.exit_code = 1;
    out.err = PQresultErrorMessage(r);
  }
  PQclear(r);
  PQfinish(c);
  return out;
}

std::string stored_bytes(const std::string& db) {
  if (db.rfind("postgres://", 0) != 0) return read_file(db) + read_file(db + "-wal");
  auto r = run_program("/usr/bin/pg_dump", {"--no-owner"}, pg_env(db), "", 60);
  if (r.exit_code != 0) throw std::runtime_error("pg_dump failed: " + r.err);
  return r.out;
}

Server::~Server() {
  if (pid_ > 0) stop(SIGKILL);
}

int Server::stop(int sig) {
  if (pid_ <= 0) return -1;
  kill(pid_, sig);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string Server::log() const {
  // slab5d writes request lines in batches at most 50 ms apart (docs/server.md): read until
  // the file has stopped growing for three times that, so every line of an answered request
  // is there.
  std::string last = read_file(log_path_);
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    std::string now = read_file(log_path_);
    if (now == last) break;
    last = std::move(now);
  }
  return last;
}

std::string Response::header(const std::string& name) const {
  slab5::HttpResponse r;
  r.headers = headers;
  return r.header(name);
}

namespace {
// With SLAB5_RECORD_RESPONSES=<file>, every response is appended to <file> as one JSON line
// (method, url, status, content type, body), for tests/js/validate-responses.mjs to check
// against slab5d's OpenAPI document.
void record_response(const std::string& method, const std::string& url, const Response& r) {
  const char* path = std::getenv("SLAB5_RECORD_RESPONSES");
  if (!path || !*path) return;
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::ofstream f(path, std::ios::app);
  Json line{{"method", method},
            {"url", url},
            {"status", r.status},
            {"content_type", r.header("content-type")},
            {"body", r.json.is_null() ? Json(r.body) : r.json},
            {"json", !r.json.is_null()}};
  f << line.dump(-1, ' ', false, Json::error_handler_t::replace) << "\n";
}
}  // namespace

Response http(const std::string& method, const std::string& url, const std::string& body,
              const std::vector<std::pair<std::string, std::string>>& headers) {
  thread_local slab5::HttpClient client;
  slab5::HttpRequest req;
  req.method = method;
  req.url = url;
  req.body = body;
  req.headers = headers;
  req.timeout_ms = 30000;
  auto r = client.perform(req);
  if (!r) throw std::runtime_error("HTTP " + method + " " + url + " failed: " + r.error().message);
  Response out;
  out.status = r->status;
  out.body = r->body;
  out.headers = r->headers;
  out.json = Json::parse(out.body, nullptr, false);
  if (out.json.is_discarded()) out.json = nullptr;
  record_response(method, url, out);
  return out;
}

Response api(const std::string& method, const std::string& url, const std::string& token, const Json& body,
             const std::vector<std::pair<std::string, std::string>>& headers) {
  auto h = headers;
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
  std::string payload;
  if (!body.is_null()) {
    h.emplace_back("Content-Type", "application/json");
    payload = body.dump();
  }
  return http(method, url, payload, h);
}

CliResult run_cli_on_terminal(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                              const std::vector<std::pair<std::string, std::string>>& answers) {
  std::vector<std::string> argv_s = {slab5_bin()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<std::string> env_s = {"PATH=/usr/bin:/bin", "TERM=dumb"};
  for (const auto& [k, v] : env) env_s.push_back(k + "=" + v);
  auto argv = make_argv(argv_s);  // before the fork, as in run_program
  auto envp = make_argv(env_s);
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) throw std::runtime_error("forkpty failed");
  if (pid == 0) {
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  CliResult out;
  std::size_t next = 0, seen = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (poll(&p, 1, 50) > 0) {
      ssize_t n = read(master, buf, sizeof buf);
      if (n <= 0) break;  // EIO once the child has exited
      out.out.append(buf, std::size_t(n));
    }
    if (next < answers.size()) {
      auto at = out.out.find(answers[next].first, seen);
      if (at != std::string::npos) {
        seen = at + answers[next].first.size();
        std::string line = answers[next].second + "\n";
        if (write(master, line.data(), line.size()) != ssize_t(line.size())) break;
        ++next;
      }
    }
  }
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return out;
}

CliResult run_program(const std::string& program, const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env, const std::string& stdin_data,
                      int timeout_seconds) {
  TempDir io;
  std::string in_path = io.file("stdin"), out_path = io.file("stdout"), err_path = io.file("stderr");
  {
    std::ofstream f(in_path, std::ios::binary);
    f << stdin_data;
  }
  std::vector<std::string> argv_s = {program};
  for (auto& a : args) argv_s.push_back(a);
  std::vector<std::string> env_s;
  for (auto& [k, v] : env) env_s.push_back(k + "=" + v);
  // Made before fork(), as in Server::Server: the child only calls async-signal-safe functions.
  auto argv = make_argv(argv_s);
  auto envp = make_argv(env_s);
  pid_t pid = fork();
  if (pid == 0) {
    int in = open(in_path.c_str(), O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    setsid();  // no controlling terminal: slab5 sees a script, not a person
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CliResult res;
  res.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  res.out = read_file(out_path);
  res.err = read_file(err_path);
  return res;
}

CliResult run_cli(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                  const std::string& stdin_data) {
  auto e = env;
  static TempDir home;
  if (!e.count("PATH")) e["PATH"] = "/usr/local/bin:/usr/bin:/bin";
  if (!e.count("HOME")) e["HOME"] = home.path();
  if (!e.count("SLAB5_CONFIG_DIR")) e["SLAB5_CONFIG_DIR"] = home.path() + "/config";
  return run_program(slab5_bin(), args, e, stdin_data);
}

Json login(const Server& s, const std::string& email, const std::string& password, const std::string& workspace_id) {
  Json body = {{"provider", "local"}, {"email", email}, {"password", password}};
  if (!workspace_id.empty()) body["workspaceId"] = workspace_id;
  auto r = api("POST", s.api_url + "/auth/session", "", body);
  if (r.status != 200) throw std::runtime_error("login of " + email + " failed: " + r.body);
  return r.json["data"];
}

Member add_member(Server& s, const std::string& role) {
  auto owner = login(s, s.owner_email, s.owner_password, s.workspace_id);
  std::string owner_token = owner["accessToken"];
  Member m;
  m.email = "member-" + slab5::hex_encode(slab5::random_bytes(6)) + "@example.test";
  m.password = "pw-" + slab5::hex_encode(slab5::random_bytes(8));
  auto inv = api("POST", s.api_url + "/workspace/invitations", owner_token, {{"email", m.email}, {"role", role}},
                 {{"x-workspace-id", s.workspace_id}});
  if (inv.status != 201) throw std::runtime_error("invitation failed: " + inv.body);
  auto mail = http("GET", s.api_url + "/dev/mail?to=" + slab5::url_encode(m.email));
  if (mail.status != 200 || mail.json["data"].empty()) throw std::runtime_error("no invitation mail: " + mail.body);
  std::string token = mail.json["data"][0]["token"];
  auto acc = api("POST", s.api_url + "/auth/accept-invite", "", {{"token", token}, {"password", m.password}});
  if (acc.status != 200) throw std::runtime_error("accept-invite failed: " + acc.body);
  m.user_id = acc.json["data"]["user"]["id"];
  m.access_token = acc.json["data"]["accessToken"];
  m.refresh_token = acc.json["data"]["refreshToken"];
  return m;
}

}  // namespace testing
