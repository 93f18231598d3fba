// The pieces of request intake that depend on nothing but their input: the query string's
// percent-decoding, the Authorization header and the JSON body. App runs them for every
// request; the fuzz targets in tests/fuzz call them directly.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "slab5/error.hpp"
#include "slab5/json_util.hpp"

namespace slab5d {

// Query-string decoding: '+' is a space, %XX a byte; anything else is kept as it is.
std::string percent_decode(std::string_view s);

// The token in an Authorization header value of the Bearer scheme, the scheme in any case
// (RFC 9110 §11.1) followed by one or more spaces; nullopt for another scheme or no token.
std::optional<std::string_view> bearer_token(std::string_view authorization);

// The token of an "Authorization: Bearer <token>" header, spaces around it trimmed, or the
// `unauthorized` error for a missing or differently shaped header.
slab5::Result<std::string_view> bearer_token_of(std::string_view authorization);

// application/json or any +json type, parameters ignored.
bool json_content_type(std::string_view content_type);

// Whether JSON text holds the escape \u0000 (a NUL character) in a string or a key: refused on
// input, on both backends alike, since PostgreSQL's text cannot hold one and a NUL that one
// component ends a string at and another does not is a way to smuggle text past a check.
// Raw control bytes are already invalid JSON. One pass over the bytes, no recursion.
bool holds_nul_escape(std::string_view json);

// The request body as api.md §1 wants it: nothing, or a JSON object sent as
// application/json in valid UTF-8. Returns the object (an empty one when the method carries
// no body or the body is empty) or the error to answer with.
slab5::Result<slab5::Json> read_json_body(std::string_view method, std::string_view content_type,
                                          std::string_view body);

}  // namespace slab5d
