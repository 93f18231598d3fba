// The small request and response values that cross from the HTTP layer into the app.
// Nothing here depends on Beast, so the router, middleware and handlers stay free of it.
#pragma once
#include <chrono>
#include <functional>
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

struct Request {
  std::string method;   // "GET"
  std::string target;   // "/v1/workspace?x=1"
  std::string path;     // "/v1/workspace"
  std::string query;    // "x=1"
  HeaderPairs headers;  // names lower-cased
  std::string body;
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

struct Response {
  int status = 200;
  HeaderPairs headers;  // Content-Type is set by whoever builds the body
  std::string body;
  bool close = false;  // close the connection after this response
};

using Respond = std::function<void(Response&&)>;
// The app's entry point: may answer synchronously or later from another thread.
using RequestHandler = std::function<void(Request&&, Respond)>;

}  // namespace slab5d
