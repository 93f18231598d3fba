// slab5's client for the Slab5 API: one libcurl connection reused for a command, retries
// as cli.md §5 specifies, a redacted --verbose trace, and automatic refresh of a stored
// session whose access token has expired.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "slab5/http_client.hpp"

namespace slab5cli {

class Context;
using Json = nlohmann::json;

struct ApiError {
  int exit_code = 1;
  long http_status = 0;  // 0 for network and local failures
  std::string code;      // the API's error code ("" when none)
  std::string message;
  std::string request_id;
  Json envelope;  // the server's whole error envelope, when there was one
  std::string hint;
};

struct ApiResponse {
  long status = 0;
  std::string status_line;
  slab5::HeaderList headers;
  std::string body;
  Json json;  // null when the body is not JSON
  std::string header(std::string_view name) const;
};

struct RequestOptions {
  slab5::HeaderList headers;  // extra headers
  bool auth = true;           // send Authorization
  bool workspace = true;      // send x-workspace-id when a workspace is configured
  bool idempotent = false;    // a POST that is safe to retry (carries an idempotency key)
};

using ApiResult = tl::expected<ApiResponse, ApiError>;

class ApiClient {
 public:
  explicit ApiClient(Context& ctx);

  // Sends the request; any HTTP status is a response. Fails only for local or network errors.
  ApiResult send(const std::string& method, const std::string& path, const std::string& body,
                 const RequestOptions& opts = {});
  // As send, but a non-2xx answer becomes an ApiError.
  ApiResult call(const std::string& method, const std::string& path, const Json& body = nullptr,
                 const RequestOptions& opts = {});
  // The "data" of a 2xx answer.
  tl::expected<Json, ApiError> data(const std::string& method, const std::string& path, const Json& body = nullptr,
                                    const RequestOptions& opts = {});
  // Follows next_cursor and merges every page's data array (progress on a terminal).
  tl::expected<Json, ApiError> list_all(const std::string& path, int max_pages = 100000);

  std::string url_for(const std::string& path) const;

 private:
  bool maybe_refresh_session(bool force);
  void trace_request(const slab5::HttpRequest& req);  // --verbose, secrets redacted
  Context& ctx_;
  slab5::HttpClient http_;
  bool refreshed_ = false;
};

// Turns an error response into an ApiError with exit code and hint.
ApiError api_error_from(const ApiResponse& r);
// Adds "idempotency_key" to a create body when absent (cli.md §5: creates are retry-safe).
Json with_idempotency_key(Json body);
// Replaces secret fields in a JSON text with "[redacted]" (for --verbose).
std::string redact_json_text(const std::string& body);
// Replaces with "[redacted]", anywhere in `text`: each of the `known` secrets (those shorter
// than 8 characters are ignored), anything shaped like a Slab5 token (slab5_sk_…, slab5_mcp_…,
// slab5_rt_…, whsec_…) or a JWT (eyJ….…), and the value of every query parameter whose name
// says it is a secret (token, access_token, key, password, …).
std::string redact_secrets(std::string_view text, const std::vector<std::string>& known = {});
// True for a header whose value is a secret: Authorization, Cookie, X-Api-Key, and any name
// that mentions a token, secret, password, signature or (API) key.
bool is_secret_header(std::string_view name);

}  // namespace slab5cli
