#include "slab5/ids.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstdlib>
#include <cstring>

namespace slab5 {
namespace {
constexpr char kCrockford[] = "0123456789abcdefghjkmnpqrstvwxyz";

struct UlidState {
  Millis last_ms = -1;
  std::array<unsigned char, 10> rand{};
};
thread_local UlidState g_state;

// Ids are public, so their randomness may be drawn ahead: one RAND_bytes call per 25 ids
// instead of one per id (the call costs more than the rest of making an id).
void fill_random(std::array<unsigned char, 10>& out) {
  thread_local std::array<unsigned char, 250> pool;
  thread_local std::size_t used = pool.size();
  if (used == pool.size()) {
    if (RAND_bytes(pool.data(), int(pool.size())) != 1) std::abort();
    used = 0;
  }
  std::memcpy(out.data(), pool.data() + used, out.size());
  std::memset(pool.data() + used, 0, out.size());
  used += out.size();
}

bool increment(std::array<unsigned char, 10>& r) {
  for (std::size_t i = r.size(); i-- > 0;) {
    if (++r[i] != 0) return true;
  }
  return false;
}
}  // namespace

std::string new_ulid(Millis at) {
  auto& st = g_state;
  if (at <= st.last_ms) {
    if (!increment(st.rand)) {  // overflow within one ms: borrow the next millisecond
      st.last_ms += 1;
      fill_random(st.rand);
    }
    at = st.last_ms;
  } else {
    st.last_ms = at;
    fill_random(st.rand);
    st.rand[0] &= 0x7f;  // leave headroom for increments
  }
  // 128 bits: 48-bit time + 80-bit randomness, as 26 base32 chars (first char holds 3 bits).
  unsigned char bytes[16];
  std::uint64_t t = std::uint64_t(at);
  for (int i = 5; i >= 0; --i) {
    bytes[i] = (unsigned char)(t & 0xff);
    t >>= 8;
  }
  std::memcpy(bytes + 6, st.rand.data(), 10);
  // 130 bits (2 leading zero bits + 128) in 26 groups of 5, most significant first.
  std::uint64_t hi = 0, lo = 0;
  for (int i = 0; i < 8; ++i) hi = (hi << 8) | bytes[i];
  for (int i = 8; i < 16; ++i) lo = (lo << 8) | bytes[i];
  std::string out(26, '0');
  for (int i = 25; i >= 0; --i) {  // the last group holds the lowest 5 bits
    out[std::size_t(i)] = kCrockford[lo & 31];
    lo = (lo >> 5) | (hi << 59);
    hi >>= 5;
  }
  return out;
}

std::string new_id(std::string_view prefix) {
  std::string id(prefix);
  id.push_back('_');
  id += new_ulid(now_millis());
  return id;
}

bool is_id(std::string_view s, std::string_view prefix) {
  if (s.size() != prefix.size() + 27 || s.substr(0, prefix.size()) != prefix || s[prefix.size()] != '_') return false;
  for (char c : s.substr(prefix.size() + 1))
    if (!std::strchr(kCrockford, c) || c == '\0') return false;
  return s[prefix.size() + 1] <= '7';
}

std::string request_id() { return new_id("req"); }

}  // namespace slab5
