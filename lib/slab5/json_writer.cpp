#include "slab5/json_writer.hpp"

#include <charconv>

namespace slab5 {
namespace {

void append_dumped(std::string& out, const Json& v) { out += v.dump(-1, ' ', false, Json::error_handler_t::replace); }

// True when the string needs no escaping and is ASCII: written between quotes as it is.
bool plain(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
  return true;
}

void append_string(std::string& out, const std::string& s) {
  if (plain(s)) {
    out.push_back('"');
    out += s;
    out.push_back('"');
  } else {
    append_dumped(out, Json(s));
  }
}

template <class T>
void append_integer(std::string& out, T v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

void append_json(std::string& out, const Json& v) {
  using T = Json::value_t;
  switch (v.type()) {
    case T::object: {
      out.push_back('{');
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out.push_back(',');
        first = false;
        append_string(out, it.key());
        out.push_back(':');
        append_json(out, it.value());
      }
      out.push_back('}');
      return;
    }
    case T::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : v) {
        if (!first) out.push_back(',');
        first = false;
        append_json(out, item);
      }
      out.push_back(']');
      return;
    }
    case T::string:
      return append_string(out, v.get_ref<const std::string&>());
    case T::boolean:
      out += v.get<bool>() ? "true" : "false";
      return;
    case T::null:
      out += "null";
      return;
    case T::number_integer:
      return append_integer(out, v.get<std::int64_t>());
    case T::number_unsigned:
      return append_integer(out, v.get<std::uint64_t>());
    default:
      return append_dumped(out, v);  // floating point, binary, discarded
  }
}

}  // namespace slab5
