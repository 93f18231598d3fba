// parse_json_value: RFC 8259 JSON text → slab5::Json, in one pass with an explicit stack
// (no recursion on the input's depth), accepting and rejecting exactly what nlohmann's
// Json::parse does and building the same value: a non-negative integer is number_unsigned, a
// negative one number_integer, an integer that does not fit 64 bits or a number with a
// fraction or exponent number_float (non-finite is an error), the last of duplicate keys
// wins, a leading UTF-8 byte order mark is skipped. Strings must be valid UTF-8 (RFC 3629)
// with no raw control characters, and \u escapes must pair surrogates.
//
// It exists for speed: nlohmann's lexer reads a character at a time through its input
// adapter and its DOM builder keeps a stack of its own, which made parsing the largest part
// of a small request's handling (an MCP tools/call). One deliberate difference: nlohmann's
// lexer takes a NUL byte for the end of the input and ignores the rest; here a NUL is what
// RFC 8259 makes it, an error (outside a string it is no token, inside one a raw control
// character). tests/unit/json_parse_test.cpp and the
// json_body fuzz target compare it with nlohmann on every input they make.
#include <clocale>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <locale.h>

#include "slab5/json_util.hpp"

namespace slab5 {

namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool parse(Json& root) {
    if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
    Json* target = &root;
    for (;;) {
      // A value into *target.
      skip_ws();
      if (p_ == end_) return false;
      switch (*p_) {
        case '{':
          ++p_;
          *target = Json::object();
          skip_ws();
          if (p_ != end_ && *p_ == '}') {
            ++p_;
            break;
          }
          stack_.push_back(target);
          if (!(target = member(*target))) return false;
          continue;
        case '[':
          ++p_;
          *target = Json::array();
          skip_ws();
          if (p_ != end_ && *p_ == ']') {
            ++p_;
            break;
          }
          stack_.push_back(target);
          target = &target->get_ref<Json::array_t&>().emplace_back();
          continue;
        case '"': {
          ++p_;
          std::string s;
          if (!string(s)) return false;
          *target = std::move(s);
          break;
        }
        case 't':
          if (!literal("true")) return false;
          *target = true;
          break;
        case 'f':
          if (!literal("false")) return false;
          *target = false;
          break;
        case 'n':
          if (!literal("null")) return false;
          *target = nullptr;
          break;
        default:
          if (!number(*target)) return false;
          break;
      }
      // After a value: close containers, or move to the next element.
      for (;;) {
        skip_ws();
        if (stack_.empty()) return p_ == end_;
        if (p_ == end_) return false;
        Json& top = *stack_.back();
        char c = *p_++;
        if (c == ',') {
          if (top.is_object()) {
            if (!(target = member(top))) return false;
          } else {
            target = &top.get_ref<Json::array_t&>().emplace_back();
          }
          break;
        }
        if (c != (top.is_object() ? '}' : ']')) return false;
        stack_.pop_back();
      }
    }
  }

 private:
  void skip_ws() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  // `"key" :` inside an object; the member's value goes where the result points.
  Json* member(Json& object) {
    skip_ws();
    if (p_ == end_ || *p_ != '"') return nullptr;
    ++p_;
    key_.clear();
    if (!string(key_)) return nullptr;
    skip_ws();
    if (p_ == end_ || *p_ != ':') return nullptr;
    ++p_;
    return &object.get_ref<Json::object_t&>()[key_];
  }

