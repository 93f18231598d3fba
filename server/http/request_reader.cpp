#include "http/request_reader.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <cctype>
#include <cstdint>

namespace slab5d {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

namespace {
template <class Msg>
void fill_head(Request& req, const Msg& msg) {
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  req.headers.reserve(16);
  for (const auto& f : msg) {
    std::string name(f.name_string());
    for (auto& c : name) c = char(std::tolower((unsigned char)c));
    req.headers.emplace_back(std::move(name), std::string(f.value()));
  }
}
}  // namespace

void reset_parser(std::optional<RequestParser>& parser, const HttpLimits& limits) {
  parser.emplace();
  parser->header_limit(std::uint32_t(limits.header_limit));
  parser->body_limit(limits.body_limit);
}

std::optional<ReadOutcome> finish_read(RequestParser& parser, beast::error_code ec, std::size_t buffered) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
      ec == net::error::connection_reset || ec == net::error::eof) {
    return std::nullopt;
  }
  ReadOutcome out;
  Request& req = out.request;
  if (ec) {
    // The request cannot be read to its end: answer once, then close.
    if (parser.is_header_done()) fill_head(req, parser.get());
    if (ec == http::error::body_limit) {
      req.transport_error = slab5::Error{"payload_too_large"};
    } else if (ec == http::error::header_limit) {
      req.transport_error = slab5::Error{"invalid_request", "The request headers are larger than 16 KiB."};
    } else if (!parser.is_header_done() && buffered == 0) {
      return std::nullopt;
    } else {
      req.transport_error = slab5::Error{"invalid_request", "The request is not valid HTTP/1.1."};
    }
    out.close_after = true;
  } else {
    auto msg = parser.release();
    fill_head(req, msg);
    req.body = std::move(msg.body());
    out.close_after = !msg.keep_alive();
    out.version = msg.version();
  }
  return out;
}

}  // namespace slab5d
