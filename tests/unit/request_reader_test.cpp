// server/http/request_reader (parse_request, the path every slab5d connection reads
// through) and lib/slab5/json_util's depth bound: the framing, limits and refusals of
// docs/server.md "Limits", without a socket.
#include "http/request_reader.hpp"

#include <doctest/doctest.h>

#include <string>

#include "slab5/encoding.hpp"
#include "slab5/jose.hpp"
#include "slab5/json_util.hpp"

using namespace slab5d;
using Status = RequestReader::Status;

namespace {
std::string message_of(const ParsedRequest& p) {
  return p.request.transport_error ? p.request.transport_error->message : std::string();
}
void check_refused(const ParsedRequest& p, const std::string& code, const std::string& words) {
  CHECK(p.status == Status::Refused);
  REQUIRE(p.request.transport_error);
  CHECK(p.request.transport_error->code == code);
  CHECK(message_of(p).find(words) != std::string::npos);
  CHECK_FALSE(p.keep_alive);
}
std::string chunked(const std::string& rest) {
  return "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + rest;
}
std::string nested(int depth) { return std::string(std::size_t(depth), '[') + std::string(std::size_t(depth), ']'); }
}  // namespace

TEST_CASE("a request is read into method, target, lower-cased headers and body") {
  std::string first = "POST /v1/things?a=1&b=2 HTTP/1.1\r\nHost: h\r\nX-Thing:  v  \r\nContent-Length: 5\r\n\r\nhello";
  auto p = parse_request(first + "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  REQUIRE(p.status == Status::Done);
  CHECK(p.used == first.size());
  CHECK(p.keep_alive);
  CHECK(p.version == 11);
  CHECK(p.request.method == "POST");
  CHECK(p.request.target == "/v1/things?a=1&b=2");
  CHECK(p.request.path == "/v1/things");
  CHECK(p.request.query == "a=1&b=2");
  CHECK(p.request.header("x-thing") == "v");
  CHECK(p.request.body == "hello");
  CHECK_FALSE(p.request.transport_error);
  // Connection: close and HTTP/1.0 without keep-alive end the connection.
  CHECK_FALSE(parse_request("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").keep_alive);
  auto old = parse_request("GET / HTTP/1.0\r\n\r\n");
  CHECK(old.status == Status::Done);
  CHECK(old.version == 10);
  CHECK_FALSE(old.keep_alive);
}

TEST_CASE("a chunked body is joined; extensions and a few trailer fields are dropped") {
  auto p = parse_request(chunked("3;a=b\r\nabc\r\n2\r\nde\r\n0;last\r\nX-Sum: 1\r\n\r\n"));
  REQUIRE(p.status == Status::Done);
  CHECK(p.request.body == "abcde");
  CHECK_FALSE(p.request.has_header("x-sum"));
  CHECK(p.keep_alive);
}

namespace {
// Feeds `bytes` to a RequestReader `step` bytes per read, as a connection does when the
// peer sends them in separate segments, then the end of the stream.
Status read_in_steps(const std::string& bytes, std::size_t step, std::string* body = nullptr) {
  RequestReader reader{HttpLimits{}};
  reader.start();
  std::string pending;
  Status st = Status::NeedMore;
  for (std::size_t at = 0; at < bytes.size(); at += step) {
    pending.append(bytes.substr(at, step));
    pending.erase(0, reader.feed(pending, st));
    if (st != Status::NeedMore) break;
  }
  if (st == Status::NeedMore) st = reader.feed_eof();
  if (body && st == Status::Done) *body = reader.take().body;
  return st;
}
}  // namespace

TEST_CASE("a last chunk and its trailer read a byte at a time (Beast asserts on fewer than 5 bytes)") {
  // The last chunk with the first byte of a trailer field, then the end: refused, and in a
  // build with assertions the parser is never handed the 4 bytes it asserts against.
  CHECK(read_in_steps("GET /health HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nh", 1) ==
        Status::Refused);
  for (std::size_t step : {1, 2, 3, 4, 7}) {
    CAPTURE(step);
    std::string body;
    CHECK(read_in_steps(chunked("0\r\nX: y\r\n\r\n"), step) == Status::Done);
    CHECK(read_in_steps(chunked("2\r\n{}\r\n0\r\nX: y\r\n\r\n"), step, &body) == Status::Done);
    CHECK(body == "{}");
    CHECK(read_in_steps(chunked("1\r\na\r\n0\r\n\r\n"), step, &body) == Status::Done);
    CHECK(body == "a");
  }
}

TEST_CASE("trailer fields and chunk extensions share a bound of 16 KiB") {
  check_refused(parse_request(chunked("0\r\nX: " + std::string(65536, 'a') + "\r\n\r\n")), "invalid_request", "16 KiB");
  std::string fields;
  for (int i = 0; i < 20; ++i) fields += "T" + std::to_string(i) + ": " + std::string(1000, 'x') + "\r\n";
  check_refused(parse_request(chunked("0\r\n" + fields + "\r\n")), "invalid_request", "trailer");
  check_refused(parse_request(chunked("1;" + std::string(17000, 'e') + "\r\na\r\n0\r\n\r\n")), "invalid_request",
                "extensions");
  std::string many;
  for (int i = 0; i < 40; ++i) many += "1;" + std::string(500, 'e') + "\r\na\r\n";
  check_refused(parse_request(chunked(many + "0\r\n\r\n")), "invalid_request", "extensions");
  // A chunk-size line or trailer section that never ends is refused as soon as it is too
  // long, not read to its end.
  check_refused(parse_request(chunked(std::string(1 << 20, '0'))), "invalid_request", "16 KiB");
  check_refused(parse_request(chunked("0\r\nX: " + std::string(1 << 20, 'a'))), "invalid_request", "16 KiB");
  // Just under the bound is fine.
  auto ok = parse_request(chunked("0\r\nX: " + std::string(16000, 'a') + "\r\n\r\n"));
  CHECK(ok.status == Status::Done);
}

TEST_CASE("headers are bounded at 16 KiB in all, however they arrive") {
  std::string many;
  for (int i = 0; i < 30; ++i) many += "X-H" + std::to_string(i) + ": " + std::string(1000, 'h') + "\r\n";
  check_refused(parse_request("GET / HTTP/1.1\r\nHost: h\r\n" + many + "\r\n"), "invalid_request", "16 KiB");
  check_refused(parse_request("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(20000, 'v') + "\r\n\r\n"),
                "invalid_request", "16 KiB");
}

TEST_CASE("Transfer-Encoding must be chunked alone, and never beside Content-Length") {
  auto te = [](const std::string& lines, const std::string& version = "1.1") {
    return parse_request("POST /x HTTP/" + version + "\r\nHost: h\r\n" + lines + "\r\n5\r\nhello\r\n0\r\n\r\n");
  };
  for (std::string v : {"gzip", "chunked, gzip", "gzip, chunked", "chunked, chunked", "identity", "chunked;x=1"}) {
    CAPTURE(v);
    check_refused(te("Transfer-Encoding: " + v + "\r\n"), "invalid_request", "chunked");
  }
  check_refused(te("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"), "invalid_request", "chunked");
  check_refused(te("Transfer-Encoding: chunked\r\n", "1.0"), "invalid_request", "HTTP/1.0");
  check_refused(te("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), "invalid_request", "both");
  check_refused(te("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"), "invalid_request", "both");
  auto ok = te("Transfer-Encoding: CHUNKED\r\n");
  CHECK(ok.status == Status::Done);
  CHECK(ok.request.body == "hello");
}

TEST_CASE("Host: required once in HTTP/1.1, at most once in HTTP/1.0") {
  check_refused(parse_request("GET / HTTP/1.1\r\n\r\n"), "invalid_request", "Host");
  check_refused(parse_request("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), "invalid_request", "Host");
  check_refused(parse_request("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"), "invalid_request", "Host");
  CHECK(parse_request("GET / HTTP/1.0\r\n\r\n").status == Status::Done);
  CHECK(parse_request("GET / HTTP/1.1\r\nHost:\r\n\r\n").status == Status::Done);
}

TEST_CASE("bodies over the limit, bad framing and early ends are refused") {
  HttpLimits small;
  small.body_limit = 10;
  auto big = parse_request("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", small);
  CHECK(big.status == Status::Refused);
  REQUIRE(big.request.transport_error);
  CHECK(big.request.transport_error->code == "payload_too_large");
  CHECK(big.request.method == "POST");  // the head was read
  auto big_chunks = parse_request(chunked("b\r\nhello world\r\n0\r\n\r\n"), small);
  REQUIRE(big_chunks.request.transport_error);
  CHECK(big_chunks.request.transport_error->code == "payload_too_large");
  check_refused(parse_request("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc"), "invalid_request",
                "ended");
  check_refused(parse_request("GET / HTTP/1.1\r\nHost: h\r\n"), "invalid_request", "ended");
  check_refused(parse_request(chunked("zz\r\n")), "invalid_request", "chunked");
  check_refused(parse_request("NOT HTTP AT ALL\r\n\r\n"), "invalid_request", "HTTP");
  check_refused(parse_request("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n"), "invalid_request",
                "Content-Length");
  // Nothing at all is not a request.
  CHECK(parse_request("").status == Status::NeedMore);
}

TEST_CASE("JSON nesting depth is measured in one pass, outside strings") {
  using slab5::json_nesting_depth;
  CHECK(json_nesting_depth("") == 0);
  CHECK(json_nesting_depth("1") == 0);
  CHECK(json_nesting_depth("{}") == 1);
  CHECK(json_nesting_depth(R"({"a":[{"b":[]}],"c":{}})") == 4);
  CHECK(json_nesting_depth(R"({"a":"[[[{{{"})") == 1);
  CHECK(json_nesting_depth(R"({"a":"\"[[[\\","b":[]})") == 2);  // escaped quote and backslash
  CHECK(json_nesting_depth(nested(64)) == 64);
  CHECK(json_nesting_depth(nested(65)) == 65);
  CHECK(json_nesting_depth(nested(1000000)) == 65);  // stops counting past the limit
  CHECK(json_nesting_depth(nested(10), 5) == 6);
  CHECK(json_nesting_depth("[]]]]][[") == 2);  // not JSON: the count is still bounded
}

TEST_CASE("parse_json refuses nesting over 64 before parsing, and invalid JSON") {
  CHECK(slab5::parse_json(nested(64)));
  auto deep = slab5::parse_json(nested(65));
  REQUIRE_FALSE(deep);
  CHECK(deep.error().code == "invalid_request");
  CHECK(deep.error().message.find("64") != std::string::npos);
  auto huge = slab5::parse_json(nested(400000));
  REQUIRE_FALSE(huge);
  CHECK(huge.error().message.find("64") != std::string::npos);
  auto bad = slab5::parse_json("{\"a\":", "The thing");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "The thing is not valid JSON.");
}

TEST_CASE("a token whose payload nests too deeply is refused, not parsed") {
  std::string header = slab5::base64url_encode(R"({"alg":"ES256","kid":"k"})");
  std::string payload = slab5::base64url_encode("{\"a\":" + nested(100000) + "}");
  auto v = slab5::jose::decode_unverified(header + "." + payload + ".AAAA");
  CHECK_FALSE(v);
  auto jwks = slab5::jose::parse_jwks("{\"keys\":" + nested(100000) + "}");
  CHECK_FALSE(jwks);
}
