// slab5d's request intake against hostile input (server.md §2, docs/server.md "Limits"):
// chunked trailers and chunk extensions, transfer codings, Host, deeply nested JSON and the
// case of the auth scheme. Every refusal is checked for its envelope, for whether the
// connection is closed, and for the server still answering afterwards.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "checks.hpp"
#include "harness.hpp"

using namespace testing;

namespace {

// One raw TCP connection, for what an HTTP library would not send.
class RawConn {
 public:
  explicit RawConn(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(std::uint16_t(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~RawConn() { close(fd_); }
  RawConn(const RawConn&) = delete;

  // Sends everything it can; the server may answer and stop reading before the end, which
  // is not an error here (what it answered is what the test checks).
  void send_all(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        return;
      }
      data.remove_prefix(std::size_t(n));
    }
  }

  struct Reply {
    bool complete = false;  // a whole response (head and Content-Length body) arrived
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
    Json json;
    std::string header(const std::string& lower) const {
      auto it = headers.find(lower);
      return it == headers.end() ? std::string() : it->second;
    }
  };

  // Reads one response; gives up after `timeout_ms` without a byte.
  Reply read_reply(int timeout_ms = 30000) {
    Reply r;
    std::size_t head_end;
    while ((head_end = pending_.find("\r\n\r\n")) == std::string::npos)
      if (!fill(timeout_ms)) return r;
    std::string head = pending_.substr(0, head_end);
    pending_.erase(0, head_end + 4);
    auto line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return r;
    r.status = std::stoi(status_line.substr(9, 3));
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      auto end = head.find("\r\n", pos);
      if (end == std::string::npos) end = head.size();
      std::string line = head.substr(pos, end - pos);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (auto& c : name) c = char(std::tolower((unsigned char)c));
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        r.headers[name] = value;
      }
      pos = end + 2;
    }
    std::size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    while (pending_.size() < length)
      if (!fill(timeout_ms)) return r;
    r.body = pending_.substr(0, length);
    pending_.erase(0, length);
    r.json = Json::parse(r.body, nullptr, false);
    if (r.json.is_discarded()) r.json = nullptr;
    r.complete = true;
    return r;
  }

  // True when the server closes the connection (end of stream or reset) before sending
  // anything more.
  bool closed_by_server(int timeout_ms = 10000) {
    if (!pending_.empty()) return false;
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    for (;;) {
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n > 0) {
        pending_.append(buf, std::size_t(n));
        return false;
      }
      if (errno == EINTR) continue;
      return errno == ECONNRESET;
    }
  }

 private:
  bool fill(int timeout_ms) {
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[65536];
    for (;;) {
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        pending_.append(buf, std::size_t(n));
        return true;
      }
      if (n < 0 && errno == EINTR) continue;
      return false;
    }
  }

  int fd_ = -1;
  std::string pending_;
};

// The process is alive (not exited or killed) and answers GET /health.
void check_up(const Server& s) {
  int status = 0;
  REQUIRE(waitpid(s.pid(), &status, WNOHANG) == 0);
  CHECK(http("GET", s.base_url + "/health").status == 200);
}

// An error reply on a raw connection: status, envelope code, request id = x-request-id.
void check_raw_error(const RawConn::Reply& r, int status, const std::string& code) {
  INFO(r.body);
  REQUIRE(r.complete);
  CHECK(r.status == status);
  REQUIRE(r.json.is_object());
  REQUIRE(r.json.contains("error"));
  CHECK(r.json["error"]["code"] == code);
  CHECK(r.json["error"]["request_id"] == r.header("x-request-id"));
  CHECK(!r.json["error"]["message"].get<std::string>().empty());
}

// Sends `request` on a new connection, expects one 400 invalid_request that closes it, and
// returns that reply's message.
std::string refused_and_closed(const Server& s, const std::string& request) {
  RawConn c(s.port);
  c.send_all(request);
  auto r = c.read_reply();
  check_raw_error(r, 400, "invalid_request");
  if (request.find(" HTTP/1.0\r\n") == std::string::npos) CHECK(r.header("connection") == "close");  // 1.0: by default
  CHECK(c.closed_by_server());
  return r.json.is_object() ? r.json["error"].value("message", "") : "";
}

std::string chunked_health(const std::string& chunks_and_trailers) {
  return "GET /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks_and_trailers;
}

// `{"j":[[[…]]]}` with `arrays` nested arrays, after `prefix` (members and a comma, or "").
std::string nested_body(const std::string& prefix, std::size_t arrays) {
  std::string body = "{" + prefix + "\"j\":";
  body.append(arrays, '[');
  body.append(arrays, ']');
  body += "}";
  return body;
}

