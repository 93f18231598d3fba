// cli/output/terminal_text and cli/suggest: what reaches a terminal, and the nearest words.
#include <doctest/doctest.h>

#include "flag_values.hpp"
#include "output/terminal_text.hpp"
#include "suggest.hpp"

using slab5cli::cut_to_width;
using slab5cli::display_width;
using slab5cli::edit_distance;
using slab5cli::escape_controls;
using slab5cli::similar_words;

TEST_CASE("control characters are escaped: ESC, OSC, BEL, CR, C1, bidi overrides, bytes that are not UTF-8") {
  CHECK(escape_controls("\x1b[2J\x1b]0;owned\x07 Mallory") == "\\e[2J\\e]0;owned\\x07 Mallory");
  CHECK(escape_controls("a\rb\bc\x7f") == "a\\rb\\x08c\\x7f");
  CHECK(escape_controls("\xc2\x9b"
                        "31m") == "\\u009b31m");            // the one-code-point CSI
  CHECK(escape_controls("x\xe2\x80\xaey") == "x\\u202ey");  // right-to-left override
  CHECK(escape_controls("\x9b"
                        "31m") == "\\x9b31m");  // a lone byte, not UTF-8
  CHECK(escape_controls("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac") == "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac");
  CHECK(escape_controls("back\\slash") == "back\\slash");
}

TEST_CASE("tabs and newlines are kept in messages and escaped in table cells") {
  CHECK(escape_controls("a\tb\nc", true) == "a\tb\nc");
  CHECK(escape_controls("a\tb\nc") == "a\\tb\\nc");
}

TEST_CASE("cells are cut to a display width with an ellipsis, wide characters counted twice") {
  CHECK(display_width("abc") == 3);
  CHECK(display_width("\xe6\x97\xa5\xe6\x9c\xac") == 4);
  CHECK(cut_to_width("abcdefgh", 8) == "abcdefgh");
  CHECK(cut_to_width("abcdefgh", 5) == "abcd…");
  CHECK(display_width(cut_to_width("\xe6\x97\xa5\xe6\x9c\xac\xe6\x97\xa5", 4)) <= 4);
}

TEST_CASE("did you mean: edit distance with transpositions, nearest first, nothing when far") {
  CHECK(edit_distance("lst", "list") == 1);
  CHECK(edit_distance("lsit", "list") == 1);
  CHECK(edit_distance("key", "keys") == 1);
  CHECK(similar_words("lst", {"list", "create", "show"}) == std::vector<std::string>{"list"});
  CHECK(similar_words("membrs", {"members", "mcp-clients"}).front() == "members");
  CHECK(similar_words("zzzzzz", {"list", "create"}).empty());
  CHECK(similar_words("work", {"workspace", "login"}) == std::vector<std::string>{"workspace"});
}

TEST_CASE("--timeout: a bare number of seconds or a duration, more than 0 and at most 24 h") {
  using slab5cli::parse_timeout_ms;
  CHECK(parse_timeout_ms("30") == 30000);
  CHECK(parse_timeout_ms("1.5") == 1500);
  CHECK(parse_timeout_ms("90s") == 90000);
  CHECK(parse_timeout_ms("2m") == 120000);
  CHECK(parse_timeout_ms("500ms") == 500);
  for (const char* bad : {"", "abc", "-5", "0", "0s", "2x", "1.5.2", "25h", "+3", "inf", "nan"}) {
    CAPTURE(bad);
    CHECK(!parse_timeout_ms(bad));
  }
}
