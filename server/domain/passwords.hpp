// Password hashing: argon2id in a PHC string (OWASP: 19 MiB, t=2, p=1). The "test" cost
// exists only so test suites do not spend seconds hashing.
#pragma once
#include <string>
#include <string_view>

namespace slab5d {

struct PasswordCost {
  unsigned memory_kib;
  unsigned iterations;
  unsigned lanes;
};
PasswordCost password_cost(std::string_view name);  // "default" | "test"

std::string hash_password(std::string_view password, const PasswordCost& cost);
bool verify_password(std::string_view password, const std::string& phc);
// True when the stored hash was made with other parameters than `cost`.
bool password_needs_rehash(const std::string& phc, const PasswordCost& cost);

}  // namespace slab5d
