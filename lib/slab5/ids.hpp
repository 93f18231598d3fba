// Resource ids: "<prefix>_<ULID>" with the ULID in lowercase Crockford base32 (api.md §1).
#pragma once
#include <string>
#include <string_view>

#include "slab5/time.hpp"

namespace slab5 {

std::string new_ulid(Millis at);              // 26 chars, lowercase; monotonic within a millisecond per thread
std::string new_id(std::string_view prefix);  // e.g. new_id("key") → "key_01j…"
// True when s is "<prefix>_" followed by 26 Crockford base32 characters.
bool is_id(std::string_view s, std::string_view prefix);
std::string request_id();

}  // namespace slab5
