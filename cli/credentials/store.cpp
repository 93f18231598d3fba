#include "credentials/store.hpp"
#include "slab5/json_util.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "slab5/http_client.hpp"
#include "slab5/settings.hpp"

namespace slab5cli {

std::string credential_host(std::string_view base_url) {
  auto o = slab5::url_origin(base_url);
  return o ? o->key() : "";
}

namespace {

// Nesting depth of a JSON text, counted without parsing (strings skipped), so a document
// nested deeper than any real config file is refused before the parser recurses into it.
int json_depth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char ch : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (ch == '\\')
        escaped = true;
      else if (ch == '"')
        in_string = false;
      continue;
    }
    if (ch == '"')
      in_string = true;
    else if (ch == '{' || ch == '[')
      deepest = std::max(deepest, ++depth);
    else if (ch == '}' || ch == ']')
      --depth;
  }
  return deepest;
}

tl::expected<void, std::string> check_profiles(const Json& profiles, const std::string& where, bool credentials) {
  if (!profiles.is_object()) return tl::unexpected(where + " must be an object of profiles");
  for (const auto& [name, p] : profiles.items()) {
    if (!p.is_object()) return tl::unexpected(where + "." + name + " must be an object");
    for (const auto& [k, v] : p.items())
      if (credentials && !v.is_string()) return tl::unexpected(where + "." + name + "." + k + " must be a string");
  }
  return {};
}

}  // namespace

tl::expected<Json, std::string> parse_config_bytes(std::string_view bytes, ConfigFile kind) {
  if (bytes.size() > kMaxConfigFileBytes)
    return tl::unexpected("is larger than " + std::to_string(kMaxConfigFileBytes >> 20) + " MiB");
  if (bytes.find_first_not_of(" \t\r\n") == std::string_view::npos) return Json::object();
  if (json_depth(bytes) > kMaxConfigDepth)
    return tl::unexpected("is nested more than " + std::to_string(kMaxConfigDepth) + " levels deep");
  Json j;
  try {
    j = Json::parse(bytes);
  } catch (const Json::parse_error& e) {
    // The parser's own message quotes the bytes it read, which may be a token: say where only.
    return tl::unexpected("is not valid JSON (near byte " + std::to_string(e.byte) + ")");
  } catch (const std::exception&) {
    return tl::unexpected(std::string("is not valid JSON"));
  }
  if (!j.is_object()) return tl::unexpected(std::string("is not valid JSON: the top level must be an object"));
  if (kind == ConfigFile::Config) {
    if (j.contains("profiles"))
      if (auto ok = check_profiles(j["profiles"], "profiles", false); !ok) return tl::unexpected(ok.error());
    return j;
  }
  if (j.contains("version")) {
    if (j["version"] != 2) return tl::unexpected(std::string("has an unknown version (this slab5 reads version 2)"));
    if (!j.contains("hosts")) return j;
    if (!j["hosts"].is_object()) return tl::unexpected(std::string("hosts must be an object"));
    int n = 0;
    for (const auto& [host, entry] : j["hosts"].items()) {
      ++n;
      if (credential_host(host) != host)
        return tl::unexpected("hosts has a key that is not scheme://host[:port] (entry " + std::to_string(n) + ")");
      if (!entry.is_object()) return tl::unexpected("hosts." + host + " must be an object");
      if (entry.contains("profiles"))
        if (auto ok = check_profiles(entry["profiles"], "hosts." + host + ".profiles", true); !ok)
          return tl::unexpected(ok.error());
    }
    return j;
  }
  if (j.contains("profiles"))  // version 1
    if (auto ok = check_profiles(j["profiles"], "profiles", true); !ok) return tl::unexpected(ok.error());
  return j;
}

Json StoredCredential::to_json() const {
  Json j = {{"kind", kind}, {"token", token}};
  auto put = [&](const char* k, const std::string& v) {
    if (!v.empty()) j[k] = v;
  };
  put("refresh_token", refresh_token);
  put("expires_at", expires_at);
  put("base_url", base_url);
  put("workspace_id", workspace_id);
  put("user_email", user_email);
  put("session_id", session_id);
  return j;
}

