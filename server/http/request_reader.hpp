// How slab5d reads one request: Beast's request_parser with the limits of HttpLimits, and
// what the outcome of a read becomes for the app. The connection code in http_server.cpp and
// the fuzz target tests/fuzz/fuzz_http_request.cpp both go through these two functions.
#pragma once
#include <utility>  // must precede Asio with g++ 12 in C++20 mode

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>

#include "http/http_server.hpp"
#include "http/message.hpp"

namespace slab5d {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// A fresh parser for the next request on a connection, with the header and body limits set.
void reset_parser(std::optional<RequestParser>& parser, const HttpLimits& limits);

struct ReadOutcome {
  Request request;              // remote_ip is the caller's to fill
  bool close_after = false;     // close the connection once this is answered
  std::optional<unsigned> version;  // the request's HTTP version, when it was read whole
};

// What a finished read (`ec` from http::async_read) means: a Request for the app (possibly
// with a transport_error to answer), or nullopt when the connection is to be closed without
// an answer (end of stream, timeout, nothing sent). `buffered` is the connection buffer's size.
std::optional<ReadOutcome> finish_read(RequestParser& parser, boost::beast::error_code ec, std::size_t buffered);

}  // namespace slab5d
