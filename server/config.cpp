#include "config.hpp"

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "slab5/encoding.hpp"

namespace slab5d {

std::string Config::public_base_url(std::uint16_t actual_port) const {
  std::string scheme = tls_cert.empty() ? "http" : "https";
  std::string host = listen_host;
  if (host == "0.0.0.0" || host == "::") host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return scheme + "://" + host + ":" + std::to_string(actual_port);
}

std::string default_db_path() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  std::string base;
  if (xdg && *xdg) {
    base = xdg;
  } else {
    const char* home = std::getenv("HOME");
    base = std::string(home && *home ? home : ".") + "/.local/share";
  }
  return base + "/slab5/slab5d.db";
}

namespace {
// The scheme of a URL-looking --db (RFC 3986: a letter, then letters, digits, "+", "-", "."),
// lower-cased; "" when it does not look like one.
std::string db_url_scheme(const std::string& configured) {
  auto sep = configured.find("://");
  if (sep == std::string::npos || sep == 0) return "";
  std::string scheme = configured.substr(0, sep);
  if (!std::isalpha(static_cast<unsigned char>(scheme[0]))) return "";
  for (unsigned char ch : scheme)
    if (!std::isalnum(ch) && ch != '+' && ch != '-' && ch != '.') return "";
  return slab5::ascii_lower(scheme);
}
}  // namespace

bool is_postgres_url(const std::string& configured) {
  auto scheme = db_url_scheme(configured);
  return scheme == "postgres" || scheme == "postgresql";
}

std::string check_db_location(const std::string& configured) {
  auto scheme = db_url_scheme(configured);
  if (scheme.empty() || is_postgres_url(configured)) return "";
  return "--db: '" + scheme + "://…' is a URL; --db takes a file path, :memory: or a postgres:// URL";
}

std::string resolve_db_path(const std::string& configured, bool& throwaway) {
  throwaway = false;
  if (configured == ":memory:") {
    // SQLite's :memory: is private to one connection; slab5d has one connection per
    // thread (and may be shared by processes), so a throwaway database is a temporary
    // file that is removed when the server stops.
    throwaway = true;
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = tmp && *tmp ? tmp : "/tmp";
    std::string templ = dir + "/slab5d-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    char* made = mkdtemp(buf.data());
    if (!made) return dir + "/slab5d-throwaway.db";
    return std::string(made) + "/slab5d.db";
  }
  std::string path = configured.empty() ? default_db_path() : configured;
  std::filesystem::path p(path);
  if (p.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(p.parent_path(), ec);
  }
  return path;
}

}  // namespace slab5d
