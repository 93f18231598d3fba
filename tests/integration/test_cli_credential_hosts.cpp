// cli.md §1 and §3: a credential belongs to the host that issued it. Stored credentials are
// filed by host; `slab5 api` to another host, a redirect, or a profile pointed elsewhere never
// carries a token there; `auth status` names every host; traces and errors redact tokens.
// "Another host" is a recorder on 127.0.0.2 (loopback, a different host from 127.0.0.1).
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "harness.hpp"
#include "stand_in.hpp"

using namespace testing;

namespace {

// An HTTP server on 127.0.0.2 that records every request head it receives and answers 200 {}.
class Recorder {
 public:
  Recorder() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.2", &addr.sin_addr);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(fd_, 16) == 0);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~Recorder() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  std::string origin() const { return "http://127.0.0.2:" + std::to_string(port_); }
  std::string url(const std::string& path) const { return origin() + path; }
  std::vector<std::string> heads() {
    std::lock_guard lock(mu_);
    return heads_;
  }
  // Every request head, lowercased, in one string.
  std::string all() {
    std::string s;
    for (auto& h : heads()) s += h + "\n";
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
  }

 private:
  void loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      timeval tv{5, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::string head = read_until(c, "\r\n\r\n");
      {
        std::lock_guard lock(mu_);
        heads_.push_back(head);
      }
      send_all(c,
               "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
      close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> heads_;
  std::thread thread_;
};

// The host key a server's credentials are filed under.
std::string host_of(const Server& s) { return s.base_url; }  // http://127.0.0.1:PORT

struct Cli {
  TempDir home;
  std::map<std::string, std::string> env;
  explicit Cli(const std::string& api_url) {
    env = {{"SLAB5_API_BASE_URL", api_url},
           {"SLAB5_CONFIG_DIR", home.file("config")},
           {"HOME", home.path()},
           {"SLAB5_MAX_RETRIES", "0"}};
  }
  CliResult run(const std::vector<std::string>& args, const std::map<std::string, std::string>& extra = {},
                const std::string& in = "") const {
    auto e = env;
    for (auto& [k, v] : extra) e[k] = v;
    return run_cli(args, e, in);
  }
  std::string credentials_path() const { return home.file("config") + "/credentials.json"; }
  Json credentials() const {
    std::ifstream in(credentials_path());
    std::stringstream ss;
    ss << in.rdbuf();
    auto j = Json::parse(ss.str(), nullptr, false);
    return j.is_discarded() ? Json(nullptr) : j;
  }
  void write_credentials(const Json& j) const {
    std::filesystem::create_directories(home.file("config"));
    {
      std::ofstream out(credentials_path(), std::ios::trunc);
      out << j.dump();
    }
    std::filesystem::permissions(credentials_path(), std::filesystem::perms(0600));
  }
};

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("slab5 api with an absolute URL to another host sends no token and no workspace") {
  Server s;
  Recorder other;
  Cli cli(s.api_url);
  auto r = cli.run({"api", other.url("/steal")},
                   {{"SLAB5_WORKSPACE_TOKEN", s.token}, {"SLAB5_WORKSPACE_ID", s.workspace_id}});
  CHECK(r.exit_code == 0);
  CHECK(has(r.err, "is not the base URL's host"));
  REQUIRE(other.heads().size() == 1);
  CHECK(has(other.all(), "get /steal"));
  CHECK_FALSE(has(other.all(), "authorization"));
  CHECK_FALSE(has(other.all(), "x-workspace-id"));
  CHECK_FALSE(has(other.all(), s.token));
  // A stored credential stays home too.
  REQUIRE(cli.run({"login", "--with-token"}, {}, s.token + "\n").exit_code == 0);
  CHECK(cli.run({"api", other.url("/steal2")}).exit_code == 0);
  REQUIRE(other.heads().size() == 2);
  CHECK_FALSE(has(other.all(), "authorization"));
  // An absolute URL on the base URL's own host carries the token as a relative path does.
  auto same = cli.run({"api", s.api_url + "/workspace"});
  CHECK(same.exit_code == 0);
  CHECK(has(same.out, s.workspace_id));
}

TEST_CASE("a redirect is not followed, so Authorization never reaches the host a Location names") {
  Recorder other;
  StandIn redirector([&](const std::string&) {
    return StandInReply{307, "{}", {{"Location", other.url("/v1/workspace")}}};
  });
  Server s;  // only for a well-formed key
  Cli cli(redirector.url("/v1"));
  auto r = cli.run({"api", "/workspace"}, {{"SLAB5_WORKSPACE_TOKEN", s.token}});
  CHECK(r.exit_code != 0);
  CHECK(redirector.request_lines().size() == 1);
  CHECK(other.heads().empty());
  auto w = cli.run({"workspace"}, {{"SLAB5_WORKSPACE_TOKEN", s.token}});
  CHECK(w.exit_code != 0);
  CHECK(other.heads().empty());
}

TEST_CASE("a stored session is never sent to, nor refreshed at, another host; the profile finds none there") {
  Server s;
  Recorder other;
  Cli cli(s.api_url);
  REQUIRE(cli.run({"login", "--email", s.owner_email, "--password-stdin"}, {}, s.owner_password + "\n").exit_code == 0);
  auto creds = cli.credentials();
  REQUIRE(creds["hosts"][host_of(s)]["profiles"]["default"]["kind"] == "session");
  // Expired: any command would refresh it first, wherever the profile points.
  creds["hosts"][host_of(s)]["profiles"]["default"]["expires_at"] = "2020-01-01T00:00:00.000Z";
  cli.write_credentials(creds);
  auto r = cli.run({"workspace"}, {{"SLAB5_API_BASE_URL", other.url("/v1")}});
  CHECK(r.exit_code == 4);
  CHECK(has(r.err, "no token configured for " + other.origin()));
  CHECK(has(r.err, host_of(s)));  // the hint says where the profile's credential is
  CHECK(has(r.err, "slab5 login"));
  CHECK(other.heads().empty());  // no request, no refresh, no token
  // The same when the profile itself is pointed at the other server.
  REQUIRE(cli.run({"config", "set", "base_url", other.url("/v1")}, {{"SLAB5_API_BASE_URL", ""}}).exit_code == 0);
  auto p = cli.run({"workspace"}, {{"SLAB5_API_BASE_URL", ""}});
  CHECK(p.exit_code == 4);
  CHECK(other.heads().empty());
  // Back home, the session works (and is refreshed there).
  CHECK(cli.run({"workspace"}).exit_code == 0);
}

TEST_CASE("credentials for two servers live side by side; auth status names every host and account") {
  Server a, b;
  Cli cli(a.api_url);
  REQUIRE(cli.run({"login", "--email", a.owner_email, "--password-stdin"}, {}, a.owner_password + "\n").exit_code == 0);
  REQUIRE(cli.run({"login", "--with-token"}, {{"SLAB5_API_BASE_URL", b.api_url}}, b.token + "\n").exit_code == 0);
  auto creds = cli.credentials();
  CHECK(creds["version"] == 2);
  CHECK(creds["hosts"][host_of(a)]["profiles"]["default"]["kind"] == "session");
  CHECK(creds["hosts"][host_of(b)]["profiles"]["default"]["kind"] == "api_key");
  // Each server gets its own credential.
  CHECK(cli.run({"workspace"}).exit_code == 0);
  CHECK(cli.run({"workspace"}, {{"SLAB5_API_BASE_URL", b.api_url}}).exit_code == 0);
  auto st = cli.run({"auth", "status", "--json"});
  REQUIRE(st.exit_code == 0);
  auto j = Json::parse(st.out);
  CHECK(j["host"] == host_of(a));
  REQUIRE(j["stored"].size() == 2);
  int active = 0;
  for (const auto& e : j["stored"]) {
    if (e["host"] == host_of(a)) {
      CHECK(e["kind"] == "session");
      CHECK(e["account"] == a.owner_email);
      CHECK(e["active"] == true);
      ++active;
    } else {
      CHECK(e["host"] == host_of(b));
      CHECK(e["kind"] == "api_key");
      CHECK(e["active"] == false);
      CHECK_FALSE(has(e.dump(), b.token));  // the key's display prefix only
    }
  }
  CHECK(active == 1);
  auto human = cli.run({"auth", "status"});
  CHECK(has(human.out, host_of(a)));
  CHECK(has(human.out, host_of(b)));
  // logout forgets the credential of this host only.
  CHECK(cli.run({"logout"}, {{"SLAB5_API_BASE_URL", b.api_url}}).exit_code == 0);
  CHECK(cli.run({"workspace"}, {{"SLAB5_API_BASE_URL", b.api_url}}).exit_code == 4);
  CHECK(cli.run({"workspace"}).exit_code == 0);
}

TEST_CASE("a credentials file of the previous format is read under the host it recorded, and no other") {
  Server s;
  Recorder other;
  Cli cli(s.api_url);
  cli.write_credentials(
      {{"profiles", {{"default", {{"kind", "api_key"}, {"token", s.token}, {"base_url", s.api_url}}}}}});
  CHECK(cli.run({"workspace"}).exit_code == 0);
  auto elsewhere = cli.run({"workspace"}, {{"SLAB5_API_BASE_URL", other.url("/v1")}});
  CHECK(elsewhere.exit_code == 4);
  CHECK(other.heads().empty());
  // The next write (a login elsewhere) converts the file and keeps the old credential.
  Server b;
  REQUIRE(cli.run({"login", "--with-token"}, {{"SLAB5_API_BASE_URL", b.api_url}}, b.token + "\n").exit_code == 0);
  auto creds = cli.credentials();
  CHECK(creds["version"] == 2);
  CHECK(creds["hosts"][host_of(s)]["profiles"]["default"]["token"] == s.token);
  CHECK(cli.run({"workspace"}).exit_code == 0);
}

TEST_CASE("--verbose never shows a token: not the bearer, not one in a header or a query string") {
  Server s;
  Cli cli(s.api_url);
  const std::string& k = s.token;
  auto r =
      cli.run({"--verbose", "api", "/workspace?token=" + k, "-H", "X-Api-Key: " + k}, {{"SLAB5_WORKSPACE_TOKEN", k}});
  CHECK(r.exit_code == 0);
  CHECK(has(r.err, "> GET"));
  CHECK(has(r.err, "?token=[redacted]"));
  CHECK(has(r.err, "X-Api-Key: [redacted]"));
  CHECK(has(r.err, "Authorization: Bearer [redacted]"));
  CHECK_FALSE(has(r.err, k));
  CHECK_FALSE(has(r.err, k.substr(9)));  // nor its random part alone
  // A stored session: neither its access token nor its refresh token, also while refreshing.
  REQUIRE(cli.run({"login", "--email", s.owner_email, "--password-stdin"}, {}, s.owner_password + "\n").exit_code == 0);
  auto creds = cli.credentials();
  auto& stored = creds["hosts"][host_of(s)]["profiles"]["default"];
  std::string access = stored["token"], refresh = stored["refresh_token"];
  stored["expires_at"] = "2020-01-01T00:00:00.000Z";
  cli.write_credentials(creds);
  auto v = cli.run({"--verbose", "workspace"});
  CHECK(v.exit_code == 0);
  CHECK(has(v.err, "refreshing the stored session"));
  auto after = cli.credentials()["hosts"][host_of(s)]["profiles"]["default"];
  for (const std::string& secret :
       {access, refresh, after["token"].get<std::string>(), after["refresh_token"].get<std::string>()}) {
    CHECK_FALSE(has(v.err, secret));
  }
  CHECK_FALSE(has(v.err, "eyJ"));
  CHECK_FALSE(has(v.err, "slab5_rt_"));
}

TEST_CASE("error messages never show a token, even one inside the base URL") {
  Server s;  // for a well-formed key
  const std::string& k = s.token;
  Cli cli("http://127.0.0.1:9/v1?token=" + k);  // nothing listens on the discard port
  auto r = cli.run({"workspace"}, {{"SLAB5_WORKSPACE_TOKEN", k}});
  CHECK(r.exit_code == 7);
  CHECK(has(r.err, "cannot reach"));
  CHECK(has(r.err, "[redacted]"));
  CHECK_FALSE(has(r.err, k));
  auto json = cli.run({"--json", "api", "/workspace"}, {{"SLAB5_WORKSPACE_TOKEN", k}});
  CHECK_FALSE(has(json.err, k));
}

TEST_CASE("auth status with a token from the environment still answers when the credentials file is unusable") {
  Server s;
  Cli cli(s.api_url);
  REQUIRE(cli.run({"login", "--with-token"}, {}, s.token + "\n").exit_code == 0);
  std::filesystem::permissions(cli.credentials_path(), std::filesystem::perms(0644));
  auto r = cli.run({"auth", "status", "--json"}, {{"SLAB5_WORKSPACE_TOKEN", s.token}});
  CHECK(r.exit_code == 0);
  CHECK(has(r.err, "stored credentials not listed"));
  CHECK(has(r.err, "chmod 600"));
  CHECK(Json::parse(r.out)["stored"].empty());
}
