#include "slab5/http_client.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace slab5 {
namespace {
std::once_flag g_curl_init;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower((unsigned char)x) == std::tolower((unsigned char)y);
         });
}

// A transfer's state for the streaming callbacks.
struct Streaming {
  CURL* curl = nullptr;
  const HttpRequest* req = nullptr;
  HttpResponse* resp = nullptr;
  bool aborted = false;
};

void keep_body(const Streaming& st, const char* ptr, std::size_t n) {
  std::string& body = st.resp->body;
  std::size_t max = st.req->max_body;
  if (max == 0)
    body.append(ptr, n);
  else if (body.size() < max)
    body.append(ptr, std::min(n, max - body.size()));
}

size_t write_body(char* ptr, size_t size, size_t nmemb, void* userdata) {
  keep_body(*static_cast<Streaming*>(userdata), ptr, size * nmemb);
  return size * nmemb;
}

size_t write_streamed(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* st = static_cast<Streaming*>(userdata);
  long code = 0;
  curl_easy_getinfo(st->curl, CURLINFO_RESPONSE_CODE, &code);
  std::size_t n = size * nmemb;
  if (code >= 200 && code < 300) {
    if (!st->req->on_body(std::string_view(ptr, n))) {
      st->aborted = true;
      return 0;
    }
    return n;
  }
  keep_body(*st, ptr, n);
  return n;
}

size_t read_upload(char* buf, size_t size, size_t nitems, void* userdata) {
  auto* st = static_cast<Streaming*>(userdata);
  return st->req->upload(buf, size * nitems);
}

int on_transfer(void* userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
  auto* st = static_cast<Streaming*>(userdata);
  if (st->req->cancelled && st->req->cancelled()) return 1;  // aborts the transfer
  if (!st->req->on_progress) return 0;
  if (st->req->upload)
    st->req->on_progress(std::uint64_t(ulnow), std::uint64_t(ultotal));
  else
    st->req->on_progress(std::uint64_t(dlnow), std::uint64_t(dltotal));
  return 0;
}

size_t write_header(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* resp = static_cast<HttpResponse*>(userdata);
  std::string_view line(ptr, size * nmemb);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.substr(0, 5) == "HTTP/") {  // a new response (after 100-continue or a redirect)
    resp->status_line = std::string(line);
    resp->headers.clear();
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    auto value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    resp->headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return size * nmemb;
}
}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return {};
}

HttpClient::HttpClient() {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

tl::expected<HttpResponse, NetworkError> HttpClient::perform(const HttpRequest& req) {
  CURL* c = static_cast<CURL*>(curl_);
  if (!c) return tl::unexpected(NetworkError{"libcurl could not be initialised"});
  HttpResponse resp;
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, nullptr);
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  if (req.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
    if (req.upload) {
      curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, curl_off_t(req.upload_size));
    } else if (!req.body.empty() || (req.method != "GET" && req.method != "DELETE")) {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(req.body.size()));
    }
    if (req.method != "GET" && req.method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  curl_slist* hdrs = nullptr;
  bool has_expect = false;
  for (const auto& [k, v] : req.headers) {
    hdrs = curl_slist_append(hdrs, (k + ": " + v).c_str());
    if (iequals(k, "expect")) has_expect = true;
  }
  if (!has_expect) hdrs = curl_slist_append(hdrs, "Expect:");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  Streaming streaming{c, &req, &resp};
  if (req.on_body) {
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_streamed);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &streaming);
  } else {
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &streaming);
  }
  if (req.upload) {
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(c, CURLOPT_READDATA, &streaming);
  }
  curl_slist* resolve = nullptr;
  for (const auto& r : req.resolve) resolve = curl_slist_append(resolve, r.c_str());
  curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
  if (req.on_progress || req.cancelled) {
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_transfer);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &streaming);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  }
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, write_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &resp);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req.timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min<long>(req.timeout_ms, 10000));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, nullptr);
  // The caller decided which host may see its headers; a Location must not change that.
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  if (!ca_bundle_.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, ca_bundle_.c_str());
  if (!user_agent_.empty()) curl_easy_setopt(c, CURLOPT_USERAGENT, user_agent_.c_str());
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(hdrs);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(c, CURLOPT_RESOLVE, nullptr);
  curl_slist_free_all(resolve);
  // The handle is reused: what this request alone set goes back to the defaults.
  if (req.upload) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 0L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, nullptr);
    curl_easy_setopt(c, CURLOPT_READDATA, nullptr);
  }
  if (req.on_progress || req.cancelled) curl_easy_setopt(c, CURLOPT_NOPROGRESS, 1L);
  if (streaming.aborted) return tl::unexpected(NetworkError{"the download was stopped: its bytes could not be kept"});
  if (rc != CURLE_OK) {
    return tl::unexpected(
        NetworkError{curl_easy_strerror(rc), rc == CURLE_OPERATION_TIMEDOUT, rc == CURLE_COULDNT_CONNECT});
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  return resp;
}

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(char(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string UrlOrigin::key() const {
  bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  return scheme + "://" + host + (default_port ? "" : ":" + std::to_string(port));
}

std::optional<UrlOrigin> url_origin(std::string_view url) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  UrlOrigin o;
  for (char ch : url.substr(0, sep)) o.scheme.push_back(char(std::tolower((unsigned char)ch)));
  if (o.scheme != "http" && o.scheme != "https") return std::nullopt;
  auto rest = url.substr(sep + 3);
  auto authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty()) return std::nullopt;
  std::string_view host, port;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
    for (char ch : host.substr(1, host.size() - 2))
      if (!std::isxdigit((unsigned char)ch) && ch != ':' && ch != '.') return std::nullopt;
    if (host.size() < 3) return std::nullopt;
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    if (host.empty()) return std::nullopt;
    for (char ch : host)
      if (!std::isalnum((unsigned char)ch) && ch != '.' && ch != '-' && ch != '_') return std::nullopt;
  }
  for (char ch : host) o.host.push_back(char(std::tolower((unsigned char)ch)));
  if (port.empty()) {
    o.port = o.scheme == "https" ? 443 : 80;
  } else {
    if (port.size() > 5) return std::nullopt;
    int n = 0;
    for (char ch : port) {
      if (!std::isdigit((unsigned char)ch)) return std::nullopt;
      n = n * 10 + (ch - '0');
    }
    if (n < 1 || n > 65535) return std::nullopt;
    o.port = n;
  }
  return o;
}

bool is_loopback_host(std::string_view host) {
  std::string h(host);
  for (auto& ch : h) ch = char(std::tolower((unsigned char)ch));
  if (h == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) return v6.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace slab5
