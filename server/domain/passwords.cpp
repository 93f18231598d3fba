#include "domain/passwords.hpp"

#include <argon2.h>
#include <fmt/format.h>

#include <stdexcept>
#include <vector>

#include "slab5/crypto.hpp"

namespace slab5d {

PasswordCost password_cost(std::string_view name) {
  if (name == "test") return {1024, 1, 1};
  return {19 * 1024, 2, 1};
}

std::string hash_password(std::string_view password, const PasswordCost& cost) {
  std::string salt = slab5::random_bytes(16);
  std::size_t len =
      argon2_encodedlen(cost.iterations, cost.memory_kib, cost.lanes, std::uint32_t(salt.size()), 32, Argon2_id);
  std::vector<char> encoded(len);
  int rc = argon2id_hash_encoded(cost.iterations, cost.memory_kib, cost.lanes, password.data(), password.size(),
                                 salt.data(), salt.size(), 32, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) throw std::runtime_error(std::string("argon2 failed: ") + argon2_error_message(rc));
  return std::string(encoded.data());
}

bool verify_password(std::string_view password, const std::string& phc) {
  if (phc.rfind("$argon2id$", 0) != 0) return false;
  return argon2id_verify(phc.c_str(), password.data(), password.size()) == ARGON2_OK;
}

bool password_needs_rehash(const std::string& phc, const PasswordCost& cost) {
  auto want = fmt::format("$argon2id$v=19$m={},t={},p={}$", cost.memory_kib, cost.iterations, cost.lanes);
  return phc.rfind(want, 0) != 0;
}

}  // namespace slab5d
