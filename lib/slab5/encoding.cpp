#include "slab5/encoding.hpp"

#include <array>

namespace slab5 {

std::string hex_encode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  char* p = out.data();
  for (unsigned char c : bytes) {
    *p++ = kDigits[c >> 4];
    *p++ = kDigits[c & 15];
  }
  return out;
}

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string b64_encode(std::string_view in, bool url) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto map = [&](unsigned v) {
    char c = kB64[v & 63];
    if (url && c == '+') c = '-';
    if (url && c == '/') c = '_';
    return c;
  };
  while (i + 3 <= in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += {map(v >> 18), map(v >> 12), map(v >> 6), map(v)};
    i += 3;
  }
  std::size_t rest = in.size() - i;
  if (rest == 1) {
    unsigned v = (unsigned char)in[i] << 16;
    out += {map(v >> 18), map(v >> 12)};
    if (!url) out += "==";
  } else if (rest == 2) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += {map(v >> 18), map(v >> 12), map(v >> 6)};
    if (!url) out += "=";
  }
  return out;
}

std::optional<std::string> b64_decode(std::string_view in, bool url) {
  std::array<int, 256> table{};
  table.fill(-1);
  for (int i = 0; i < 64; ++i) table[(unsigned char)kB64[i]] = i;
  if (url) {
    table['-'] = 62;
    table['_'] = 63;
    table['+'] = -1;
    table['/'] = -1;
  }
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  unsigned buf = 0;
  int bits = 0;
  for (unsigned char c : in) {
    int v = table[c];
    if (v < 0) return std::nullopt;
    buf = (buf << 6) | unsigned(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(char((buf >> bits) & 0xff));
    }
  }
  return out;
}
}  // namespace

std::string base64_encode(std::string_view bytes) { return b64_encode(bytes, false); }
std::optional<std::string> base64_decode(std::string_view text) { return b64_decode(text, false); }
std::string base64url_encode(std::string_view bytes) { return b64_encode(bytes, true); }
std::optional<std::string> base64url_decode(std::string_view text) { return b64_decode(text, true); }

std::string base62_fixed(std::uint32_t value, std::size_t width) {
  std::string out(width, '0');
  for (std::size_t i = width; i-- > 0;) {
    out[i] = kBase62Alphabet[value % 62];
    value /= 62;
  }
  return out;
}

bool is_base62(std::string_view s) {
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!ok) return false;
  }
  return true;
}

std::uint32_t crc32(std::string_view bytes) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : bytes) crc = table[(crc ^ b) & 0xff] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (int k = 1; k < len; ++k) {
      unsigned char cc = (unsigned char)s[i + k];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

}  // namespace slab5
