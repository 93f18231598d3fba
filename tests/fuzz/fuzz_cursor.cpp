// A ?cursor= / ?limit= value → slab5d's pagination (server/domain/pagination.*): the query
// string's percent-decoding, open_cursor() under a fixed cursor key and route binding, and
// parse_page_limit(). Cursors are opaque to clients and come back in any shape.
//
// Input: byte 0 chooses the mode, the rest is its text:
//   0-191   a raw query value: decoded, then read as a cursor and as a limit;
//   192-255 a last id: the cursor made for it must open to it under its own binding and
//           under no other (another route, workspace or filter set).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/page_params.hpp"
#include "request_inputs.hpp"
#include "slab5/encoding.hpp"

namespace {

const std::string kKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const std::string kBinding = "GET /v1/workspace/api-keys\nws_fuzz\nstatus=active";
const std::string kOtherBindings[] = {
    "GET /v1/workspace/members\nws_fuzz\nstatus=active",
    "GET /v1/workspace/api-keys\nws_other\nstatus=active",
    "GET /v1/workspace/api-keys\nws_fuzz\nstatus=revoked",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] < 192) {
    std::string value = slab5d::percent_decode(text);
    if (value.size() > text.size()) std::abort();  // decoding never grows the text
    if (auto id = slab5d::open_cursor(value, kKey, kBinding)) {
      // Opening it means the fuzzer forged a MAC: only possible from a cursor we made.
      if (slab5d::open_cursor(slab5::base64url_encode(*id) + "." + slab5d::cursor_mac(kKey, kBinding, *id), kKey,
                              kBinding) != id)
        std::abort();
    }
    if (auto limit = slab5d::parse_page_limit(value); limit && (*limit < 1 || *limit > 100)) std::abort();
    return 0;
  }
  std::string last_id(text);
  std::string cursor = slab5::base64url_encode(last_id) + "." + slab5d::cursor_mac(kKey, kBinding, last_id);
  auto opened = slab5d::open_cursor(cursor, kKey, kBinding);
  if (!opened || *opened != last_id) std::abort();
  for (const auto& other : kOtherBindings)
    if (slab5d::open_cursor(cursor, kKey, other)) std::abort();
  // The cursor travels in a query string: percent-encoding it must not change it.
  if (slab5d::percent_decode(cursor) != cursor) std::abort();
  return 0;
}
