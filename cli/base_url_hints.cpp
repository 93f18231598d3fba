#include "base_url_hints.hpp"

namespace slab5cli {
namespace {
std::string trimmed(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}
bool ends_in_v1(const std::string& url) { return url.size() >= 3 && url.compare(url.size() - 3, 3, "/v1") == 0; }
}  // namespace

std::string base_url_v1_hint(const std::string& base_url) {
  std::string b = trimmed(base_url);
  auto scheme = b.find("://");
  if (scheme == std::string::npos || ends_in_v1(b)) return "";
  return "the base URL " + b + " does not end in /v1: use " + b +
         "/v1 (--base-url, SLAB5_API_BASE_URL, or 'slab5 config set base_url " + b + "/v1')";
}

std::string doubled_v1_hint(const std::string& base_url, const std::string& path) {
  if (!ends_in_v1(trimmed(base_url))) return "";
  std::string p = path;
  while (!p.empty() && p.front() == '/') p.erase(p.begin());
  if (p != "v1" && p.rfind("v1/", 0) != 0 && p.rfind("v1?", 0) != 0) return "";
  std::string rest = p.size() > 2 ? p.substr(2) : "/";
  return "the path starts with /v1, which the base URL " + trimmed(base_url) +
         " already ends in: paths are relative to it, e.g. 'slab5 api " + rest + "'";
}

}  // namespace slab5cli
