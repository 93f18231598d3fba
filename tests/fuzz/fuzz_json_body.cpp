// slab5's JSON parser against nlohmann's on the same text; then a request body → the JSON
// intake every slab5d route goes through (read_json_body: media type, UTF-8, parse, "must be
// an object"), then what handlers and the response
// writer do with the object: the typed field readers of lib/slab5/json_util, the error
// envelope, and append_json, which must write exactly what nlohmann's dump() writes.
//
// Input: if it starts with "ct:", the text up to the first newline is the Content-Type
// (else application/json); the rest is the body of a POST.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "request_inputs.hpp"
#include "slab5/json_util.hpp"
#include "slab5/json_writer.hpp"

namespace {

void check_same(const std::string& a, const std::string& b, const char* what) {
  if (a == b) return;
  std::fprintf(stderr, "%s differs from dump():\n  dump():      %s\n  append_json: %s\n", what, b.c_str(), a.c_str());
  std::abort();
}

// The same type at every position (dump() writes an unsigned 1 and an integer 1 alike).
bool same_kinds(const slab5::Json& a, const slab5::Json& b) {
  std::vector<std::pair<const slab5::Json*, const slab5::Json*>> todo{{&a, &b}};
  while (!todo.empty()) {
    auto [x, y] = todo.back();
    todo.pop_back();
    if (x->type() != y->type() || x->size() != y->size()) return false;
    if (x->is_structured())
      for (auto i = x->begin(), j = y->begin(); i != x->end(); ++i, ++j) todo.emplace_back(&*i, &*j);
  }
  return true;
}

void read_fields(const slab5::Json& body) {
  for (const char* f : {"name", "email", "password", "token", "role", "idempotency_key", "workspace_id"}) {
    (void)slab5::opt_string(body, f);
    (void)slab5::req_string(body, f);
  }
  for (const char* f : {"expires_in_days", "limit", "ttl_seconds"}) (void)slab5::opt_int(body, f);
  for (const char* f : {"enabled", "revoke_sessions"}) (void)slab5::opt_bool(body, f);
  for (const char* f : {"scopes", "modules"}) (void)slab5::opt_string_array(body, f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view content_type = "application/json";
  if (in.substr(0, 3) == "ct:") {
    auto nl = in.find('\n');
    content_type = in.substr(3, nl == std::string_view::npos ? std::string_view::npos : nl - 3);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  }
  // slab5's parser (json_parse.cpp) must agree with nlohmann's on every text: the same
  // verdict and the same value, number kinds included. Bounded depth: nlohmann's own
  // comparison recurses.
  if (slab5::json_nesting_depth(in) <= slab5::kMaxJsonDepth) {
    slab5::Json ours;
    bool ok = slab5::parse_json_value(in, ours);
    slab5::Json theirs = slab5::Json::parse(in, nullptr, false);
    // nlohmann ends the input at a NUL byte and ignores the rest; slab5 refuses any NUL.
    bool has_nul = in.find('\0') != std::string_view::npos;
    if (has_nul && ok) {
      std::fprintf(stderr, "parse_json_value accepted a text with a NUL byte\n");
      std::abort();
    }
    if (!has_nul && ok == theirs.is_discarded()) {
      std::fprintf(stderr, "parse_json_value says %s, nlohmann says %s\n", ok ? "JSON" : "not JSON",
                   theirs.is_discarded() ? "not JSON" : "JSON");
      std::abort();
    }
    if (ok) {
      auto dump = [](const slab5::Json& j) { return j.dump(-1, ' ', false, slab5::Json::error_handler_t::replace); };
      check_same(dump(ours), dump(theirs), "parse_json_value's value");
      if (!same_kinds(ours, theirs)) std::abort();
    }
  }
  auto body = slab5d::read_json_body("POST", content_type, in);
  if (!body) {
    // The error goes back in the envelope; it must serialise whatever it carries.
    (void)slab5::error_envelope(body.error(), "req_fuzz").dump(-1, ' ', false, slab5::Json::error_handler_t::replace);
    return 0;
  }
  if (!body->is_object()) std::abort();  // read_json_body promises an object
  read_fields(*body);
  // Handlers echo parts of the body in their answers ({"data": …}).
  std::string written;
  slab5::append_json(written, *body);
  check_same(written, body->dump(-1, ' ', false, slab5::Json::error_handler_t::replace), "append_json");
  return 0;
}
