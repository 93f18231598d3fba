// Appends a JSON value to a string exactly as nlohmann's dump(-1, ' ', false, replace)
// would write it, without its per-character UTF-8 state machine: plain ASCII strings and
// integers are copied straight through, anything else (escapes, non-ASCII text, floating
// point) is handed to nlohmann for that one element. The response envelope runs it once
// per request.
#pragma once
#include <string>

#include "slab5/json_util.hpp"

namespace slab5d {

void append_json(std::string& out, const slab5::Json& value);

}  // namespace slab5d