  bool literal(std::string_view word) {
    if (std::size_t(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0) return false;
    p_ += word.size();
    return true;
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Four hex digits after "\u".
  bool code_unit(unsigned& out) {
    if (end_ - p_ < 4) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      int h = hex(p_[i]);
      if (h < 0) return false;
      out = out * 16 + unsigned(h);
    }
    p_ += 4;
    return true;
  }

  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out.push_back(char(cp));
    } else if (cp < 0x800) {
      out.push_back(char(0xC0 | (cp >> 6)));
      out.push_back(char(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(char(0xE0 | (cp >> 12)));
      out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(char(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(char(0xF0 | (cp >> 18)));
      out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(char(0x80 | (cp & 0x3F)));
    }
  }

  // The length of the well-formed UTF-8 sequence at p_ (lead byte >= 0x80), or 0.
  std::size_t utf8_sequence() const {
    auto b = [&](std::ptrdiff_t i) { return p_ + i < end_ ? static_cast<unsigned char>(p_[i]) : 0u; };
    auto in = [](unsigned v, unsigned lo, unsigned hi) { return v >= lo && v <= hi; };
    unsigned c = b(0);
    if (in(c, 0xC2, 0xDF)) return in(b(1), 0x80, 0xBF) ? 2 : 0;
    if (c == 0xE0) return in(b(1), 0xA0, 0xBF) && in(b(2), 0x80, 0xBF) ? 3 : 0;
    if (in(c, 0xE1, 0xEC) || in(c, 0xEE, 0xEF)) return in(b(1), 0x80, 0xBF) && in(b(2), 0x80, 0xBF) ? 3 : 0;
    if (c == 0xED) return in(b(1), 0x80, 0x9F) && in(b(2), 0x80, 0xBF) ? 3 : 0;
    if (c == 0xF0) return in(b(1), 0x90, 0xBF) && in(b(2), 0x80, 0xBF) && in(b(3), 0x80, 0xBF) ? 4 : 0;
    if (in(c, 0xF1, 0xF3)) return in(b(1), 0x80, 0xBF) && in(b(2), 0x80, 0xBF) && in(b(3), 0x80, 0xBF) ? 4 : 0;
    if (c == 0xF4) return in(b(1), 0x80, 0x8F) && in(b(2), 0x80, 0xBF) && in(b(3), 0x80, 0xBF) ? 4 : 0;
    return 0;
  }

  // The rest of a string after its opening quote.
  bool string(std::string& out) {
    for (;;) {
      const char* run = p_;
      while (p_ != end_) {
        auto c = static_cast<unsigned char>(*p_);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++p_;
      }
      out.append(run, std::size_t(p_ - run));
      if (p_ == end_) return false;
      auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return false;
      if (c >= 0x80) {
        std::size_t n = utf8_sequence();
        if (n == 0) return false;
        out.append(p_, n);
        p_ += n;
        continue;
      }
      // An escape.
      ++p_;
      if (p_ == end_) return false;
      char e = *p_++;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out.push_back(e);
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          unsigned cp = 0;
          if (!code_unit(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate first
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned low = 0;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
            p_ += 2;
            if (!code_unit(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          put_utf8(out, cp);
          break;
        }
        default:
          return false;
      }
    }
  }

  static locale_t c_locale() {
    static locale_t loc = newlocale(LC_ALL_MASK, "C", locale_t(nullptr));
    return loc;
  }

  bool number(Json& out) {
    const char* start = p_;
    bool negative = false;
    if (p_ != end_ && *p_ == '-') {
      negative = true;
      ++p_;
    }
    auto digit = [&] { return p_ != end_ && *p_ >= '0' && *p_ <= '9'; };
    if (!digit()) return false;
    if (*p_ == '0')
      ++p_;
    else
      while (digit()) ++p_;
    bool integral = true;
    if (p_ != end_ && *p_ == '.') {
      integral = false;
      ++p_;
      if (!digit()) return false;
      while (digit()) ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digit()) return false;
      while (digit()) ++p_;
    }
    std::size_t len = std::size_t(p_ - start);
    if (integral) {
      // Integers that fit 64 bits, as nlohmann stores them; the others become doubles.
      const char* d = start + (negative ? 1 : 0);
      std::uint64_t v = 0;
      bool fits = true;
      for (; d != p_; ++d) {
        unsigned digit_value = unsigned(*d - '0');
        if (v > (std::numeric_limits<std::uint64_t>::max() - digit_value) / 10) {
          fits = false;
          break;
        }
        v = v * 10 + digit_value;
      }
      if (fits && !negative) {
        out = Json::number_unsigned_t(v);
        return true;
      }
      if (fits && v <= std::uint64_t(std::numeric_limits<std::int64_t>::max()) + 1) {
        out = Json::number_integer_t(v == std::uint64_t(std::numeric_limits<std::int64_t>::max()) + 1
                                         ? std::numeric_limits<std::int64_t>::min()
                                         : -std::int64_t(v));
        return true;
      }
    }
    char small[64];
    std::string large;
    const char* text = small;
    if (len < sizeof small) {
      std::memcpy(small, start, len);
      small[len] = 0;
    } else {
      large.assign(start, len);
      text = large.c_str();
    }
    double v = strtod_l(text, nullptr, c_locale());
    if (!(v - v == 0)) return false;  // not finite: nlohmann refuses the number
    out = Json::number_float_t(v);
    return true;
  }

  const char* p_;
  const char* end_;
  std::vector<Json*> stack_;
  std::string key_;
};

}  // namespace

bool parse_json_value(std::string_view text, Json& out) {
  Json value;
  if (!Parser(text).parse(value)) return false;
  out = std::move(value);
  return true;
}

}  // namespace slab5