std::string json_post(const std::string& path, const std::string& body, const std::string& extra_headers = "") {
  return "POST " + path +
         " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + extra_headers + "\r\n" + body;
}

std::string sign_in_prefix(const std::string& email) {
  return "\"provider\":\"local\",\"email\":\"" + email + "\",\"password\":\"wrongpass1\",";
}

}  // namespace

// ---- chunked bodies: trailers and chunk extensions ----------------------------------------

TEST_CASE("a trailer field of 64 KiB is refused with 400 and the server stays up") {
  Server s;
  std::string msg = refused_and_closed(s, chunked_health("0\r\nX: " + std::string(65536, 'a') + "\r\n\r\n"));
  CHECK(msg.find("16 KiB") != std::string::npos);
  check_up(s);
}

TEST_CASE("trailer fields are bounded like headers: 16 KiB in all") {
  Server s;
  std::string many;
  for (int i = 0; i < 20; ++i) many += "X-T" + std::to_string(i) + ": " + std::string(1000, 'b') + "\r\n";
  refused_and_closed(s, chunked_health("0\r\n" + many + "\r\n"));
  // Many trailer fields arriving a piece at a time are refused the same way.
  {
    RawConn c(s.port);
    c.send_all(chunked_health("0\r\n"));
    for (int i = 0; i < 200; ++i) c.send_all("X-T" + std::to_string(i) + ": " + std::string(1000, 'c') + "\r\n");
    c.send_all("\r\n");
    auto r = c.read_reply();
    check_raw_error(r, 400, "invalid_request");
    CHECK(c.closed_by_server());
  }
  check_up(s);
  // A few small trailer fields are read and ignored; the connection stays usable.
  RawConn c(s.port);
  c.send_all(chunked_health("0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n") + "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  auto first = c.read_reply();
  CHECK(first.status == 200);
  CHECK(first.header("connection").empty());
  CHECK(c.read_reply().status == 200);
}

TEST_CASE("chunk extensions are bounded and otherwise ignored") {
  Server s;
  refused_and_closed(s, chunked_health("1;ext=" + std::string(20000, 'e') + "\r\na\r\n0\r\n\r\n"));
  // Many small extensions add up to the same bound.
  std::string chunks;
  for (int i = 0; i < 40; ++i) chunks += "1;e" + std::string(500, 'x') + "\r\na\r\n";
  refused_and_closed(s, chunked_health(chunks + "0\r\n\r\n"));
  // A chunk-size line that never ends is refused without being buffered.
  refused_and_closed(s, chunked_health(std::string(40000, '0')));
  check_up(s);
  RawConn c(s.port);
  std::string body = R"({"email":"ext@example.test","password":"long enough password 1"})";
  std::string first = body.substr(0, 10), rest = body.substr(10);
  auto hex = [](std::size_t n) {
    char buf[16];
    snprintf(buf, sizeof buf, "%zx", n);
    return std::string(buf);
  };
  c.send_all(
      "POST /v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
      hex(first.size()) + ";name=value;quoted=\"a b\"\r\n" + first + "\r\n" + hex(rest.size()) + "\r\n" + rest +
      "\r\n0;last\r\n\r\n");
  auto r = c.read_reply();
  INFO(r.body);
  CHECK(r.status == 202);  // the body arrived whole: registration accepted
}

// ---- transfer codings and framing ---------------------------------------------------------

TEST_CASE("a transfer coding other than chunked is refused and the connection closed") {
  Server s;
  std::string body = R"({"email":"te@example.test","password":"long enough password 1"})";
  std::string chunked_body = [&] {
    char buf[16];
    snprintf(buf, sizeof buf, "%zx", body.size());
    return std::string(buf) + "\r\n" + body + "\r\n0\r\n\r\n";
  }();
  std::string next = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  auto with_te = [&](const std::string& te_lines, const std::string& payload, const std::string& version = "1.1") {
    return "POST /v1/auth/register HTTP/" + version + "\r\nHost: x\r\nContent-Type: application/json\r\n" + te_lines +
           "\r\n" + payload + next;
  };
  // Each is answered once (the GET after it is never read as a request) and closed.
  std::string msg = refused_and_closed(s, with_te("Transfer-Encoding: gzip\r\n", body));
  CHECK(msg.find("chunked") != std::string::npos);
  refused_and_closed(s, with_te("Transfer-Encoding: chunked, gzip\r\n", chunked_body));
  refused_and_closed(s, with_te("Transfer-Encoding: gzip, chunked\r\n", chunked_body));
  refused_and_closed(s, with_te("Transfer-Encoding: chunked, chunked\r\n", chunked_body));
  refused_and_closed(s, with_te("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", chunked_body));
  refused_and_closed(s, with_te("Transfer-Encoding: identity\r\n", body));
  refused_and_closed(s, with_te("Transfer-Encoding: chunked\r\n", chunked_body, "1.0"));
  // None of them registered anyone.
  auto mail = http("GET", s.api_url + "/dev/mail?to=te%40example.test");
  CHECK(mail.status == 200);
  CHECK(mail.json["data"].empty());
  // "chunked" in any case, alone, is what is accepted.
  RawConn c(s.port);
  c.send_all(with_te("Transfer-Encoding: Chunked\r\n", chunked_body));
  auto r = c.read_reply();
  INFO(r.body);
  CHECK(r.status == 202);
  CHECK(c.read_reply().status == 200);
  check_up(s);
}

TEST_CASE("Content-Length together with Transfer-Encoding is refused and the connection closed") {
  Server s;
  std::string next = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  refused_and_closed(s,
                     "POST /v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\"}\r\n0\r\n\r\n" +
                         next);
  refused_and_closed(s,
                     "POST /v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\n{\"a\"}\r\n0\r\n\r\n" +
                         next);
  check_up(s);
}

TEST_CASE("an HTTP/1.1 request without Host, or with two, is 400 invalid_request") {
  Server s;
  std::string msg = refused_and_closed(s, "GET /health HTTP/1.1\r\n\r\n");
  CHECK(msg.find("Host") != std::string::npos);
  refused_and_closed(s, "GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  refused_and_closed(s, "GET /health HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n");
  // HTTP/1.0 predates Host: it may be left out.
  {
    RawConn c(s.port);
    c.send_all("GET /health HTTP/1.0\r\n\r\n");
    auto r = c.read_reply();
    CHECK(r.status == 200);
    CHECK(c.closed_by_server());
  }
  // An empty Host is a Host.
  RawConn c(s.port);
  c.send_all("GET /health HTTP/1.1\r\nHost:\r\n\r\n");
  CHECK(c.read_reply().status == 200);
  check_up(s);
}

// ---- JSON nesting -------------------------------------------------------------------------

TEST_CASE("a create body nested 400,000 deep with an Idempotency-Key is 400 and the server stays up") {
  Server s;
  std::string session = login(s, s.owner_email, s.owner_password)["accessToken"];
  std::string body = nested_body("\"name\":\"deep\",", 400000);
  REQUIRE(body.size() < 1024 * 1024);
  auto start = std::chrono::steady_clock::now();
  RawConn c(s.port);
  c.send_all(json_post("/v1/workspaces", body, "Authorization: Bearer " + session + "\r\nIdempotency-Key: deep-1\r\n"));
  auto r = c.read_reply();
  check_raw_error(r, 400, "invalid_request");
  CHECK(r.json["error"]["message"].get<std::string>().find("64") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  check_up(s);
  // The same session, key and route still work for an ordinary body.
  auto ok = api("POST", s.api_url + "/workspaces", session, {{"name", "after the deep one"}},
                {{"Idempotency-Key", "deep-1"}});
  INFO(ok.body);
  CHECK(ok.status == 201);
}

TEST_CASE("a sign-in body nested 100,000 deep is refused at once and writes go on") {
  Server s;
  std::string body = nested_body(sign_in_prefix("x@y.z"), 100000);
  auto start = std::chrono::steady_clock::now();
  RawConn c(s.port);
  c.send_all(json_post("/v1/auth/session", body));
  // Meanwhile another client writes.
  auto created =
      api("POST", s.api_url + "/workspace/api-keys", s.token, {{"name", "meanwhile"}, {"scopes", {"crm:read"}}});
  INFO(created.body);
  CHECK(created.status == 201);
  auto r = c.read_reply();
  check_raw_error(r, 400, "invalid_request");
  CHECK(r.json["error"]["message"].get<std::string>().find("64") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  // The connection is still good for the next request (the body was read whole).
  c.send_all("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(c.read_reply().status == 200);
  auto after = api("POST", s.api_url + "/workspace/api-keys", s.token, {{"name", "after"}, {"scopes", {"crm:read"}}});
  CHECK(after.status == 201);
  check_up(s);
}

TEST_CASE("JSON nested 64 levels deep is read; 65 is refused, whatever the strings hold") {
  Server s;
  // The object itself is level 1: 63 arrays inside make 64.
  auto at = [&](const std::string& email, std::size_t arrays, const std::string& extra = "") {
    return http("POST", s.api_url + "/auth/session", nested_body(sign_in_prefix(email) + extra, arrays),
                {{"Content-Type", "application/json"}});
  };
  check_error(at("deep64@example.test", 63), 401, "invalid_credentials");
  auto deeper = at("deep65@example.test", 64);
  check_error(deeper, 400, "invalid_request");
  CHECK(deeper.json["error"]["message"].get<std::string>().find("64") != std::string::npos);
  // Brackets inside strings (escaped quotes included) are not nesting.
  std::string noisy = "\"s\":\"" + std::string(500, '[') + "\\\"" + std::string(500, '{') + "\\\\\",";
  check_error(at("strings@example.test", 63, noisy), 401, "invalid_credentials");
  // Objects count like arrays.
  std::string objects = "{";
  for (int i = 0; i < 70; ++i) objects += "\"a\":{";
  objects += std::string(70, '}') + "}";
  check_error(http("POST", s.api_url + "/auth/session", objects, {{"Content-Type", "application/json"}}), 400,
              "invalid_request");
  check_up(s);
}

// ---- Authorization ------------------------------------------------------------------------

TEST_CASE("the Bearer auth scheme is matched without regard to case") {
  Server s;
  for (std::string scheme : {"Bearer", "bearer", "BEARER", "bEaReR"}) {
    CAPTURE(scheme);
    auto r = http("GET", s.api_url + "/workspace", "", {{"Authorization", scheme + " " + s.token}});
    CHECK(r.status == 200);
  }
  // Several spaces after the scheme are allowed (RFC 9110 §11.4: 1*SP).
  CHECK(http("GET", s.api_url + "/workspace", "", {{"Authorization", "BEARER   " + s.token}}).status == 200);
  for (const std::string& bad :
       std::vector<std::string>{"Basic " + s.token, "Bearer", "Bearer ", "Bearerx " + s.token, s.token}) {
    CAPTURE(bad);
    check_error(http("GET", s.api_url + "/workspace", "", {{"Authorization", bad}}), 401, "unauthorized");
  }
  // An idempotent create under a scheme spelled in capitals replays for the same caller.
  Json body = {{"name", "caps"}, {"scopes", {"crm:read"}}};
  auto first = http(
      "POST", s.api_url + "/workspace/api-keys", body.dump(),
      {{"Authorization", "BEARER " + s.token}, {"Content-Type", "application/json"}, {"Idempotency-Key", "caps-1"}});
  REQUIRE(first.status == 201);
  auto again = api("POST", s.api_url + "/workspace/api-keys", s.token, body, {{"Idempotency-Key", "caps-1"}});
  CHECK(again.header("idempotent-replayed") == "true");
  CHECK(again.json["data"] == first.json["data"]);
}

TEST_CASE("a NUL character is refused in a body, a key, the query and the path, and nothing is stored") {
  Server s;
  auto refused = [&](const Response& r) {
    CHECK(r.status == 400);
    CHECK(r.json["error"]["code"] == "invalid_request");
    CHECK(r.json["error"]["message"].get<std::string>().find("NUL") != std::string::npos);
  };
  auto post = [&](const std::string& body) {
    return http("POST", s.api_url + "/contacts", body,
                {{"Authorization", "Bearer " + s.token}, {"Content-Type", "application/json"}});
  };
  refused(post(R"({"name":"Ann\u0000Admin"})"));
  refused(post(R"({"name":"Ann","custom_fields":{"a\u0000b":1}})"));
  refused(post(R"({"name":"\\\u0000"})"));  // a backslash, then the escape
  refused(http("GET", s.api_url + "/contacts?query=ann%00", "", {{"Authorization", "Bearer " + s.token}}));
  refused(http("GET", s.api_url + "/contacts/con_x%00", "", {{"Authorization", "Bearer " + s.token}}));
  CHECK(api("GET", s.api_url + "/contacts", s.token).json["data"].empty());
  // "\\u0000" is a backslash and the text u0000: stored as it is.
  auto kept = post(R"({"name":"C:\\u0000"})");
  REQUIRE(kept.status == 201);
  CHECK(kept.json["data"]["name"] == "C:\\u0000");
  // The MCP gateway refuses it too, as a JSON-RPC error.
  auto client = api("POST", s.api_url + "/workspace/mcp-clients", s.token, {{"name", "nul"}, {"scopes", {"crm:read"}}});
  REQUIRE_MESSAGE(client.status == 201, client.body);
  auto mcp = http("POST", s.base_url + "/mcp/v1",
                  R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x\u0000"}})",
                  {{"Authorization", "Bearer " + client.json["data"]["secret"].get<std::string>()},
                   {"Content-Type", "application/json"},
                   {"Accept", "application/json, text/event-stream"}});
  CHECK(mcp.status == 400);
  CHECK(mcp.body.find("NUL") != std::string::npos);
  CHECK(api("GET", s.api_url + "/workspace", s.token).status == 200);
}
