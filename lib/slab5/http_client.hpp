// A small libcurl client: one easy handle reused across requests (keep-alive), TLS
// verification always on, proxies from the environment (libcurl's defaults). Redirects are
// never followed (a 3xx is the answer), so no header, Authorization least of all, is ever
// replayed to the host a Location names.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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
  // Large bodies, never held whole: when `upload` is set the request body is `upload_size`
  // bytes read from it (it fills up to `max` bytes and returns how many; 0 ends early), not
  // `body`. When `on_body` is set, a 2xx answer's body goes to it piece by piece (false
  // aborts) instead of HttpResponse::body; other answers are kept in body as usual.
  std::function<std::size_t(char* buf, std::size_t max)> upload;
  std::uint64_t upload_size = 0;
  std::function<bool(std::string_view piece)> on_body;
  // Called as bytes move: (sent or received so far, the total when known, else 0).
  std::function<void(std::uint64_t done, std::uint64_t total)> on_progress;
  // Keep at most this many bytes of the answer's body (0: all); the rest is read and dropped,
  // so a peer cannot make the caller hold an unbounded answer (webhook receivers).
  std::size_t max_body = 0;
  // CURLOPT_RESOLVE entries ("host:port:address"): connect to the address that was checked,
  // not to whatever a second lookup returns.
  std::vector<std::string> resolve;
  // Checked while the transfer runs: true aborts it (a server shutting down).
  std::function<bool()> cancelled;
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

// The origin of an http(s) URL (scheme, host, port): the unit a credential belongs to.
// Parsing is strict on purpose: an authority with user info ('@'), a backslash, '%' or any
// character a host name cannot hold is refused rather than guessed at, so the host that
// decides where a token may go is the host libcurl connects to.
struct UrlOrigin {
  std::string scheme;  // "http" | "https", lowercase
  std::string host;    // lowercase; an IPv6 literal keeps its brackets: "[::1]"
  int port = 0;        // explicit, or 80 / 443
  // "https://api.slab5.com", "http://127.0.0.1:8787": the default port is left out.
  std::string key() const;
  bool operator==(const UrlOrigin&) const = default;
};
std::optional<UrlOrigin> url_origin(std::string_view url);
// 127.0.0.0/8, ::1 (also as ::ffff:127.x.x.x) and the name "localhost".
bool is_loopback_host(std::string_view host);

}  // namespace slab5
