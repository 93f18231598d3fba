// RequestReader: Beast's basic_parser does the HTTP/1.1 grammar (request line, fields,
// Content-Length, chunked framing) and the header and body limits; the Parser below fills a
// Request directly as it goes (no intermediate field container) and adds what Beast leaves
// to its user: Host, the transfer codings we accept, and bounds on chunk extensions and
// trailer fields, which Beast would otherwise buffer without limit and store in a container
// that throws on a value over 64 KiB.
#include <utility>  // must precede Asio with g++ 12 in C++20 mode

#include "http/request_reader.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>

namespace slab5d {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;

// A chunk-size line carries at most 16 hex digits that matter, ';' and the extensions
// (counted against the trailer limit) and CRLFs; this is room for that and leading zeros.
constexpr std::size_t kChunkLineSlack = 256;

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower((unsigned char)a[i]) != std::tolower((unsigned char)b[i])) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

slab5::Error bad(std::string message) { return slab5::Error{"invalid_request", std::move(message)}; }

std::string kib(std::size_t bytes) { return std::to_string(bytes / 1024) + " KiB"; }

class Parser final : public http::basic_parser<true> {
 public:
  Parser(Request& req, const HttpLimits& limits, const BodyRouter* router, std::uint64_t max_stream_limit)
      : req_(req), limits_(limits), router_(router) {
    header_limit(std::uint32_t(std::min<std::size_t>(limits.header_limit, UINT32_MAX)));
    // Beast checks Content-Length against this before on_header_impl runs, that is before
    // the router has seen the head: with a router the bound is the largest stream's, and
    // on_header_impl applies the request's own (HttpLimits::body_limit unless streamed).
    body_limit(router ? std::max<std::uint64_t>(max_stream_limit, limits.body_limit) : limits.body_limit);
    eager(true);
  }

  std::optional<slab5::Error> refusal;  // set by a callback that refused the request
  unsigned version = 11;
  bool saw_content_length = false;
  bool saw_transfer_encoding = false;
  bool header_complete = false;
  std::uint64_t stream_limit = 0;  // the streamed body's limit (0: not streamed)
  std::size_t meta_bytes = 0;      // chunk extensions and trailer fields so far

 private:
  void refuse(slab5::Error e, beast::error_code& ec) {
    refusal = std::move(e);
    ec = http::error::bad_value;
  }

  void on_request_impl(http::verb, beast::string_view method, beast::string_view target, int v,
                       beast::error_code&) override {
    version = unsigned(v);
    header_bytes_ = method.size() + target.size() + 12;
    req_.method.assign(method.data(), method.size());
    req_.target.assign(target.data(), target.size());
    auto t = sv(target);
    auto q = t.find('?');
    req_.path.assign(t.substr(0, q));
    if (q != std::string_view::npos) req_.query.assign(t.substr(q + 1));
    req_.headers.reserve(16);
  }

  void on_response_impl(int, beast::string_view, int, beast::error_code& ec) override {
    ec = http::error::bad_version;  // a request parser never sees a status line
  }

  void on_field_impl(http::field f, beast::string_view name, beast::string_view value, beast::error_code& ec) override {
    if (header_complete) {
      // A trailer field: read to keep the framing, counted, and dropped (RFC 9112 §7.1.2
      // lets a recipient discard them; nothing here reads them).
      meta_bytes += name.size() + value.size() + 4;
      if (meta_bytes > limits_.trailer_limit)
        return refuse(
            bad("The chunk extensions and trailer fields are larger than " + kib(limits_.trailer_limit) + "."), ec);
      return;
    }
    // Beast bounds what it holds unparsed by header_limit, not the fields it has already
    // handed over: the sum is bounded here.
    header_bytes_ += name.size() + value.size() + 4;
    if (header_bytes_ > limits_.header_limit)
      return refuse(bad("The request headers are larger than " + kib(limits_.header_limit) + "."), ec);
    if (f == http::field::host) ++hosts_;
    if (f == http::field::content_length) saw_content_length = true;
    if (f == http::field::transfer_encoding) {
      saw_transfer_encoding = true;
      ++transfer_encodings_;
    }
    std::string lower(name.data(), name.size());
    for (auto& c : lower) c = char(std::tolower((unsigned char)c));
    req_.headers.emplace_back(std::move(lower), std::string(trim(sv(value))));
  }

