#include "domain/credential_rules.hpp"
#include "slab5/json_util.hpp"

#include <algorithm>
#include <set>

#include "slab5/access.hpp"

namespace slab5d {

using slab5::FieldError;
using slab5::Json;

const CredentialKind& api_key_kind() {
  static const CredentialKind k{"api_key", "key", "API key"};
  return k;
}
const CredentialKind& mcp_client_kind() {
  static const CredentialKind k{"mcp_client", "mcp", "MCP client"};
  return k;
}

std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

namespace {

// Appends the field errors of a failed reader to `errs`.
template <class T>
std::optional<T> take(slab5::Result<T>&& r, std::vector<FieldError>& errs) {
  if (r) return std::move(*r);
  const auto& fe = r.error().extra.value("field_errors", Json::array());
  for (const auto& f : fe) errs.push_back({slab5::string_or(f, "field"), slab5::string_or(f, "message")});
  if (fe.empty()) errs.push_back({"body", r.error().effective_message()});
  return std::nullopt;
}

bool only_spaces(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

void check_name(const std::string& name, std::vector<FieldError>& errs) {
  if (name.empty() || only_spaces(name))
    errs.push_back({"name", "must not be empty"});
  else if (utf8_length(name) > kMaxNameChars)
    errs.push_back({"name", "must be at most 100 characters"});
}

void check_description(const std::string& d, std::vector<FieldError>& errs) {
  if (utf8_length(d) > kMaxDescriptionChars) errs.push_back({"description", "must be at most 1000 characters"});
}

// A future RFC 3339 time, returned in the canonical form (UTC, milliseconds).
std::optional<std::string> check_expires_at(const std::string& v, slab5::Millis now, std::vector<FieldError>& errs) {
  auto t = slab5::parse_rfc3339(v);
  if (!t) {
    errs.push_back({"expires_at", "must be an RFC 3339 time, e.g. 2026-12-31T23:59:59Z"});
    return std::nullopt;
  }
  if (*t <= now) {
    errs.push_back({"expires_at", "must be in the future"});
    return std::nullopt;
  }
  return slab5::format_rfc3339(*t);
}

bool looks_like_scope(const std::string& s) {
  if (s.size() > 64 || s.rfind("slab5_", 0) == 0) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':' || c == '_' || c == '-' || c == '.';
  });
}

}  // namespace

std::vector<FieldError> scope_errors(const std::vector<std::string>& scopes,
                                     const std::vector<std::string>& enabled_modules) {
  std::vector<FieldError> errs;
  if (scopes.empty()) errs.push_back({"scopes", "must hold at least one scope"});
  std::set<std::string> seen;
  for (const auto& s : scopes) {
    const auto* info = slab5::find_scope(s);
    if (!info) {
      // Echo only what looks like a scope: a pasted token must not come back in an error.
      errs.push_back({"scopes", looks_like_scope(s) ? "unknown scope '" + s + "'" : "unknown scope"});
      continue;
    }
    if (!seen.insert(s).second) errs.push_back({"scopes", "scope '" + s + "' is listed twice"});
    if (!info->module.empty() &&
        std::find(enabled_modules.begin(), enabled_modules.end(), info->module) == enabled_modules.end())
      errs.push_back({"scopes", "scope '" + s + "' belongs to the " + std::string(info->module) +
                                    " module, which is not enabled in this workspace"});
  }
  return errs;
}

slab5::Result<CredentialInput> parse_credential_input(const Json& body, const std::vector<std::string>& enabled_modules,
                                                      slab5::Millis now) {
  std::vector<FieldError> errs;
  CredentialInput in;
  if (auto name = take(slab5::req_string(body, "name"), errs)) {
    in.name = *name;
    check_name(in.name, errs);
  }
  if (auto d = take(slab5::opt_string(body, "description"), errs); d && *d) {
    in.description = **d;
    check_description(in.description, errs);
  }
  if (auto sc = take(slab5::opt_string_array(body, "scopes"), errs)) {
    if (!*sc) {
      errs.push_back({"scopes", "is required"});
    } else {
      in.scopes = **sc;
      for (auto& e : scope_errors(in.scopes, enabled_modules)) errs.push_back(std::move(e));
    }
  }
  if (auto e = take(slab5::opt_string(body, "expires_at"), errs); e && *e)
    in.expires_at = check_expires_at(**e, now, errs);
  if (!errs.empty()) return tl::unexpected(slab5::validation_error(std::move(errs)));
  return in;
}

slab5::Result<CredentialPatch> parse_credential_patch(const Json& body, const std::vector<std::string>& enabled_modules,
                                                      slab5::Millis now) {
  std::vector<FieldError> errs;
  CredentialPatch p;
  if (body.contains("name")) {
    if (auto name = take(slab5::req_string(body, "name"), errs)) {
      check_name(*name, errs);
      p.name = *name;
    }
  }
  if (body.contains("description")) {
    // null clears the description, like an empty string.
    if (auto d = take(slab5::opt_string(body, "description"), errs)) {
      p.description = d->value_or("");
      check_description(*p.description, errs);
    }
  }
  if (body.contains("scopes")) {
    if (auto sc = take(slab5::opt_string_array(body, "scopes"), errs)) {
      if (!*sc) {
        errs.push_back({"scopes", "must be a list of scopes"});
      } else {
        p.scopes = **sc;
        for (auto& e : scope_errors(*p.scopes, enabled_modules)) errs.push_back(std::move(e));
      }
    }
  }
  if (body.contains("expires_at")) {
    p.change_expiry = true;
    if (auto e = take(slab5::opt_string(body, "expires_at"), errs); e && *e)
      p.expires_at = check_expires_at(**e, now, errs);
  }
  if (errs.empty() && p.empty()) errs.push_back({"body", "give at least one of name, description, scopes, expires_at"});
  if (!errs.empty()) return tl::unexpected(slab5::validation_error(std::move(errs)));
  return p;
}

slab5::Result<std::int64_t> parse_overlap_seconds(const Json& body) {
  auto v = slab5::opt_int(body, "overlap_seconds");
  if (!v) return tl::unexpected(v.error());
  if (!*v) return kDefaultOverlapSeconds;
  if (**v < 0 || **v > kMaxOverlapSeconds)
    return tl::unexpected(slab5::validation_error("overlap_seconds", "must be from 0 to 604800 (7 days)"));
  return **v;
}

slab5::Status check_no_escalation(const Actor& actor, const std::vector<std::string>& scopes,
                                  const CredentialKind& kind) {
  Json missing = Json::array();
  for (const auto& s : scopes)
    if (std::find(actor.scopes.begin(), actor.scopes.end(), s) == actor.scopes.end()) missing.push_back(s);
  if (missing.empty()) return {};
  std::string list;
  for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m.get<std::string>();
  return slab5::fail("forbidden",
                     "A credential may not give an " + kind.noun + " a scope it lacks itself (" + list + ").",
                     {{"missing_scopes", missing}});
}

}  // namespace slab5d