StoredCredential StoredCredential::from_json(const Json& j) {
  StoredCredential c;
  auto get = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : ""; };
  c.kind = get("kind");
  c.token = get("token");
  c.refresh_token = get("refresh_token");
  c.expires_at = get("expires_at");
  c.base_url = get("base_url");
  c.workspace_id = get("workspace_id");
  c.user_email = get("user_email");
  c.session_id = get("session_id");
  return c;
}

ConfigStore::ConfigStore(std::string dir) : dir_(std::move(dir)) {}

std::string ConfigStore::default_dir() {
  if (const char* d = std::getenv("SLAB5_CONFIG_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::string(x) + "/slab5";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.config/slab5";
}

void ConfigStore::ensure_dir() const {
  struct stat st {};
  if (lstat(dir_.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode))
      throw std::runtime_error("the config directory " + dir_ + " is a symlink; refusing to use it");
    if (!S_ISDIR(st.st_mode)) throw std::runtime_error(dir_ + " is not a directory");
    return;
  }
  // Create parents as needed, the last component 0700.
  std::string partial;
  std::stringstream ss(dir_);
  std::string part;
  if (!dir_.empty() && dir_[0] == '/') partial = "";
  while (std::getline(ss, part, '/')) {
    if (part.empty()) continue;
    partial += "/" + part;
    if (dir_[0] != '/' && partial.size() == part.size() + 1) partial = part;
    mkdir(partial.c_str(), 0700);
  }
  if (lstat(dir_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw std::runtime_error("cannot create the config directory " + dir_ + ": " + std::strerror(errno));
  chmod(dir_.c_str(), 0700);
}

namespace {
// The "profiles" object of a loaded file, created when absent; valid JSON of another shape
// is refused with the same advice as unparsable JSON (not a json.exception type error).
Json& profiles_of(Json& file, const std::string& path) {
  Json& profiles = file["profiles"];
  if (profiles.is_null()) profiles = Json::object();
  if (!profiles.is_object())
    throw std::runtime_error(path + " is not valid: \"profiles\" must be an object; fix or remove it");
  return profiles;
}
}  // namespace

Json ConfigStore::load_file(const std::string& path, ConfigFile kind) const {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return Json::object();
  if (S_ISLNK(st.st_mode)) throw std::runtime_error(path + " is a symlink; refusing to read it");
  if (!S_ISREG(st.st_mode)) throw std::runtime_error(path + " is not a regular file; fix or remove it");
  if (kind == ConfigFile::Credentials && (st.st_mode & 077))
    throw std::runtime_error(path + " can be read by other users; fix it with: chmod 600 " + path);
  if (std::size_t(st.st_size) > kMaxConfigFileBytes)
    throw std::runtime_error(path + " is larger than " + std::to_string(kMaxConfigFileBytes >> 20) +
                             " MiB; fix or remove it");
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
  std::string data;
  char buf[8192];
  for (;;) {  // read at most one byte past the limit: the file may have grown since the stat
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buf, std::size_t(n));
    if (data.size() > kMaxConfigFileBytes) break;
  }
  close(fd);
  auto j = parse_config_bytes(data, kind);
  if (!j) throw std::runtime_error(path + " " + j.error() + "; fix or remove it");
  return *j;
}

void ConfigStore::write_file(const std::string& path, const Json& j) const {
  ensure_dir();
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
    throw std::runtime_error(path + " is a symlink; refusing to write through it");
  std::string tmp = path + ".tmp-" + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
  std::string data = j.dump(2) + "\n";
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      close(fd);
      unlink(tmp.c_str());
      throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
    }
    p += n;
    left -= std::size_t(n);
  }
  fchmod(fd, 0600);
  fsync(fd);
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    throw std::runtime_error("cannot replace " + path + ": " + std::strerror(errno));
  }
}

Json ConfigStore::load_config() const { return load_file(config_path(), ConfigFile::Config); }
void ConfigStore::save_config(const Json& config) const { write_file(config_path(), config); }

