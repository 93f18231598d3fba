// slab5d's HTTP core, store and first start (api.md §1, server.md §1-2).
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"

using namespace testing;

namespace {
void check_envelope(const Response& r, long status, const std::string& code) {
  CHECK(r.status == status);
  REQUIRE(r.json.is_object());
  REQUIRE(r.json.contains("error"));
  CHECK(r.json["error"]["code"] == code);
  CHECK(r.json["error"]["docs_url"] == "https://docs.slab5.com/api/errors#" + code);
  CHECK(r.json["error"]["request_id"] == r.header("x-request-id"));
  CHECK(r.json["error"]["message"].get<std::string>().size() > 0);
}

// A raw TCP connection, for what an HTTP library would not send.
int connect_raw(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(std::uint16_t(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}
std::string read_some(int fd, int timeout_ms = 5000) {
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[65536];
  ssize_t n = recv(fd, buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, std::size_t(n)) : std::string();
}
}  // namespace

TEST_CASE("first start prints the listening line and the export lines once") {
  Server s;
  CHECK(s.first_output.find("slab5d 0.1.0 listening on http://127.0.0.1:") == 0);
  CHECK(s.first_output.find(", new)") != std::string::npos);
  CHECK(s.token.rfind("slab5_sk_", 0) == 0);
  CHECK(s.owner_email == "dev@slab5.local");
  CHECK(s.owner_password.size() >= 16);
  CHECK(s.workspace_id.rfind("wrk_", 0) == 0);
  CHECK(s.first_output.find("export SLAB5_API_BASE_URL=" + s.api_url + "\n") != std::string::npos);
}

TEST_CASE("a restart on the same database prints only the listening line and keeps the data") {
  TempDir dir;
  std::string db = dir.file("keep.db");
  std::string token;
  {
    Server s({.db = db});
    token = s.token;
    CHECK(s.stop() == 0);
  }
  Server again({.db = db});
  CHECK(again.token.empty());
  CHECK(std::count(again.first_output.begin(), again.first_output.end(), '\n') == 1);
  CHECK(again.first_output.find(", new)") == std::string::npos);
  auto r = api("GET", again.api_url + "/workspace", token);
  CHECK(r.status == 200);
}

TEST_CASE("health answers without a token") {
  Server s;
  auto r = http("GET", s.base_url + "/health");
  CHECK(r.status == 200);
  CHECK(r.json["status"] == "ok");
  CHECK(r.header("x-request-id").rfind("req_", 0) == 0);
}

TEST_CASE("GET /v1/workspace with the first-start key returns the workspace in the envelope") {
  Server s;
  auto r = api("GET", s.api_url + "/workspace", s.token);
  REQUIRE(r.status == 200);
  CHECK(r.json["data"]["id"] == s.workspace_id);
  CHECK(r.json["data"]["name"] == "Personal Workspace");
  CHECK(r.json["request_id"] == r.header("x-request-id"));
  auto mods = r.json["data"]["enabled_modules"];
  CHECK(std::find(mods.begin(), mods.end(), "bi") == mods.end());
  CHECK(std::find(mods.begin(), mods.end(), "crm") != mods.end());
}

TEST_CASE("unknown routes are 404 and wrong methods 405 with Allow, both in the envelope") {
  Server s;
  auto r = http("GET", s.api_url + "/nothing-here");
  check_envelope(r, 404, "resource_not_found");
  auto m = http("DELETE", s.base_url + "/health");
  check_envelope(m, 405, "method_not_allowed");
  CHECK(m.header("Allow") == "GET");
}

TEST_CASE("bad, missing and look-alike tokens are 401 unauthorized") {
  Server s;
  check_envelope(api("GET", s.api_url + "/workspace", ""), 401, "unauthorized");
  check_envelope(http("GET", s.api_url + "/workspace", "", {{"Authorization", "Basic abc"}}), 401, "unauthorized");
  std::string tampered = s.token;
  tampered[12] = tampered[12] == 'a' ? 'b' : 'a';
  auto r = api("GET", s.api_url + "/workspace", tampered);
  check_envelope(r, 401, "unauthorized");
  CHECK(r.json["error"]["message"].get<std::string>().find("checksum") != std::string::npos);
  CHECK(r.body.find(tampered) == std::string::npos);
  check_envelope(api("GET", s.api_url + "/workspace", "slab5_sk_short"), 401, "unauthorized");
}

TEST_CASE("a key for one workspace with another x-workspace-id is workspace_not_found") {
  Server s;
  auto r =
      api("GET", s.api_url + "/workspace", s.token, nullptr, {{"x-workspace-id", "wrk_01aaaaaaaaaaaaaaaaaaaaaaaa"}});
  check_envelope(r, 404, "workspace_not_found");
}

TEST_CASE("bodies: wrong content type 415, malformed JSON 400, invalid UTF-8 400, over 1 MiB 413") {
  Server s;
  // /v1/workspace accepts PATCH once workspaces land; /health rejects bodies by method first,
  // so exercise body parsing on a POST route that exists in every build: the dev mailbox
  // reset would not do either, hence a PATCH to /v1/workspace.
  std::string url = s.api_url + "/workspace";
  auto auth = std::pair<std::string, std::string>{"Authorization", "Bearer " + s.token};
  auto ct = http("PATCH", url, "{\"name\":\"x\"}", {auth, {"Content-Type", "text/plain"}});
  if (ct.status == 405) return;  // PATCH arrives with the workspaces issue
  check_envelope(ct, 415, "unsupported_media_type");
  check_envelope(http("PATCH", url, "{\"name\":", {auth, {"Content-Type", "application/json"}}), 400,
                 "invalid_request");
  check_envelope(http("PATCH", url, "{\"name\":\"\xff\xfe\"}", {auth, {"Content-Type", "application/json"}}), 400,
                 "invalid_request");
  check_envelope(http("PATCH", url, "[1,2]", {auth, {"Content-Type", "application/json"}}), 400, "invalid_request");
  std::string big(1024 * 1024 + 10, ' ');
  check_envelope(http("PATCH", url, big, {auth, {"Content-Type", "application/json"}}), 413, "payload_too_large");
}

TEST_CASE("an oversized body is refused with 413 before it is read") {
  Server s;
  std::string big = "{\"a\":\"" + std::string(1024 * 1024 + 100, 'x') + "\"}";
  auto r = http("POST", s.api_url + "/workspaces", big, {{"Content-Type", "application/json"}});
  check_envelope(r, 413, "payload_too_large");
}

TEST_CASE("headers over 16 KiB are refused") {
  Server s;
  auto r = http("GET", s.base_url + "/health", "", {{"X-Big", std::string(17 * 1024, 'a')}});
  CHECK(r.status == 400);
  CHECK(r.json["error"]["code"] == "invalid_request");
}

TEST_CASE("x-correlation-id is echoed and logged; an invalid one is refused") {
  Server s;
  auto r = api("GET", s.api_url + "/workspace", s.token, nullptr, {{"x-correlation-id", "build-42/step-7"}});
  CHECK(r.status == 200);
  CHECK(r.header("x-correlation-id") == "build-42/step-7");
  auto bad = http("GET", s.base_url + "/health", "", {{"x-correlation-id", std::string(200, 'a')}});
  check_envelope(bad, 400, "invalid_request");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(s.log().find("correlation_id=build-42/step-7") != std::string::npos);
}

TEST_CASE("keep-alive: many requests over one connection") {
  Server s;
  int fd = connect_raw(s.port);
  for (int i = 0; i < 20; ++i) {
    std::string req = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    REQUIRE(send(fd, req.data(), req.size(), 0) == ssize_t(req.size()));
    auto resp = read_some(fd);
    REQUIRE(resp.rfind("HTTP/1.1 200", 0) == 0);
  }
  close(fd);
}

TEST_CASE("a stalled client is disconnected after the read timeout and ties up nothing") {
  Server s({.args = {"--read-timeout", "1"}});
  int fd = connect_raw(s.port);
  std::string half = "GET /health HTTP/1.1\r\nHost: x\r\n";  // never finished
  send(fd, half.data(), half.size(), 0);
  // Meanwhile others are served.
  CHECK(http("GET", s.base_url + "/health").status == 200);
  auto start = std::chrono::steady_clock::now();
  auto rest = read_some(fd, 5000);  // returns when the server closes
  auto waited = std::chrono::steady_clock::now() - start;
  CHECK(rest.empty());
  CHECK(waited < std::chrono::seconds(4));
  close(fd);
}

TEST_CASE("SIGTERM drains and exits 0; SIGINT too") {
  {
    Server s;
    CHECK(http("GET", s.base_url + "/health").status == 200);
    CHECK(s.stop(SIGTERM) == 0);
  }
  {
    Server s;
    CHECK(s.stop(SIGINT) == 0);
  }
}

TEST_CASE("a file that is not a database is refused and left untouched") {
  TempDir dir;
  std::string path = dir.file("notes.db");
  std::string content = "these are my notes, not a database\n" + std::string(5000, 'z');
  {
    std::ofstream f(path);
    f << content;
  }
  auto r = run_program(slab5d_bin(), {"serve", "--db", path, "--listen", "127.0.0.1:0"}, {{"PATH", "/usr/bin:/bin"}},
                       "", 10);
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("slab5d: error:") != std::string::npos);
  std::ifstream f(path);
  std::string after((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  CHECK(after == content);
  CHECK(!std::filesystem::exists(path + "-wal"));
}

TEST_CASE("a database from a newer slab5d is refused") {
  TempDir dir;
  std::string path = dir.file("new.db");
  run_program("/usr/bin/sqlite3", {path, "CREATE TABLE x(a); PRAGMA user_version=999;"}, {{"PATH", "/usr/bin:/bin"}});
  auto r = run_program(slab5d_bin(), {"migrate", "--db", path}, {{"PATH", "/usr/bin:/bin"}});
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("newer") != std::string::npos);
}

TEST_CASE("two slab5d processes share one database file") {
  TempDir dir;
  std::string db = dir.file("shared.db");
  Server a({.db = db});
  Server b({.db = db});
  CHECK(b.token.empty());
  CHECK(api("GET", b.api_url + "/workspace", a.token).status == 200);
  CHECK(api("GET", a.api_url + "/workspace", a.token).status == 200);
}

TEST_CASE("init, migrate, backup and version commands") {
  TempDir dir;
  std::string db = dir.file("i.db");
  std::map<std::string, std::string> env{{"PATH", "/usr/bin:/bin"}};
  auto init = run_program(slab5d_bin(), {"init", "--db", db, "--password-cost", "test"}, env);
  CHECK(init.exit_code == 0);
  CHECK(init.out.find("export SLAB5_WORKSPACE_TOKEN=slab5_sk_") != std::string::npos);
  auto again = run_program(slab5d_bin(), {"init", "--db", db}, env);
  CHECK(again.exit_code == 0);
  CHECK(again.out.empty());
  auto mig = run_program(slab5d_bin(), {"migrate", "--db", db}, env);
  CHECK(mig.exit_code == 0);
  CHECK(mig.out.find("schema version") != std::string::npos);
  auto bak = run_program(slab5d_bin(), {"backup", "--db", db, "--to", dir.file("copy.db")}, env);
  CHECK(bak.exit_code == 0);
  CHECK(std::filesystem::exists(dir.file("copy.db")));
  auto bak2 = run_program(slab5d_bin(), {"backup", "--db", db, "--to", dir.file("copy.db")}, env);
  CHECK(bak2.exit_code != 0);
  auto ver = run_program(slab5d_bin(), {"version"}, env);
  CHECK(ver.out.rfind("slab5d 0.1.0 (", 0) == 0);
}

TEST_CASE("flags come from SLAB5D_* too, and a bad flag is a one-line error") {
  std::map<std::string, std::string> env{{"PATH", "/usr/bin:/bin"}};
  auto bad = run_program(slab5d_bin(), {"serve", "--no-such-flag"}, env);
  CHECK(bad.exit_code == 2);
  CHECK(std::count(bad.err.begin(), bad.err.end(), '\n') == 1);
  auto badval = run_program(slab5d_bin(), {"serve", "--rate-limit", "fast"}, env);
  CHECK(badval.exit_code == 2);
  CHECK(badval.err.find("--rate-limit") != std::string::npos);
  auto envbad = run_program(slab5d_bin(), {"serve"}, {{"PATH", "/usr/bin:/bin"}, {"SLAB5D_LOG_FORMAT", "xml"}});
  CHECK(envbad.exit_code == 2);
  Server s({.args = {}, .env = {{"SLAB5D_LOG_FORMAT", "json"}}});
  http("GET", s.base_url + "/health");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(s.log().find("{\"time\":") != std::string::npos);
}

TEST_CASE("the log never contains the token") {
  Server s;
  auto good = api("GET", s.api_url + "/workspace", s.token);
  auto bad = api("GET", s.api_url + "/workspace?token=" + s.token, s.token + "x");
  // The check means something only once both requests' lines are in the log.
  std::string log;
  for (int i = 0; i < 100; ++i) {
    log = s.log();
    if (log.find(good.header("x-request-id")) != std::string::npos &&
        log.find(bad.header("x-request-id")) != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(log.find(good.header("x-request-id")) != std::string::npos);
  REQUIRE(log.find(bad.header("x-request-id")) != std::string::npos);
  CHECK(log.find(s.token.substr(9)) == std::string::npos);
}

TEST_CASE("--tls-cert and --tls-key serve HTTPS") {
  TempDir dir;
  std::map<std::string, std::string> env{{"PATH", "/usr/bin:/bin"}};
  auto gen = run_program("/usr/bin/openssl",
                         {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days",
                          "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                          dir.file("key.pem"), "-out", dir.file("cert.pem")},
                         env);
  REQUIRE(gen.exit_code == 0);
  Server s({.args = {"--tls-cert", dir.file("cert.pem"), "--tls-key", dir.file("key.pem")}});
  CHECK(s.first_output.find("listening on https://127.0.0.1:") != std::string::npos);
  std::string url = "https://127.0.0.1:" + std::to_string(s.port) + "/v1/workspace";
  auto ok = run_program("/usr/bin/curl",
                        {"-sS", "--cacert", dir.file("cert.pem"), "-H", "Authorization: Bearer " + s.token, url}, env);
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find(s.workspace_id) != std::string::npos);
  // Without the CA the client refuses the certificate: verification is real.
  auto refused = run_program("/usr/bin/curl", {"-sS", url}, env);
  CHECK(refused.exit_code != 0);
  // And slab5 talks to it with --cacert.
  auto cli = run_cli({"workspace", "--json", "--cacert", dir.file("cert.pem")},
                     {{"SLAB5_API_BASE_URL", "https://127.0.0.1:" + std::to_string(s.port) + "/v1"},
                      {"SLAB5_WORKSPACE_TOKEN", s.token}});
  CHECK(cli.exit_code == 0);
  auto nocert = run_cli({"workspace"}, {{"SLAB5_API_BASE_URL", "https://127.0.0.1:" + std::to_string(s.port) + "/v1"},
                                        {"SLAB5_WORKSPACE_TOKEN", s.token},
                                        {"SLAB5_MAX_RETRIES", "0"}});
  CHECK(nocert.exit_code == 7);
}

TEST_CASE("--db refuses URLs instead of taking them for file names, without echoing a password") {
  TempDir dir;
  auto in_dir = [&](const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) {
    std::string cmd = "cd '" + dir.path() + "' && exec \"$@\"";
    std::vector<std::string> all{"-c", cmd, "sh", slab5d_bin()};
    all.insert(all.end(), args.begin(), args.end());
    auto e = env;
    e["PATH"] = "/usr/bin:/bin";
    return run_program("/bin/sh", all, e);
  };
  // A PostgreSQL database is shared by instances: they must be told where the key-encryption
  // key and asset bytes are, not guess a place beside a file that is not there.
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"serve", "--db", "postgres://app:hunter2secret@db.example:5432/slab5", "--listen", "127.0.0.1:0"},
           {"init", "--db", "POSTGRES://app:hunter2secret@db.example/slab5"},
           {"seed", "--db", "postgres://app:hunter2secret@db.example/slab5", "--kek-file", "k", "/dev/null"}}) {
    auto r = in_dir(args);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--kek-file and --assets-dir") != std::string::npos);
    CHECK(r.err.find("hunter2secret") == std::string::npos);
  }
  auto no_server = in_dir({"serve", "--db", "postgres://app:hunter2secret@127.0.0.1:1/slab5", "--kek-file", "k",
                           "--assets-dir", "a", "--listen", "127.0.0.1:0"});
  CHECK(no_server.exit_code == 1);
  CHECK(no_server.err.find("cannot connect to PostgreSQL") != std::string::npos);
  CHECK(no_server.err.find("hunter2secret") == std::string::npos);
  // migrate takes a PostgreSQL URL (docs/postgres.md): a server that is not there is a failure
  // to connect (exit 1) that names no part of the URL. Port 1 on loopback: nothing listens.
  auto unreachable = in_dir({"migrate", "--db", "postgresql://app:hunter2secret@127.0.0.1:1/slab5"});
  CHECK(unreachable.exit_code == 1);
  CHECK(unreachable.err.find("cannot connect to PostgreSQL") != std::string::npos);
  CHECK(unreachable.err.find("hunter2secret") == std::string::npos);
  auto r = in_dir({"serve", "--listen", "127.0.0.1:0"}, {{"SLAB5D_DB", "https://example.com/slab5.db"}});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("'https://…' is a URL") != std::string::npos);
  CHECK(in_dir({"export", "--db", "file:///tmp/x.db"}).exit_code == 2);
  // Nothing was created for any of them (a directory named "postgres:" was, before), not
  // even the key file or assets directory of a server that could not connect.
  CHECK(std::filesystem::is_empty(dir.path()));
  // A path with "://" inside a directory name is still a path.
  auto ok = in_dir({"migrate", "--db", "data/a://b.db"});
  CHECK(ok.exit_code == 0);
  CHECK(std::filesystem::exists(dir.file("data/a:/b.db")));
}
