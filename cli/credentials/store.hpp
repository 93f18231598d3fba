// The config directory (cli.md §1): config.json (profiles: base URL, default workspace,
// output preferences) and credentials.json (tokens). The directory is 0700, the files 0600,
// written atomically (temp file + rename), never through a symlink; a credentials file that
// group or others can read is refused.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace slab5cli {

using Json = nlohmann::json;

// A credential kept for a profile.
struct StoredCredential {
  std::string kind;  // "api_key" | "session"
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

  // credentials.json: {"profiles": {"<name>": StoredCredential}}
  std::optional<StoredCredential> credential(const std::string& profile) const;
  void save_credential(const std::string& profile, const StoredCredential& c) const;
  void forget_credential(const std::string& profile) const;

 private:
  Json load_file(const std::string& path, bool secret) const;
  void write_file(const std::string& path, const Json& j) const;
  void ensure_dir() const;
  std::string dir_;
};

}  // namespace slab5cli