  void on_header_impl(beast::error_code& ec) override {
    header_complete = true;
    // RFC 9112 §3.2: exactly one Host in HTTP/1.1, at most one before.
    if (hosts_ > 1) return refuse(bad("The request carries more than one Host header."), ec);
    if (hosts_ == 0 && version >= 11)
      return refuse(bad("An HTTP/1.1 request must carry a Host header (RFC 9112 §3.2)."), ec);
    // RFC 9112 §6.1, §6.3: only "chunked", applied once, is understood here. Anything else
    // would leave the body's end unknown, so the connection cannot go on either.
    if (transfer_encodings_ > 0) {
      if (version < 11)
        return refuse(bad("Transfer-Encoding is not allowed in an HTTP/1.0 request; send Content-Length."), ec);
      if (transfer_encodings_ > 1 || !iequals(req_.header("transfer-encoding"), "chunked"))
        return refuse(bad("Transfer-Encoding must be 'chunked' alone; other transfer codings are not supported."), ec);
    }
    if (!router_) return;
    std::uint64_t limit = limits_.body_limit;
    auto stream = (*router_)(req_);
    if (!stream) return refuse(stream.error(), ec);
    if (stream->sink) {
      sink_ = stream->sink;
      req_.body_sink = stream->sink;
      limit = stream->body_limit;
      stream_limit = limit;
    }
    auto length = content_length();
    if (length && *length > limit) return refuse(slab5::Error{"payload_too_large"}, ec);
    body_limit(limit);
  }

 public:
  // The request is refused: the sink discards what it kept now, not when the reader is reused.
  void drop_sink() {
    sink_.reset();
    req_.body_sink.reset();
  }

 private:
  void finish_sink(beast::error_code& ec) {
    if (sink_finished_) return;
    sink_finished_ = true;
    if (auto st = sink_->finish(); !st) refuse(st.error(), ec);
  }

  std::size_t to_sink(beast::string_view body, beast::error_code& ec) {
    if (auto st = sink_->write(sv(body)); !st) {
      refuse(st.error(), ec);
      return 0;
    }
    return body.size();
  }

  void on_body_init_impl(const boost::optional<std::uint64_t>& length, beast::error_code&) override {
    if (length && !sink_) req_.body.reserve(std::size_t(std::min<std::uint64_t>(*length, limits_.body_limit)));
  }

  std::size_t on_body_impl(beast::string_view body, beast::error_code& ec) override {
    if (sink_) return to_sink(body, ec);
    req_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_chunk_header_impl(std::uint64_t, beast::string_view extensions, beast::error_code& ec) override {
    // Extensions mean nothing here (RFC 9112 §7.1.1: ignore the unrecognised), but each
    // costs a buffered line: they share the trailer fields' bound.
    meta_bytes += extensions.size();
    if (meta_bytes > limits_.trailer_limit)
      refuse(bad("The chunk extensions and trailer fields are larger than " + kib(limits_.trailer_limit) + "."), ec);
  }

  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, beast::error_code& ec) override {
    if (sink_) return to_sink(body, ec);
    req_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_finish_impl(beast::error_code& ec) override {
    if (sink_) finish_sink(ec);
  }

  Request& req_;
  const HttpLimits& limits_;
  const BodyRouter* router_;
  std::shared_ptr<BodySink> sink_;
  bool sink_finished_ = false;
  int hosts_ = 0;
  int transfer_encodings_ = 0;
  std::size_t header_bytes_ = 0;
};

}  // namespace

struct RequestReader::Impl {
  HttpLimits limits;
  const BodyRouter* router = nullptr;
  std::uint64_t max_stream_limit = 0;
  Request req;
  std::optional<Parser> parser;
  bool finished = false;  // Done or Refused: take() may be called
  bool keep_alive = false;

  std::size_t unused_limit() const { return std::max(limits.header_limit, limits.trailer_limit + kChunkLineSlack); }

  RequestReader::Status refuse(slab5::Error e) {
    req.transport_error = std::move(e);
    if (parser) parser->drop_sink();  // a refused stream's sink discards what it kept
    req.body.clear();
    req.body.shrink_to_fit();
    finished = true;
    keep_alive = false;
    return Status::Refused;
  }

  // The refusal for a Beast error (or a callback's own).
  RequestReader::Status refuse(beast::error_code ec) {
    auto& p = *parser;
    if (p.refusal) return refuse(*p.refusal);
    if (ec == http::error::body_limit) return refuse(slab5::Error{"payload_too_large"});
    if (ec == http::error::header_limit)
      return refuse(bad("The request headers are larger than " + kib(limits.header_limit) + "."));
    if (ec == http::error::bad_transfer_encoding || ec == http::error::bad_content_length) {
      if (p.saw_content_length || p.saw_transfer_encoding)
        if ((ec == http::error::bad_transfer_encoding && p.saw_content_length) ||
            (ec == http::error::bad_content_length && p.saw_transfer_encoding))
          return refuse(bad("A request must not carry both Content-Length and Transfer-Encoding (RFC 9112 §6.3)."));
      if (ec == http::error::bad_content_length) return refuse(bad("The Content-Length header is not valid."));
      return refuse(bad("Transfer-Encoding must be 'chunked' alone; other transfer codings are not supported."));
    }
    if (ec == http::error::bad_chunk || ec == http::error::bad_chunk_extension)
      return refuse(bad("The chunked body is not valid."));
    if (ec == http::error::partial_message) return refuse(bad("The connection ended before the request did."));
    return refuse(bad("The request is not valid HTTP/1.1."));
  }
};

