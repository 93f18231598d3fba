// parse_json_value against nlohmann's Json::parse: the same verdict and the same value (type
// included: unsigned, integer or float) on hand-picked edge cases and on many generated and
// mutated texts.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "slab5/json_util.hpp"

namespace {

using slab5::Json;

// The value's structure with every number's kind written out, so that 1 (unsigned), 1
// (integer) and 1.0 (float) differ.
std::string typed(const Json& j) {
  std::string out;
  std::vector<const Json*> todo{&j};
  while (!todo.empty()) {
    const Json* v = todo.back();
    todo.pop_back();
    if (!v) {
      out += ']';
      continue;
    }
    switch (v->type()) {
      case Json::value_t::number_unsigned:
        out += "u" + v->dump();
        break;
      case Json::value_t::number_integer:
        out += "i" + v->dump();
        break;
      case Json::value_t::number_float:
        out += "f" + v->dump();
        break;
      case Json::value_t::object:
      case Json::value_t::array:
        out += v->is_object() ? "{" : "[";
        todo.push_back(nullptr);
        for (auto it = v->rbegin(); it != v->rend(); ++it) todo.push_back(&*it);
        if (v->is_object())
          for (auto it = v->begin(); it != v->end(); ++it) out += Json(it.key()).dump() + ",";
        break;
      default:
        out += v->dump();
    }
    out += ' ';
  }
  return out;
}

// The one deliberate difference: nlohmann's lexer takes a NUL byte for the end of the input
// and ignores what follows ("1 \0garbage" is 1); RFC 8259 allows no NUL outside a string nor
// a raw one inside, so slab5 refuses every text that has one.
void same_as_nlohmann(const std::string& text) {
  Json expected = Json::parse(text, nullptr, false);
  Json got = "untouched";
  bool ok = slab5::parse_json_value(text, got);
  INFO("text: " << Json(text).dump(-1, ' ', true, Json::error_handler_t::replace));
  if (text.find('\0') != std::string::npos) {
    CHECK_FALSE(ok);
    CHECK(got == "untouched");
    return;
  }
  REQUIRE(ok == !expected.is_discarded());
  if (ok)
    CHECK(typed(got) == typed(expected));
  else
    CHECK(got == "untouched");
}

}  // namespace

TEST_CASE("parse_json_value accepts, refuses and builds what nlohmann does: edge cases") {
  const char* cases[] = {
      "",
      " ",
      "{}",
      "[]",
      " {\"a\" : [1, 2.5, -3, true, false, null, \"x\"]} ",
      "{\"a\":1,\"a\":2}",
      "{\"a\":{\"b\":1},\"a\":[2]}",
      "[[[]]]",
      "[1,]",
      "[,1]",
      "{\"a\":1,}",
      "{,}",
      "{\"a\"}",
      "{\"a\":}",
      "{1:2}",
      "[1 2]",
      "{\"a\":1 \"b\":2}",
      "\"\"",
      "\"abc",
      "\"a\\\"b\"",
      "\"\\/\\b\\f\\n\\r\\t\\\\\"",
      "\"\\x\"",
      "\"\\u0041\\u00e9\\u20AC\"",
      "\"\\u0000\"",
      "\"\\ud83d\\ude00\"",
      "\"\\ud83d\"",
      "\"\\ude00\"",
      "\"\\ud83dx\"",
      "\"\\ud83d\\u0041\"",
      "\"\\u12\"",
      "\"\\u12G4\"",
      "\"tab\there\"",
      "\"nl\nhere\"",
      "\"\xc3\xa9\"",
      "\"\xc3\"",
      "\"\xc0\xaf\"",
      "\"\xe0\x80\xaf\"",
      "\"\xed\xa0\x80\"",
      "\"\xf4\x90\x80\x80\"",
      "\"\xf0\x9f\x98\x80\"",
      "\"\xff\"",
      "\xef\xbb\xbf{}",
      "\xef\xbb{}",
      "\xef",
      "0",
      "-0",
      "00",
      "01",
      "-",
      "-a",
      "1.",
      ".5",
      "1.5e",
      "1e5",
      "1E+5",
      "1e-5",
      "-1.25e-3",
      "+1",
      "1e400",
      "-1e400",
      "1e-400",
      "0.1",
      "18446744073709551615",
      "18446744073709551616",
      "9223372036854775807",
      "-9223372036854775808",
      "-9223372036854775809",
      "123456789012345678901234567890",
      "true",
      "truex",
      "tru",
      "nul",
      "null ",
      "false",
      "[true,false,null]",
      "{\"\":\"\"}",
      "[1]x",
      "{} {}",
      "\t\r\n[\t1\r]\n",
      "[\"\\u00\"]",
      "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"name\":\"get_contact\","
      "\"arguments\":{\"id\":\"con_01m8rv0r1d75yxxht2hya2kp4c\"}}}",
      "[1.0, 2.50, 1e2, 3.14159265358979323846264338327950288]",
      "[0.0, -0.0, 0e0, -0e-0]",
  };
  for (const char* c : cases) same_as_nlohmann(c);
  same_as_nlohmann(std::string("\"a\0b\"", 5));
  same_as_nlohmann(std::string("[1,\0]", 5));
  same_as_nlohmann(std::string("1e9 \0nma9e\"{\"nema\":}", 20));  // nlohmann: 1e9
  same_as_nlohmann(std::string("{}\0", 3));                       // nlohmann: {}
  same_as_nlohmann(std::string(200, '['));                        // any depth parses (the limit is parse_json's)
  same_as_nlohmann(std::string(200, '[') + std::string(200, ']'));
  same_as_nlohmann(std::string(100, '1') + ".5");
}

TEST_CASE("parse_json_value matches nlohmann on generated and mutated texts") {
  std::mt19937 rng(20261201);
  auto pick = [&](std::size_t n) { return std::size_t(rng() % n); };
  const std::vector<std::string> atoms = {
      "0",     "-1",   "12.5e3",  "1e999",        "18446744073709551616", "true",
      "false", "null", "\"\"",    "\"a\\u00e9\"", "\"\\ud83d\\ude00\"",   "\"\xc3\xa9\"",
      "-0.0",  "1E-2", "\"x\\n\""};
  const std::string alphabet = "{}[]:,\" \\u0123456789abcdefxtrnl.-+eE\xc3\xa9\xed\xa0\x80\xef\xbb\xbf\t\n";
  auto generate = [&](auto&& self, int depth) -> std::string {
    int kind = depth > 4 ? 0 : int(pick(3));
    if (kind == 0) return atoms[pick(atoms.size())];
    std::string out = kind == 1 ? "[" : "{";
    std::size_t n = pick(4);
    for (std::size_t i = 0; i < n; ++i) {
      if (i) out += pick(8) ? "," : " , ";
      if (kind == 2) out += Json("k" + std::to_string(pick(3))).dump() + (pick(4) ? ":" : " : ");
      out += self(self, depth + 1);
    }
    return out + (kind == 1 ? "]" : "}");
  };
  for (int i = 0; i < 20000; ++i) {
    std::string text = generate(generate, 0);
    // Most texts are mutated: a byte replaced, inserted or removed.
    for (std::size_t m = pick(4); m > 0 && !text.empty(); --m) {
      std::size_t at = pick(text.size());
      switch (pick(3)) {
        case 0:
          text[at] = alphabet[pick(alphabet.size())];
          break;
        case 1:
          text.insert(at, 1, alphabet[pick(alphabet.size())]);
          break;
        default:
          text.erase(at, 1);
      }
    }
    same_as_nlohmann(text);
  }
}
