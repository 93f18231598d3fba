// The config directory (cli.md §1): config.json (profiles: base URL, default workspace,
// output preferences) and credentials.json (tokens, by host and profile). The directory is
// 0700, the files 0600, written atomically (temp file + rename), never through a symlink; a
// credentials file that group or others can read is refused.
//
// credentials.json (version 2):
//   {"version": 2, "hosts": {"https://api.slab5.com": {"profiles": {"default": {…}}}}}
// A credential is filed under the host (scheme, host and port of the base URL) that issued
// it and is only ever looked up for that host. A version-1 file ({"profiles": {"<name>": {…}}})
// is read as if each credential were filed under the host of the base_url it recorded (or,
// when it recorded none, under the host of the profile's base URL in config.json, else the
// default base URL); the next write stores version 2.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

namespace slab5cli {

using Json = nlohmann::json;

// A credential kept for a profile.
struct StoredCredential {
  std::string kind;   // "api_key" | "session"
  std::string token;  // API key, or the session's access token
  std::string refresh_token;
  std::string expires_at;  // RFC 3339, sessions only
  std::string base_url;    // the server it belongs to
  std::string workspace_id;
  std::string user_email;
  std::string session_id;

  Json to_json() const;
  static StoredCredential from_json(const Json& j);
};

// A stored credential with the host and profile it is filed under.
struct StoredEntry {
  std::string host;
  std::string profile;
  StoredCredential credential;
};

// The key a credential is filed under for a base URL: "https://api.slab5.com",
// "http://127.0.0.1:8787" (scheme, host, port; the default port left out). "" when the URL
// is not an http(s) URL with a plain host.
std::string credential_host(std::string_view base_url);

enum class ConfigFile { Config, Credentials };
inline constexpr std::size_t kMaxConfigFileBytes = 1 << 20;  // 1 MiB
inline constexpr int kMaxConfigDepth = 32;
// Parses the bytes of config.json or credentials.json: at most kMaxConfigFileBytes, nested at
// most kMaxConfigDepth deep, a JSON object of the documented shape (for credentials, either
// version). Never throws; the error says what is wrong and where, never what the file holds.
// Empty input is an empty object.
tl::expected<Json, std::string> parse_config_bytes(std::string_view bytes, ConfigFile kind);

class ConfigStore {
 public:
  // dir: SLAB5_CONFIG_DIR, else $XDG_CONFIG_HOME/slab5, else ~/.config/slab5.
  explicit ConfigStore(std::string dir);
  static std::string default_dir();

  const std::string& dir() const { return dir_; }
  std::string config_path() const { return dir_ + "/config.json"; }
  std::string credentials_path() const { return dir_ + "/credentials.json"; }

  // config.json: {"profiles": {"<name>": {"base_url": …, "workspace": …, …}}}
  // Throws std::runtime_error with a readable message when the file is unreadable.
  Json load_config() const;
  void save_config(const Json& config) const;
  std::optional<std::string> profile_value(const std::string& profile, const std::string& key) const;
  void set_profile_value(const std::string& profile, const std::string& key, const std::string& value) const;
  void unset_profile_value(const std::string& profile, const std::string& key) const;

  // credentials.json, by host (credential_host()) and profile. All throw std::runtime_error
  // with a readable message when the file is unsafe or unreadable.
  std::optional<StoredCredential> credential(const std::string& profile, const std::string& host) const;
  void save_credential(const std::string& profile, const std::string& host, const StoredCredential& c) const;
  void forget_credential(const std::string& profile, const std::string& host) const;
  // Every stored credential, ordered by host, then profile.
  std::vector<StoredEntry> stored_credentials() const;

 private:
  Json load_file(const std::string& path, ConfigFile kind) const;
  Json load_credentials() const;  // always version 2 (a version-1 file is converted)
  void write_file(const std::string& path, const Json& j) const;
  void ensure_dir() const;
  std::string dir_;
};

}  // namespace slab5cli
