// Appends a JSON value to a string exactly as nlohmann's dump(-1, ' ', false, replace)
// would write it, without its per-character UTF-8 state machine: plain ASCII strings and
// integers are copied straight through, anything else (escapes, non-ASCII text, floating
// point) is handed to nlohmann for that one element. The response envelope runs it once
// per request, and a create once more for the record's text (its audit row and answer).
// It recurses once per level of nesting, as dump() does: values from outside the process come
// through parse_json, which refuses anything deeper than kMaxJsonDepth (json_util.hpp).
#pragma once
#include <string>

#include "slab5/json_util.hpp"

namespace slab5 {

void append_json(std::string& out, const Json& value);

}  // namespace slab5
