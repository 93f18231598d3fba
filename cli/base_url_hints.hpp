// The two /v1 mistakes that otherwise end in a bare 404: a base URL without /v1
// (--base-url http://127.0.0.1:8787) and a path that repeats it (slab5 api /v1/workspace).
#pragma once
#include <string>

namespace slab5cli {

// The fix for a base URL whose path does not end in /v1, or "" when it does.
std::string base_url_v1_hint(const std::string& base_url);

// The fix for an API path that starts with /v1 when the base URL already ends in it, or "".
std::string doubled_v1_hint(const std::string& base_url, const std::string& path);

}  // namespace slab5cli
