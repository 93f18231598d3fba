#include "credentials/store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace slab5cli {

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
  struct stat st{};
  if (lstat(dir_.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) throw std::runtime_error("the config directory " + dir_ + " is a symlink; refusing to use it");
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
  if (!profiles.is_object()) throw std::runtime_error(path + " is not valid: \"profiles\" must be an object; fix or remove it");
  return profiles;
}
}  // namespace

Json ConfigStore::load_file(const std::string& path, bool secret) const {
  struct stat st{};
  if (lstat(path.c_str(), &st) != 0) return Json::object();
  if (S_ISLNK(st.st_mode)) throw std::runtime_error(path + " is a symlink; refusing to read it");
  if (secret && (st.st_mode & 077))
    throw std::runtime_error(path + " can be read by other users; fix it with: chmod 600 " + path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str().empty()) return Json::object();
  auto j = Json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw std::runtime_error(path + " is not valid JSON; fix or remove it");
  return j;
}

void ConfigStore::write_file(const std::string& path, const Json& j) const {
  ensure_dir();
  struct stat st{};
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

Json ConfigStore::load_config() const { return load_file(config_path(), false); }
void ConfigStore::save_config(const Json& config) const { write_file(config_path(), config); }

std::optional<std::string> ConfigStore::profile_value(const std::string& profile, const std::string& key) const {
  auto cfg = load_config();
  if (!cfg.contains("profiles") || !cfg["profiles"].contains(profile)) return std::nullopt;
  const auto& p = cfg["profiles"][profile];
  if (!p.is_object() || !p.contains(key) || !p[key].is_string()) return std::nullopt;
  return p[key].get<std::string>();
}

void ConfigStore::set_profile_value(const std::string& profile, const std::string& key, const std::string& value) const {
  auto cfg = load_config();
  Json& entry = profiles_of(cfg, config_path())[profile];
  if (entry.is_null()) entry = Json::object();
  if (!entry.is_object())
    throw std::runtime_error(config_path() + " is not valid: profile \"" + profile + "\" must be an object; fix or remove it");
  entry[key] = value;
  save_config(cfg);
}

void ConfigStore::unset_profile_value(const std::string& profile, const std::string& key) const {
  auto cfg = load_config();
  Json& profiles = profiles_of(cfg, config_path());
  if (profiles.contains(profile)) {
    if (!profiles[profile].is_object())
      throw std::runtime_error(config_path() + " is not valid: profile \"" + profile + "\" must be an object; fix or remove it");
    profiles[profile].erase(key);
  }
  save_config(cfg);
}

std::optional<StoredCredential> ConfigStore::credential(const std::string& profile) const {
  auto j = load_file(credentials_path(), true);
  if (!j.contains("profiles") || !j["profiles"].contains(profile) || !j["profiles"][profile].is_object())
    return std::nullopt;
  auto c = StoredCredential::from_json(j["profiles"][profile]);
  if (c.token.empty()) return std::nullopt;
  return c;
}

void ConfigStore::save_credential(const std::string& profile, const StoredCredential& c) const {
  auto j = load_file(credentials_path(), true);
  profiles_of(j, credentials_path())[profile] = c.to_json();
  write_file(credentials_path(), j);
}

void ConfigStore::forget_credential(const std::string& profile) const {
  auto j = load_file(credentials_path(), true);
  profiles_of(j, credentials_path()).erase(profile);
  write_file(credentials_path(), j);
}

}  // namespace slab5cli
