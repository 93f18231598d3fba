#include "request_inputs.hpp"

#include <cctype>

#include "slab5/encoding.hpp"

namespace slab5d {

using slab5::Error;

namespace {
bool method_has_body(std::string_view m) { return m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE"; }
}  // namespace

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() + 0 && std::isxdigit((unsigned char)s[i + 1]) &&
               std::isxdigit((unsigned char)s[i + 2])) {
      out.push_back(char(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  // RFC 9110 §11.1: the scheme is case-insensitive; §11.4: then one or more spaces.
  constexpr std::string_view scheme = "bearer";
  if (authorization.size() <= scheme.size() || authorization[scheme.size()] != ' ') return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower((unsigned char)authorization[i]) != scheme[i]) return std::nullopt;
  std::string_view token = authorization.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

slab5::Result<std::string_view> bearer_token_of(std::string_view auth) {
  if (auth.empty())
    return tl::unexpected(
        Error{"unauthorized", "The Authorization header is missing; send 'Authorization: Bearer <token>'."});
  auto token = bearer_token(auth);
  if (!token) return tl::unexpected(Error{"unauthorized", "The Authorization header must be 'Bearer <token>'."});
  return *token;
}

bool json_content_type(std::string_view ct) {
  auto semi = ct.find(';');
  auto base = ct.substr(0, semi);
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  std::string lower;
  for (char c : base) lower.push_back(char(std::tolower((unsigned char)c)));
  return lower == "application/json" || (lower.size() > 5 && lower.ends_with("+json"));
}

bool holds_nul_escape(std::string_view json) {
  for (auto at = json.find("u0000"); at != std::string_view::npos; at = json.find("u0000", at + 1)) {
    std::size_t slashes = 0;
    while (slashes < at && json[at - 1 - slashes] == '\\') ++slashes;
    if (slashes % 2 == 1) return true;  // \u0000, not \\u0000 (a backslash, then "u0000")
  }
  return false;
}

slab5::Result<slab5::Json> read_json_body(std::string_view method, std::string_view content_type,
                                          std::string_view body) {
  if (!method_has_body(method) || body.empty()) return slab5::Json::object();
  if (!json_content_type(content_type))
    return tl::unexpected(Error{"unsupported_media_type", "Send the body with 'Content-Type: application/json'."});
  if (!slab5::is_valid_utf8(body))
    return tl::unexpected(Error{"invalid_request", "The request body is not valid UTF-8."});
  auto parsed = slab5::parse_json(body);
  if (!parsed) return tl::unexpected(parsed.error());
  if (holds_nul_escape(body))
    return tl::unexpected(
        Error{"invalid_request", "Text in the request body may not contain a NUL character (\\u0000)."});
  if (!parsed->is_object()) return tl::unexpected(Error{"invalid_request", "The request body must be a JSON object."});
  return parsed;
}

}  // namespace slab5d
