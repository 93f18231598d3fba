// Raw bytes from a client → the request reader slab5d runs on every connection
// (server/http/request_reader.*: Beast's request_parser with slab5d's limits, read with
// http::async_read exactly as http_server.cpp does, the connection buffer kept across
// pipelined requests), then the intake App runs on what comes out: the query string, the
// Authorization header and the JSON body.
//
// Input: byte 0 chooses how many bytes each read returns (1-255; 0 = all at once), so that
// requests split across TCP segments are parsed too; the rest is what the client sends,
// where "\x00\xfe" C K stands for the byte C repeated 2^(K mod 23) times (a NUL byte is
// never valid HTTP, so nothing is lost). That lets short inputs carry the long header
// lines, trailers and bodies that the limits are about.
#include <utility>  // must precede Asio with g++ 12 in C++20 mode

#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/request_reader.hpp"
#include "request_inputs.hpp"

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

std::string expand(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\0' && i + 3 < in.size() && in[i + 1] == '\xfe') {
      std::size_t n = std::size_t(1) << ((unsigned char)in[i + 3] % 23);
      if (out.size() + n > (8u << 20)) return out;  // at most 8 MiB on the wire
      out.append(n, in[i + 2]);
      i += 3;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

void intake(const slab5d::Request& req) {
  // What App::handle and Ctx::query do with the head and body before any route runs.
  std::string_view q = req.query;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    auto eq = part.find('=');
    (void)slab5d::percent_decode(part.substr(0, eq));
    if (eq != std::string_view::npos) (void)slab5d::percent_decode(part.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  (void)slab5d::bearer_token_of(req.header("authorization"));
  (void)slab5d::read_json_body(req.method, req.header("content-type"), req.body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static boost::asio::io_context ioc;
  const slab5d::HttpLimits limits;  // the defaults slab5d serves with
  std::string wire = expand(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));

  beast::test::stream stream(ioc, beast::string_view(wire.data(), wire.size()));
  if (data[0] != 0) {
    // Short reads, but at most ~20,000 of them: a megabyte in 3-byte reads only measures
    // the harness (a real client doing that meets the read timeout).
    stream.read_size(std::max<std::size_t>(data[0], wire.size() / 20000 + 1));
  }
  stream.close_remote();  // the client sends its bytes, then closes its side

  beast::flat_buffer buffer;
  std::optional<slab5d::RequestParser> parser;
  // One connection: read → answer → read the next request, as Connection does, until the
  // connection would be closed. A request is at least one byte, so this ends.
  for (int requests = 0; requests < 1000; ++requests) {
    slab5d::reset_parser(parser, limits);
    beast::error_code result;
    bool done = false;
    http::async_read(stream, buffer, *parser, [&](beast::error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    ioc.restart();
    ioc.run();
    if (!done) std::abort();  // the stream is closed: every read completes
    auto outcome = slab5d::finish_read(*parser, result, buffer.size());
    if (!outcome) break;
    intake(outcome->request);
    if (outcome->close_after) break;
  }
  return 0;
}
