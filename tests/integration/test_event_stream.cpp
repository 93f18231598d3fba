// The event stream (api.md §8.3): GET /v1/events/stream as Server-Sent Events, filtered by
// type, resumed with Last-Event-ID, with heartbeats; a reader that stops reading is
// disconnected rather than buffered for.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "checks.hpp"
#include "harness.hpp"
#include "stand_in.hpp"

using namespace testing;
using namespace std::chrono_literals;

namespace {

// A raw connection that sends one GET and reads the streamed answer as it comes.
class StreamClient {
 public:
  StreamClient(const Server& s, const std::string& path, const std::string& token, const std::string& extra = "",
               int rcvbuf = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(std::uint16_t(s.port));
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    send_all(fd_, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\n" + extra +
                      "\r\n");
  }
  ~StreamClient() { close(fd_); }
  // Reads until `text` has arrived (true) or `timeout` passes / the server closes (false).
  bool read_until(const std::string& text, std::chrono::milliseconds timeout = 10s) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (got_.find(text) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, int(left.count())) <= 0) return false;
      char buf[65536];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        return got_.find(text) != std::string::npos;
      }
      got_.append(buf, std::size_t(n));
    }
    return true;
  }
  // Reads everything until the server closes (true) or `timeout` passes (false).
  bool drain_until_closed(std::chrono::milliseconds timeout) {
    read_until(std::string(1, '\0'), timeout);
    return closed_;
  }
  const std::string& text() const { return got_; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string got_;
  bool closed_ = false;
};

std::string contact(const Server& s, const std::string& name) {
  auto r = api("POST", s.api_url + "/contacts", s.token, {{"name", name}});
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return r.json["data"]["id"];
}

}  // namespace

TEST_CASE("the stream sends each event as it commits, with its id, type and JSON") {
  Server s;
  StreamClient c(s, "/v1/events/stream", s.token);
  REQUIRE(c.read_until(": connected"));
  CHECK(c.text().rfind("HTTP/1.1 200", 0) == 0);
  CHECK(c.text().find("Content-Type: text/event-stream") != std::string::npos);
  std::string id = contact(s, "Streamed");
  REQUIRE(c.read_until("event: contact.created\n"));
  auto events = api("GET", s.api_url + "/events?type=contact.created", s.token).json["data"];
  REQUIRE(events.size() == 1);
  std::string evt = events[0]["id"];
  CHECK(c.text().find("id: " + evt + "\nevent: contact.created\ndata: " + events[0].dump() + "\n\n") !=
        std::string::npos);
}

TEST_CASE("types= filters the stream; an unknown parameter or bad type is refused") {
  Server s;
  StreamClient c(s, "/v1/events/stream?types=company.*", s.token);
  REQUIRE(c.read_until(": connected"));
  contact(s, "Not sent");
  REQUIRE(api("POST", s.api_url + "/companies", s.token, {{"name", "Acme"}}).status == 201);
  REQUIRE(c.read_until("event: company.created"));
  CHECK(c.text().find("contact.created") == std::string::npos);
  check_error(api("GET", s.api_url + "/events/stream?types=Bad!", s.token), 400, "invalid_request");
  check_error(api("GET", s.api_url + "/events/stream?colour=red", s.token), 400, "invalid_request");
}

TEST_CASE("Last-Event-ID resumes after that event; an id not in the log is refused") {
  Server s;
  contact(s, "A");
  contact(s, "B");
  contact(s, "C");
  auto events = api("GET", s.api_url + "/events", s.token).json["data"];  // newest first
  REQUIRE(events.size() == 3);
  std::string first = events[2]["id"];
  StreamClient c(s, "/v1/events/stream", s.token, "Last-Event-ID: " + first + "\r\n");
  REQUIRE(c.read_until("id: " + events[0]["id"].get<std::string>()));
  CHECK(c.text().find("id: " + events[1]["id"].get<std::string>()) != std::string::npos);
  CHECK(c.text().find("id: " + first + "\n") == std::string::npos);
  check_error(
      api("GET", s.api_url + "/events/stream", s.token, nullptr, {{"Last-Event-ID", "evt_00000000000000000000000000"}}),
      400, "invalid_request");
}

TEST_CASE("a stream opened without Last-Event-ID names where it starts, so a client cut off early resumes") {
  Server s;
  contact(s, "Before");
  std::string newest = api("GET", s.api_url + "/events?limit=1", s.token).json["data"][0]["id"];
  StreamClient c(s, "/v1/events/stream", s.token);
  REQUIRE(c.read_until(": connected\n\n"));
  // A frame with an id and no data: it moves an EventSource's last event id, and is no event.
  CHECK(c.text().find("retry: 2000\nid: " + newest + "\n: connected\n\n") != std::string::npos);
  CHECK(c.text().find("data:") == std::string::npos);
  // Resuming from that id gives what was written after it, and nothing before.
  contact(s, "While Away");
  StreamClient again(s, "/v1/events/stream", s.token, "Last-Event-ID: " + newest + "\r\n");
  REQUIRE(again.read_until("event: contact.created\n"));
  CHECK(again.text().find("While Away") != std::string::npos);
  CHECK(again.text().find("\"Before\"") == std::string::npos);
  // A client that named its position gets no position back.
  CHECK(again.text().find("id: " + newest + "\n") == std::string::npos);
}

TEST_CASE("on a workspace with no event yet the stream starts at 0, and Last-Event-ID: 0 replays the log") {
  Server s;
  REQUIRE(api("GET", s.api_url + "/events", s.token).json["data"].empty());
  StreamClient c(s, "/v1/events/stream", s.token);
  REQUIRE(c.read_until(": connected\n\n"));
  CHECK(c.text().find("retry: 2000\nid: 0\n: connected\n\n") != std::string::npos);
  // Cut off before the first event: what was written meanwhile comes on resuming from 0.
  contact(s, "Written While Away");
  contact(s, "And Another");
  StreamClient again(s, "/v1/events/stream", s.token, "Last-Event-ID: 0\r\n");
  REQUIRE(again.read_until("And Another"));
  CHECK(again.text().find("Written While Away") != std::string::npos);
  CHECK(again.text().find("id: 0\n") == std::string::npos);
}

TEST_CASE("the stream needs integrations:read") {
  Server s;
  auto k = api("POST", s.api_url + "/workspace/api-keys", s.token, {{"name", "crm"}, {"scopes", {"crm:read"}}});
  REQUIRE(k.status == 201);
  check_error(api("GET", s.api_url + "/events/stream", k.json["data"]["secret"].get<std::string>()), 403,
              "missing_required_scope");
}

TEST_CASE("a reader that stops reading is disconnected, and the server goes on") {
  Server s({.args = {"--read-timeout", "2", "--rate-limit", "off"}});
  StreamClient stuck(s, "/v1/events/stream", s.token, "", 4096);
  std::this_thread::sleep_for(300ms);
  // Enough events that the socket buffers fill while nobody reads.
  std::string notes(9000, 'x');
  for (int i = 0; i < 1000; ++i)
    REQUIRE(
        api("POST", s.api_url + "/contacts", s.token, {{"name", "N" + std::to_string(i)}, {"notes", notes}}).status ==
        201);
  std::this_thread::sleep_for(4s);  // past the write deadline
  CHECK(stuck.drain_until_closed(20s));
  CHECK(stuck.text().size() < 1000u * 9000u);  // it did not get everything: it was cut off
  CHECK(http("GET", s.base_url + "/health").status == 200);
  StreamClient fresh(s, "/v1/events/stream", s.token);
  CHECK(fresh.read_until(": connected"));
}
