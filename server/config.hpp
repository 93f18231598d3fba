// slab5d's settings, filled from flags and SLAB5D_* environment variables (server.md §1).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace slab5d {

struct Config {
  std::string db_path;  // "" → default path; ":memory:" → throwaway
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8787;
  int threads = 0;  // 0 → number of cores
  bool dev_routes = true;
  bool auto_verify = false;
  bool rate_limit_enabled = true;
  double rate_limit_per_second = 100;
  double rate_limit_burst = 200;
  std::string password_cost = "default";  // default | test
  std::int64_t session_ttl_ms = 3600 * 1000;
  std::string smtp_url;
  std::string mail_from = "slab5d <no-reply@slab5.local>";
  std::string google_client_id = "slab5-local-google";
  std::string google_jwks_url = "https://www.googleapis.com/oauth2/v3/certs";
  std::string microsoft_client_id = "slab5-local-microsoft";
  std::string microsoft_jwks_url = "https://login.microsoftonline.com/common/discovery/v2.0/keys";
  std::vector<std::string> microsoft_tenants;
  bool mock_oauth = false;
  std::string tls_cert;
  std::string tls_key;
  std::string log_format = "text";  // text | json
  std::string log_level = "info";   // debug | info | warn | error
  int read_timeout_seconds = 30;
  std::string assets_dir;                             // "" → beside the database (<db>.assets)
  std::string kek_file;                               // "" → beside the database (<db>.kek)
  std::uint64_t max_asset_bytes = 100 * 1024 * 1024;  // the largest asset byte_size
  int shutdown_grace_seconds = 10;
  bool webhook_deny_private = false;  // refuse webhook URLs on loopback/private addresses
  // Origins besides loopback ones that may call the MCP gateway (api.md §8.5), e.g.
  // "https://app.example.com"; "*" allows any.
  std::vector<std::string> mcp_allowed_origins;
  std::string email;            // init: the first owner's email
  bool password_stdin = false;  // init: read the first owner's password from stdin

  // The base URL the server names itself by (JWT iss, links in mail).
  std::string public_base_url(std::uint16_t actual_port) const;
};

std::string default_db_path();
// Resolves ":memory:" and the default; creates the parent directory of a file path.
std::string resolve_db_path(const std::string& configured, bool& throwaway);
// "" when `configured` (--db, SLAB5D_DB) names a database slab5d can open: a file path,
// :memory: or a postgres:// URL. Otherwise why not, without repeating the value (a URL may
// carry a password): anything else that looks like a URL is refused rather than taken as a
// file name.
std::string check_db_location(const std::string& configured);
// Whether `configured` is a postgres:// or postgresql:// URL (the scheme in any case).
bool is_postgres_url(const std::string& configured);

}  // namespace slab5d
