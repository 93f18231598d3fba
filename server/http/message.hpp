// The small request and response values that cross from the HTTP layer into the app.
// Nothing here depends on Beast, so the router, middleware and handlers stay free of it.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "slab5/error.hpp"

namespace slab5d {

using HeaderPairs = std::vector<std::pair<std::string, std::string>>;

// Runs a job later on the thread that read the request; that thread serves its other
// connections meanwhile. The HTTP layer implements it with an Asio steady_timer on the
// connection's io_context (a request waiting for another one is parked, never slept on).
class Timers {
 public:
  virtual void after(std::chrono::milliseconds delay, std::function<void()> job) = 0;

 protected:
  ~Timers() = default;
};

// Where a request body goes instead of Request::body when it is too large to hold (an asset
// upload): the HTTP layer hands it each piece as it arrives. An error from write() or
// finish() refuses the request with that error (the rest of the body is not read).
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual slab5::Status write(std::string_view bytes) = 0;
  virtual slab5::Status finish() = 0;  // the whole body arrived
};

struct Request;

// Decided once a request's head is read, before any body byte: nullptr keeps the body in
// Request::body under the usual limit; a sink takes it, up to `body_limit` bytes; an error
// refuses the request at once.
struct BodyStream {
  std::shared_ptr<BodySink> sink;
  std::uint64_t body_limit = 0;
};
using BodyRouter = std::function<slab5::Result<BodyStream>(const Request& head)>;

struct Request {
  std::string method;   // "GET"
  std::string target;   // "/v1/workspace?x=1"
  std::string path;     // "/v1/workspace"
  std::string query;    // "x=1"
  HeaderPairs headers;  // names lower-cased
  std::string body;
  std::shared_ptr<BodySink> body_sink;  // set when the body was streamed (see BodyRouter)
  std::string remote_ip;
  // Set when the HTTP layer already knows the request is bad (body too large, …).
  std::optional<slab5::Error> transport_error;
  // Where the app may park this request to retry it later (nullptr: it cannot wait).
  Timers* timers = nullptr;

  std::string_view header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers)
      if (k == lower_name) return v;
    return {};
  }
  bool has_header(std::string_view lower_name) const {
    for (const auto& h : headers)
      if (h.first == lower_name) return true;
    return false;
  }
};

// Part of a file sent as a response body, read in pieces as the socket takes them.
struct FileSlice {
  std::string path;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

// A response body made piece by piece as it becomes known (the event stream of api.md §8.3).
// The connection asks for the next piece only once the previous one is written, so a reader
// that stops reading holds no more than one piece here; its write then times out and the
// connection closes.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // `deliver` is called once, from any thread, with the next piece, or with nullopt when the
  // body ends.
  virtual void next(std::function<void(std::optional<std::string>)> deliver) = 0;
};

struct Response {
  int status = 200;
  HeaderPairs headers;  // Content-Type is set by whoever builds the body
  std::string body;
  std::optional<FileSlice> file;  // sent instead of `body` when set
  // Sent instead of `body` when set: no Content-Length, and the connection closes at its end.
  std::shared_ptr<BodySource> stream;
  bool close = false;  // close the connection after this response
};

using Respond = std::function<void(Response&&)>;
// The app's entry point: may answer synchronously or later from another thread.
using RequestHandler = std::function<void(Request&&, Respond)>;

}  // namespace slab5d
