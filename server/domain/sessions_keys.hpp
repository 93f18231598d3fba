// The ES256 keys that sign session access tokens (api.md §2.1). Generated on first use and
// kept by the SigningKeyStore; the private half is stored as PKCS#8 PEM encrypted with a
// key-encryption key that lives outside the database (domain/kek.hpp: a 0600 file beside it,
// or process memory for a throwaway database), so the database alone never holds key
// material in clear.
#pragma once
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "slab5/error.hpp"
#include "slab5/jose.hpp"
#include "slab5/json_util.hpp"
#include "store/identity_store.hpp"

namespace slab5d {

class SigningKeys {
 public:
  // kek_path: the key-encryption-key file ("" keeps the KEK in memory only).
  explicit SigningKeys(std::string kek_path) : kek_path_(std::move(kek_path)) {}

  // The key that signs new tokens; generated and stored when the store has none usable.
  // Call it once outside any transaction before flows that sign inside one.
  slab5::Result<slab5::jose::Key> active(SigningKeyStore& store);
  // A verification key by kid; re-reads the store once for a kid not seen yet (another
  // process sharing the database may have made it).
  std::optional<slab5::jose::Key> find(SigningKeyStore& store, const std::string& kid);
  // GET /.well-known/jwks.json
  slab5::Result<slab5::Json> jwks(SigningKeyStore& store);
  // Forgets every key read from the store: the database was replaced (a snapshot restored),
  // and the keys are read again from it on next use.
  void forget();

 private:
  slab5::Status load_public(SigningKeyStore& store);  // caller holds the unique lock
  const std::string& kek();

  std::string kek_path_;
  std::shared_mutex mu_;
  std::optional<slab5::jose::Key> active_;
  std::unordered_map<std::string, slab5::jose::Key> public_;
};

}  // namespace slab5d
