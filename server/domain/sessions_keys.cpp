#include "domain/sessions_keys.hpp"

#include <sqlite3.h>

#include <stdexcept>

#include "domain/kek.hpp"
#include "slab5/time.hpp"

namespace slab5d {

const std::string& SigningKeys::kek() { return key_encryption_key(kek_path_); }

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