std::optional<std::string> ConfigStore::profile_value(const std::string& profile, const std::string& key) const {
  auto cfg = load_config();
  if (!cfg.contains("profiles") || !cfg["profiles"].contains(profile)) return std::nullopt;
  const auto& p = cfg["profiles"][profile];
  if (!p.is_object() || !p.contains(key) || !p[key].is_string()) return std::nullopt;
  return p[key].get<std::string>();
}

void ConfigStore::set_profile_value(const std::string& profile, const std::string& key,
                                    const std::string& value) const {
  auto cfg = load_config();
  Json& entry = profiles_of(cfg, config_path())[profile];
  if (entry.is_null()) entry = Json::object();
  if (!entry.is_object())
    throw std::runtime_error(config_path() + " is not valid: profile \"" + profile +
                             "\" must be an object; fix or remove it");
  entry[key] = value;
  save_config(cfg);
}

void ConfigStore::unset_profile_value(const std::string& profile, const std::string& key) const {
  auto cfg = load_config();
  Json& profiles = profiles_of(cfg, config_path());
  if (profiles.contains(profile)) {
    if (!profiles[profile].is_object())
      throw std::runtime_error(config_path() + " is not valid: profile \"" + profile +
                               "\" must be an object; fix or remove it");
    profiles[profile].erase(key);
  }
  save_config(cfg);
}

Json ConfigStore::load_credentials() const {
  auto j = load_file(credentials_path(), ConfigFile::Credentials);
  if (j.contains("version")) return j;
  Json v2 = {{"version", 2}, {"hosts", Json::object()}};
  if (!j.contains("profiles")) return v2;
  for (const auto& [profile, c] : j["profiles"].items()) {
    std::string url = slab5::string_or(c, "base_url");
    if (url.empty()) url = profile_value(profile, "base_url").value_or(slab5::kDefaultBaseUrl);
    std::string host = credential_host(url);
    if (host.empty()) continue;  // no host it could belong to: never sent anywhere
    v2["hosts"][host]["profiles"][profile] = c;
  }
  return v2;
}

std::optional<StoredCredential> ConfigStore::credential(const std::string& profile, const std::string& host) const {
  if (host.empty()) return std::nullopt;
  auto j = load_credentials();
  if (!j.contains("hosts") || !j["hosts"].contains(host)) return std::nullopt;
  const auto& h = j["hosts"][host];
  if (!h.contains("profiles") || !h["profiles"].contains(profile)) return std::nullopt;
  auto c = StoredCredential::from_json(h["profiles"][profile]);
  if (c.token.empty()) return std::nullopt;
  return c;
}

void ConfigStore::save_credential(const std::string& profile, const std::string& host,
                                  const StoredCredential& c) const {
  if (host.empty()) throw std::runtime_error("a credential needs the host it belongs to");
  auto j = load_credentials();
  j["hosts"][host]["profiles"][profile] = c.to_json();
  write_file(credentials_path(), j);
}

void ConfigStore::forget_credential(const std::string& profile, const std::string& host) const {
  auto j = load_credentials();
  if (j.contains("hosts") && j["hosts"].contains(host)) {
    auto& h = j["hosts"][host];
    if (h.contains("profiles")) h["profiles"].erase(profile);
    if (!h.contains("profiles") || h["profiles"].empty()) j["hosts"].erase(host);
  }
  write_file(credentials_path(), j);
}

std::vector<StoredEntry> ConfigStore::stored_credentials() const {
  std::vector<StoredEntry> out;
  auto j = load_credentials();
  if (!j.contains("hosts")) return out;
  for (const auto& [host, h] : j["hosts"].items()) {  // nlohmann objects iterate in key order
    if (!h.contains("profiles")) continue;
    for (const auto& [profile, c] : h["profiles"].items()) {
      auto cred = StoredCredential::from_json(c);
      if (!cred.token.empty()) out.push_back({host, profile, std::move(cred)});
    }
  }
  return out;
}

}  // namespace slab5cli