RequestReader::RequestReader(const HttpLimits& limits) : impl_(std::make_unique<Impl>()) { impl_->limits = limits; }
RequestReader::~RequestReader() = default;

void RequestReader::start() {
  impl_->parser.reset();
  impl_->req = Request{};
  impl_->finished = false;
  impl_->keep_alive = false;
  impl_->parser.emplace(impl_->req, impl_->limits, impl_->router, impl_->max_stream_limit);
}

void RequestReader::set_body_router(const BodyRouter* router, std::uint64_t max_stream_limit) {
  impl_->router = router && *router ? router : nullptr;
  impl_->max_stream_limit = max_stream_limit;
}

std::size_t RequestReader::feed(std::string_view data, Status& status) {
  auto& im = *impl_;
  auto& p = *im.parser;
  if (im.finished) {
    status = im.req.transport_error ? Status::Refused : Status::Done;
    return 0;
  }
  // Once it has read a last chunk's size line, Beast's chunk-header parser asserts that it is
  // handed at least 5 bytes, the shortest end of a body ("0\r\n\r\n"; basic_parser.ipp,
  // parse_chunk_header): a last chunk and the first byte of a trailer field arriving apart
  // would hand it 4, and a build with assertions aborts. The unused part of a chunked body
  // still holds that whole end until the body is complete, so waiting for 5 bytes before
  // parsing never holds back a request that could be finished.
  if (p.is_header_done() && p.chunked() && data.size() < 5) {
    status = Status::NeedMore;
    return 0;
  }
  beast::error_code ec;
  std::size_t used = 0;
  try {
    used = p.put(boost::asio::const_buffer(data.data(), data.size()), ec);
  } catch (const std::exception&) {
    // Nothing in the parser is expected to throw (allocation aside); whatever it was, this
    // request cannot be read.
    status = im.refuse(bad("The request could not be read."));
    return used;
  }
  if (!ec && p.is_done()) {
    im.finished = true;
    im.keep_alive = p.keep_alive();
    status = Status::Done;
    return used;
  }
  if (ec && ec != http::error::need_more) {
    status = im.refuse(ec);
    return used;
  }
  // More is needed. What is left unused is one unfinished element: the header (Beast
  // bounds it by header_limit), a chunk-size line or the last chunk with the trailer
  // section; the last two would otherwise grow without bound.
  if (data.size() - used > im.unused_limit() ||
      (p.header_complete && data.size() - used > im.limits.trailer_limit + kChunkLineSlack)) {
    status = p.header_complete
                 ? im.refuse(bad("The chunk extensions and trailer fields are larger than " +
                                 kib(im.limits.trailer_limit) + "."))
                 : im.refuse(bad("The request headers are larger than " + kib(im.limits.header_limit) + "."));
    return used;
  }
  status = Status::NeedMore;
  return used;
}

RequestReader::Status RequestReader::feed_eof() {
  auto& im = *impl_;
  if (im.finished) return im.req.transport_error ? Status::Refused : Status::Done;
  auto& p = *im.parser;
  if (!p.got_some()) return Status::NeedMore;
  beast::error_code ec;
  p.put_eof(ec);
  if (!ec && p.is_done()) {
    im.finished = true;
    im.keep_alive = false;
    return Status::Done;
  }
  return im.refuse(ec ? ec : beast::error_code(http::error::partial_message));
}

Request RequestReader::take() { return std::move(impl_->req); }
bool RequestReader::keep_alive() const { return impl_->keep_alive; }
std::uint64_t RequestReader::stream_limit() const { return impl_->parser ? impl_->parser->stream_limit : 0; }
unsigned RequestReader::version() const { return impl_->parser ? impl_->parser->version : 11; }
std::size_t RequestReader::max_unused() const { return impl_->unused_limit(); }

ParsedRequest parse_request(std::string_view bytes, const HttpLimits& limits) {
  RequestReader reader(limits);
  reader.start();
  ParsedRequest out;
  std::string pending;  // what a connection's buffer would hold
  std::size_t delivered = 0;
  for (;;) {
    if (delivered == bytes.size()) {
      out.status = reader.feed_eof();
      break;
    }
    std::size_t n = std::min(kHttpReadSize, bytes.size() - delivered);
    pending.append(bytes.substr(delivered, n));
    delivered += n;
    RequestReader::Status st;
    std::size_t used = reader.feed(pending, st);
    pending.erase(0, used);
    if (st != RequestReader::Status::NeedMore) {
      out.status = st;
      break;
    }
  }
  out.used = delivered - pending.size();
  out.version = reader.version();
  if (out.status != RequestReader::Status::NeedMore) {
    out.keep_alive = out.status == RequestReader::Status::Done && reader.keep_alive();
    out.request = reader.take();
  }
  return out;
}

}  // namespace slab5d
