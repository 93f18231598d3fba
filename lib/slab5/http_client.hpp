// A small libcurl client: one easy handle reused across requests (keep-alive), TLS
// verification always on, proxies from the environment (libcurl's defaults).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

namespace slab5 {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  HeaderList headers;
  std::string body;
  long timeout_ms = 30000;
};

struct HttpResponse {
  long status = 0;
  std::string status_line;  // "HTTP/1.1 200 OK"
  HeaderList headers;       // names as received
  std::string body;
  // Case-insensitive lookup; empty when absent.
  std::string header(std::string_view name) const;
};

struct NetworkError {
  std::string message;
  bool timeout = false;
  bool refused = false;  // nothing listens there: retrying soon is cheap, waiting long is not
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  void set_ca_bundle(std::string path) { ca_bundle_ = std::move(path); }
  void set_user_agent(std::string ua) { user_agent_ = std::move(ua); }

  tl::expected<HttpResponse, NetworkError> perform(const HttpRequest& req);

 private:
  void* curl_;  // CURL*
  std::string ca_bundle_;
  std::string user_agent_;
};

std::string url_encode(std::string_view s);

}  // namespace slab5
