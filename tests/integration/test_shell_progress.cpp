// Progress on stderr for long work (cli.md §3): `--paginate` reports pages on a terminal and
// stays silent when stderr is a pipe. A small stand-in server answers with two pages, so this
// holds whatever list routes exist; `script` gives slab5 a pseudo-terminal.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness.hpp"
#include "slab5/token.hpp"

using namespace testing;

namespace {

// Serves GET …/items: page one with next_cursor, page two without; "fail" after page one
// when asked to, to check the progress line is cleared before the error.
class TwoPageServer {
 public:
  explicit TwoPageServer(bool fail_second = false) : fail_second_(fail_second) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(fd_, 8) == 0);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~TwoPageServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string api_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

 private:
  void serve() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        req.append(buf, std::size_t(n));
      }
      bool second = req.substr(0, req.find('\n')).find("cursor=") != std::string::npos;
      int status = 200;
      std::string body;
      if (!second)
        body = R"({"data":[{"id":"a"},{"id":"b"}],"next_cursor":"page2","request_id":"req_1"})";
      else if (fail_second_) {
        status = 404;
        body = R"({"error":{"code":"resource_not_found","message":"gone","request_id":"req_2"}})";
      } else
        body = R"({"data":[{"id":"c"}],"request_id":"req_2"})";
      std::string resp = "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Not Found") +
                         "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body;
      send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
      close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  bool fail_second_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::map<std::string, std::string> env_for(const TwoPageServer& s, const TempDir& d) {
  return {{"PATH", "/usr/local/bin:/usr/bin:/bin"},
          {"HOME", d.path()},
          {"SLAB5_CONFIG_DIR", d.file("config")},
          {"SLAB5_API_BASE_URL", s.api_url()},
          {"SLAB5_WORKSPACE_TOKEN", slab5::generate_token("slab5_sk_")},
          {"SLAB5_MAX_RETRIES", "0"},
          {"TERM", "xterm"}};
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs `slab5 ARGS > out` under script(1): stderr is a terminal, stdout a file.
CliResult on_a_terminal(const std::string& args, const std::map<std::string, std::string>& env, const TempDir& d) {
  std::string cmd = "'" + slab5_bin() + "' " + args + " > '" + d.file("out") + "'";
  return run_program("/usr/bin/script", {"-qec", cmd, d.file("typescript")}, env);
}

}  // namespace

TEST_CASE("--paginate shows progress on stderr when it is a terminal, then clears the line") {
  if (access("/usr/bin/script", X_OK) != 0) {
    MESSAGE("skipped: script(1) is not installed (apt-get install bsdutils)");
    return;
  }
  TwoPageServer s;
  TempDir d;
  auto r = on_a_terminal("api /items --paginate", env_for(s, d), d);
  CHECK(r.exit_code == 0);
  auto tty = slurp(d.file("typescript"));
  CHECK(tty.find("fetched 2 items") != std::string::npos);
  CHECK(tty.find("\r\033[K") != std::string::npos);  // the line is cleared
  auto out = Json::parse(slurp(d.file("out")));
  CHECK(out == Json::parse(R"([{"id":"a"},{"id":"b"},{"id":"c"}])"));
}

TEST_CASE("--paginate prints no progress when stderr is not a terminal") {
  TwoPageServer s;
  TempDir d;
  auto env = env_for(s, d);
  auto r = run_cli({"api", "/items", "--paginate"}, env);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(Json::parse(r.out).size() == 3);
}

TEST_CASE("--quiet suppresses the progress line on a terminal") {
  if (access("/usr/bin/script", X_OK) != 0) {
    MESSAGE("skipped: script(1) is not installed");
    return;
  }
  TwoPageServer s;
  TempDir d;
  auto r = on_a_terminal("api /items --paginate -q", env_for(s, d), d);
  CHECK(r.exit_code == 0);
  CHECK(slurp(d.file("typescript")).find("fetched") == std::string::npos);
}

TEST_CASE("an error after some pages clears the progress line before the error") {
  if (access("/usr/bin/script", X_OK) != 0) {
    MESSAGE("skipped: script(1) is not installed");
    return;
  }
  TwoPageServer s(true);
  TempDir d;
  auto r = on_a_terminal("api /items --paginate", env_for(s, d), d);
  CHECK(r.exit_code == 3);
  auto tty = slurp(d.file("typescript"));
  auto err = tty.find("error:");
  REQUIRE(err != std::string::npos);
  // Between the progress text and "error:" the line was cleared.
  auto progress = tty.find("fetched 2 items");
  REQUIRE(progress != std::string::npos);
  CHECK(tty.substr(progress, err - progress).find("\r\033[K") != std::string::npos);
}
