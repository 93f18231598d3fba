// Raw bytes from a client → the request reader slab5d runs on every connection
// (server/http/request_reader.*, fed read by read as http_server.cpp feeds it, the unused
// bytes kept across pipelined requests), then the intake App runs on what comes out: the query string, the
// Authorization header and the JSON body.
//
// Input: byte 0 chooses how many bytes each read returns (1-255; 0 = all at once), so that
// requests split across TCP segments are parsed too; the rest is what the client sends,
// where "\x00\xfe" C K stands for the byte C repeated 2^(K mod 23) times (a NUL byte is
// never valid HTTP, so nothing is lost). That lets short inputs carry the long header
// lines, trailers and bodies that the limits are about.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/request_reader.hpp"
#include "request_inputs.hpp"

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
  const slab5d::HttpLimits limits;  // the defaults slab5d serves with
  std::string wire = expand(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  // Short reads, but at most ~20,000 of them: a megabyte in 3-byte reads only measures the
  // harness (a real client doing that meets the read timeout).
  std::size_t read_size =
      data[0] == 0 ? slab5d::kHttpReadSize : std::max<std::size_t>(data[0], wire.size() / 20000 + 1);
  // One connection, as http_server.cpp drives it: bytes arrive read by read, what the reader
  // leaves unused is handed back with the next read, pipelined requests follow each other,
  // and the client closes its side at the end.
  slab5d::RequestReader reader(limits);
  std::string pending;
  std::size_t offset = 0;
  for (int requests = 0; requests < 1000; ++requests) {
    reader.start();
    auto status = slab5d::RequestReader::Status::NeedMore;
    for (;;) {
      if (!pending.empty()) {
        std::size_t used = reader.feed(pending, status);
        if (used > pending.size()) std::abort();
        pending.erase(0, used);
        if (status != slab5d::RequestReader::Status::NeedMore) break;
        if (pending.size() > reader.max_unused() + slab5d::kHttpReadSize) std::abort();  // unbounded buffering
      }
      if (offset >= wire.size()) {
        status = reader.feed_eof();
        break;
      }
      std::size_t n = std::min(read_size, wire.size() - offset);
      pending.append(wire, offset, n);
      offset += n;
    }
    if (status == slab5d::RequestReader::Status::NeedMore) break;  // clean close
    auto req = reader.take();
    if (status == slab5d::RequestReader::Status::Refused) {
      if (!req.transport_error) std::abort();  // a refusal always says why
      break;
    }
    intake(req);
    if (!reader.keep_alive()) break;
  }
  return 0;
}
