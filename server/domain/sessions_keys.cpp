#include "domain/sessions_keys.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"
#include "slab5/time.hpp"

namespace slab5d {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// Creates the KEK file atomically (write a private temp file, then link it into place, which
// fails if another process got there first) and returns its content.
std::string load_or_create_kek(const std::string& path) {
  std::string existing = read_all(path);
  if (!existing.empty()) return existing;
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  std::string fresh = slab5::hex_encode(slab5::random_bytes(32));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create the signing key-encryption key file beside the database");
  bool ok = ::write(fd, fresh.data(), fresh.size()) == ssize_t(fresh.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (ok) (void)::link(tmp.c_str(), path.c_str());
  ::unlink(tmp.c_str());
  std::string now = read_all(path);
  if (now.empty()) throw std::runtime_error("cannot read the signing key-encryption key file");
  return now;
}

}  // namespace

const std::string& SigningKeys::kek() {
  std::lock_guard lock(kek_mu_);
  if (kek_.empty()) kek_ = kek_path_.empty() ? slab5::hex_encode(slab5::random_bytes(32)) : load_or_create_kek(kek_path_);
  return kek_;
}

void SigningKeys::load_public(Db& db) {
  auto q = db.query("SELECT kid, public_jwk FROM signing_keys WHERE active = 1");
  while (q.next()) {
    auto jwk = slab5::Json::parse(q.text(1), nullptr, false);
    auto key = slab5::jose::key_from_jwk(jwk);
    if (key) {
      key->kid = q.text(0);
      public_[key->kid] = std::move(*key);
    }
  }
}

slab5::jose::Key SigningKeys::active(Db& db) {
  {
    std::shared_lock lock(mu_);
    if (active_) return *active_;
  }
  std::unique_lock lock(mu_);
  if (active_) return *active_;
  const std::string& pass = kek();
  // The newest stored key that this process can decrypt.
  {
    auto q = db.query("SELECT kid, private_key FROM signing_keys WHERE active = 1 AND alg = 'ES256' "
                      "ORDER BY created_at DESC, kid");
    while (q.next()) {
      auto k = slab5::jose::key_from_private_pem(q.text(1), pass, q.text(0));
      if (k) {
        active_ = std::move(*k);
        break;
      }
    }
  }
  if (!active_) {
    // None usable (a new database, or one restored without its KEK file): make one.
    // Callers prime the key before opening their own transaction (a key created inside
    // theirs could be rolled back while this process kept signing with it).
    if (!sqlite3_get_autocommit(db.handle()))
      throw std::logic_error("the signing key must be created outside a transaction");
    auto k = slab5::jose::generate(slab5::jose::kES256);
    Tx tx(db);
    db.query("INSERT INTO signing_keys (kid, alg, private_key, public_jwk, created_at, active) VALUES (?,?,?,?,?,1)",
             k.kid, k.alg, slab5::jose::private_key_pem(k, pass), slab5::jose::public_jwk(k).dump(),
             slab5::format_rfc3339(slab5::now_millis()))
        .run();
    tx.commit();
    active_ = std::move(k);
  }
  public_[active_->kid] = *active_;
  return *active_;
}

std::optional<slab5::jose::Key> SigningKeys::find(Db& db, const std::string& kid) {
  {
    std::shared_lock lock(mu_);
    auto it = public_.find(kid);
    if (it != public_.end()) return it->second;
  }
  std::unique_lock lock(mu_);
  auto q = db.query("SELECT public_jwk FROM signing_keys WHERE kid = ? AND active = 1", kid);
  if (!q.next()) return std::nullopt;
  auto key = slab5::jose::key_from_jwk(slab5::Json::parse(q.text(0), nullptr, false));
  if (!key) return std::nullopt;
  key->kid = kid;
  public_[kid] = *key;
  return *key;
}

slab5::Json SigningKeys::jwks(Db& db) {
  active(db);  // make sure a key exists
  std::vector<slab5::jose::Key> keys;
  {
    std::unique_lock lock(mu_);
    load_public(db);
    for (const auto& [kid, k] : public_) keys.push_back(k);
  }
  return slab5::jose::make_jwks(keys);
}

}  // namespace slab5d
