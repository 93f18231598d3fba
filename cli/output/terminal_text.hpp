// Text on its way to a terminal (cli.md §3): server-sent strings with their control
// characters escaped, display widths, and cutting a cell to fit with "…".
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace slab5cli {

// Escapes what a terminal would obey instead of print: C0 controls (ESC, BEL, CR, BS, …), DEL,
// C1 controls (U+0080–U+009F, e.g. the one-byte CSI), bidi overrides, and bytes that are not
// UTF-8. ESC becomes \e, CR \r, others \xNN or \uNNNN; a backslash stays as it is. Tabs and
// newlines are kept when `keep_layout` (a message line), else escaped too (a table cell).
std::string escape_controls(std::string_view s, bool keep_layout = false);

// Display width in terminal columns: one per code point, two for East Asian wide ones.
std::size_t display_width(std::string_view s);

// `s` cut to at most `width` columns, ending in "…" when cut.
std::string cut_to_width(std::string_view s, std::size_t width);

// The terminal's width: $COLUMNS when set to a number, else the window size of stdout, else 80.
std::size_t terminal_width();

}  // namespace slab5cli
