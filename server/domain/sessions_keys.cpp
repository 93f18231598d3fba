#include "domain/sessions_keys.hpp"

#include "domain/kek.hpp"
#include "slab5/time.hpp"

namespace slab5d {

const std::string& SigningKeys::kek() { return key_encryption_key(kek_path_); }

slab5::Status SigningKeys::load_public(SigningKeyStore& store) {
  auto rows = store.all_active();
  if (!rows) return tl::unexpected(rows.error());
  for (const auto& r : *rows) {
    auto jwk = slab5::Json::parse(r.public_jwk, nullptr, false);
    auto key = slab5::jose::key_from_jwk(jwk);
    if (key) {
      key->kid = r.kid;
      public_[key->kid] = std::move(*key);
    }
  }
  return {};
}

slab5::Result<slab5::jose::Key> SigningKeys::active(SigningKeyStore& store) {
  {
    std::shared_lock lock(mu_);
    if (active_) return *active_;
  }
  std::unique_lock lock(mu_);
  if (active_) return *active_;
  const std::string& pass = kek();
  // The newest stored key that this process can decrypt.
  auto rows = store.active(std::string(slab5::jose::kES256));
  if (!rows) return tl::unexpected(rows.error());
  for (const auto& r : *rows) {
    auto k = slab5::jose::key_from_private_pem(r.private_key, pass, r.kid);
    if (k) {
      active_ = std::move(*k);
      break;
    }
  }
  if (!active_) {
    // None usable (a new database, or one restored without its KEK file): make one, stored
    // and committed at once (the store refuses inside a caller's transaction).
    auto k = slab5::jose::generate(slab5::jose::kES256);
    StoredSigningKey row{k.kid, k.alg, slab5::jose::private_key_pem(k, pass), slab5::jose::public_jwk(k).dump(),
                         slab5::format_rfc3339(slab5::now_millis())};
    if (auto st = store.add_committed(row); !st) return tl::unexpected(st.error());
    active_ = std::move(k);
  }
  public_[active_->kid] = *active_;
  return *active_;
}

std::optional<slab5::jose::Key> SigningKeys::find(SigningKeyStore& store, const std::string& kid) {
  {
    std::shared_lock lock(mu_);
    auto it = public_.find(kid);
    if (it != public_.end()) return it->second;
  }
  std::unique_lock lock(mu_);
  auto row = store.find_active(kid);
  if (!row || !*row) return std::nullopt;
  auto key = slab5::jose::key_from_jwk(slab5::Json::parse((*row)->public_jwk, nullptr, false));
  if (!key) return std::nullopt;
  key->kid = kid;
  public_[kid] = *key;
  return *key;
}

void SigningKeys::forget() {
  std::unique_lock lock(mu_);
  active_.reset();
  public_.clear();
}

slab5::Result<slab5::Json> SigningKeys::jwks(SigningKeyStore& store) {
  if (auto a = active(store); !a) return tl::unexpected(a.error());  // make sure a key exists
  std::vector<slab5::jose::Key> keys;
  {
    std::unique_lock lock(mu_);
    if (auto st = load_public(store); !st) return tl::unexpected(st.error());
    for (const auto& [kid, k] : public_) keys.push_back(k);
  }
  return slab5::jose::make_jwks(keys);
}

}  // namespace slab5d
