// Validation of app-plane input against the resource table: types, limits, enums, required
// fields, custom_fields, with every bad field reported at once.
#include "slab5/api/resource_validation.hpp"

#include <algorithm>
#include <cctype>

#include "slab5/ids.hpp"
#include "slab5/time.hpp"

namespace slab5::api {

using Json = nlohmann::json;

namespace {

std::string_view trim(std::string_view s) {
  auto is_space = [](unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!s.empty() && is_space(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && is_space(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool in_charset(char c, std::string_view charset) {
  for (std::size_t i = 0; i < charset.size(); ++i) {
    if (i + 2 < charset.size() && charset[i + 1] == '-') {
      if (c >= charset[i] && c <= charset[i + 2]) return true;
      i += 2;
    } else if (c == charset[i]) {
      return true;
    }
  }
  return false;
}

std::string describe_charset(std::string_view charset) {
  std::string out;
  for (std::size_t i = 0; i < charset.size(); ++i) {
    if (!out.empty()) out += ", ";
    if (i + 2 < charset.size() && charset[i + 1] == '-') {
      out += std::string(1, charset[i]) + "-" + charset[i + 2];
      i += 2;
    } else {
      out += charset[i] == '-'   ? std::string("'-'")
             : charset[i] == '_' ? std::string("'_'")
                                 : std::string(1, charset[i]);
    }
  }
  return out;
}

bool is_label_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

bool is_hostname(std::string_view h) {
  if (h.empty() || h.size() > 253 || h.find('.') == std::string_view::npos) return false;
  std::size_t start = 0;
  while (start <= h.size()) {
    auto dot = h.find('.', start);
    if (dot == std::string_view::npos) dot = h.size();
    auto label = h.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(), is_label_char)) return false;
    start = dot + 1;
    if (dot == h.size()) break;
  }
  return true;
}

bool is_email(std::string_view e) {
  auto at = e.find('@');
  if (at == std::string_view::npos || at == 0 || e.find('@', at + 1) != std::string_view::npos) return false;
  auto local = e.substr(0, at);
  std::string domain(e.substr(at + 1));
  for (auto& c : domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (local.size() > 64 || has_control(local) || local.find(' ') != std::string_view::npos) return false;
  return is_hostname(domain);
}

bool is_http_url(std::string_view u) {
  std::string_view rest;
  if (u.substr(0, 7) == "http://")
    rest = u.substr(7);
  else if (u.substr(0, 8) == "https://")
    rest = u.substr(8);
  else
    return false;
  if (has_control(u) || u.find(' ') != std::string_view::npos) return false;
  auto end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, end);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  if (authority.empty()) return false;
  if (authority.front() == '[') return authority.find(']') != std::string_view::npos;
  auto host = authority.substr(0, authority.find(':'));
  return !host.empty();
}

bool is_date(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(d[i]))) return false;
  int y = std::stoi(std::string(d.substr(0, 4))), m = std::stoi(std::string(d.substr(5, 2))),
      day = std::stoi(std::string(d.substr(8, 2)));
  if (m < 1 || m > 12 || day < 1) return false;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max = kDays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 1 : 0);
  return day <= max;
}

std::string one_of(const std::vector<std::string_view>& values) {
  std::string out;
  for (auto v : values) out += (out.empty() ? "" : ", ") + std::string(v);
  return out;
}

const std::vector<std::string_view>& related_types() {
  static const std::vector<std::string_view> v = {"contact", "company", "lead", "deal", "support_ticket"};
  return v;
}

}  // namespace

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string slugify(std::string_view text, std::size_t max_len) {
  std::string out;
  bool dash = false;
  for (unsigned char c : text) {
    if (std::isalnum(c)) {
      bool sep = dash && !out.empty();
      if (out.size() + (sep ? 2 : 1) > max_len) break;  // the dash and the character, or neither
      if (sep) out += '-';
      dash = false;
      out += static_cast<char>(std::tolower(c));
    } else {
      dash = true;
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "entry" : out;
}

std::optional<Json> validate_value(const FieldSpec& f, const Json& v, std::vector<FieldError>& errors,
                                   const std::string& path) {
  auto bad = [&](std::string msg) -> std::optional<Json> {
    errors.push_back({path, std::move(msg)});
    return std::nullopt;
  };
  auto max = f.effective_max_len();
  auto want_string = [&]() -> std::optional<std::string> {
    if (!v.is_string()) {
      bad("must be a string");
      return std::nullopt;
    }
    return std::string(trim(v.get_ref<const std::string&>()));
  };
  switch (f.type) {
    case FieldType::Text:
    case FieldType::LongText: {
      auto s = want_string();
      if (!s) return std::nullopt;
      if (utf8_length(*s) > static_cast<std::size_t>(max))
        return bad("must be at most " + std::to_string(max) + " characters");
      if (f.type == FieldType::Text && has_control(*s)) return bad("must not contain control characters");
      return Json(*s);
    }
    case FieldType::Email: {
      auto s = want_string();
      if (!s) return std::nullopt;
      if (s->size() > static_cast<std::size_t>(max) || !is_email(*s)) return bad("must be an email address");
      return Json(*s);
    }
    case FieldType::Url: {
      auto s = want_string();
      if (!s) return std::nullopt;
      if (s->size() > static_cast<std::size_t>(max) || !is_http_url(*s)) return bad("must be an absolute http(s) URL");
      return Json(*s);
    }
    case FieldType::Hostname: {
      auto s = want_string();
      if (!s) return std::nullopt;
      for (auto& c : *s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!is_hostname(*s)) return bad("must be a hostname such as example.com");
      return Json(*s);
    }
    case FieldType::Integer: {
      if (!v.is_number_integer()) return bad("must be a whole number");
      if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
        return bad("is too large");
      auto n = v.get<std::int64_t>();
      if (n < f.min) return bad("must be at least " + std::to_string(f.min));
      if (f.max > 0 && n > f.max) return bad("must be at most " + std::to_string(f.max));
      return Json(n);
    }
    case FieldType::Boolean:
      if (!v.is_boolean()) return bad("must be true or false");
      return v;
    case FieldType::Time: {
      auto s = want_string();
      if (!s) return std::nullopt;
      auto t = parse_rfc3339(*s);
      if (!t) return bad("must be an RFC 3339 time such as 2026-11-22T23:42:53.123Z");
      return Json(format_rfc3339(*t));
    }
    case FieldType::Date: {
      auto s = want_string();
      if (!s) return std::nullopt;
      if (!is_date(*s)) return bad("must be a date as YYYY-MM-DD");
      return Json(*s);
    }
    case FieldType::Enum: {
      if (!v.is_string()) return bad("must be one of: " + one_of(f.values));
      const auto& s = v.get_ref<const std::string&>();
      const auto& allowed = f.create_values.empty() ? f.values : f.create_values;
      if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
        if (std::find(f.values.begin(), f.values.end(), s) != f.values.end())
          return bad("cannot be set to '" + s + "' directly (one of: " + one_of(allowed) + ")");
        return bad("must be one of: " + one_of(allowed));
      }
      return v;
    }
    case FieldType::Currency: {
      auto s = want_string();
      if (!s) return std::nullopt;
      for (auto& c : *s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (!is_currency_code(*s)) return bad("must be an ISO 4217 currency code such as USD");
      return Json(*s);
    }
    case FieldType::Pattern: {
      if (!v.is_string()) return bad("must be a string");
      const auto& s = v.get_ref<const std::string&>();
      bool ok = s.size() >= static_cast<std::size_t>(f.min_len) && s.size() <= static_cast<std::size_t>(max) &&
                std::all_of(s.begin(), s.end(), [&](char c) { return in_charset(c, f.charset); });
      if (!ok)
        return bad("must be " + std::to_string(f.min_len) + "-" + std::to_string(max) + " characters of " +
                   describe_charset(f.charset));
      return v;
    }
    case FieldType::Reference: {
      const auto* target = find_resource(f.references);
      std::string prefix = target ? std::string(target->id_prefix) : std::string();
      if (!v.is_string() || !is_id(v.get_ref<const std::string&>(), prefix))
        return bad("must be the id of a " + std::string(target ? target->singular : f.references) + " (" + prefix +
                   "_…)");
      return v;
    }
    case FieldType::Member:
      if (!v.is_string() || !is_id(v.get_ref<const std::string&>(), "usr"))
        return bad("must be the user id (usr_…) of a workspace member");
      return v;
    case FieldType::Related: {
      if (v.is_string()) {
        const auto* target = find_resource_by_prefix(v.get_ref<const std::string&>());
        if (target &&
            std::find(related_types().begin(), related_types().end(), target->singular) != related_types().end() &&
            is_id(v.get_ref<const std::string&>(), target->id_prefix))
          return v;
      }
      return bad("must be the id of a contact, company, lead, deal or support ticket");
    }
    case FieldType::Object: {
      if (!v.is_object()) return bad("must be a JSON object");
      if (v.dump().size() > static_cast<std::size_t>(max))
        return bad("must be at most " + std::to_string(max / 1024) + " KiB");
      return v;
    }
  }
  return bad("is not valid");
}

void validate_custom_fields(const Json& v, bool allow_null, std::vector<FieldError>& errors) {
  if (!v.is_object()) {
    errors.push_back({"custom_fields", "must be a JSON object"});
    return;
  }
  if (v.size() > kMaxCustomFields) {
    errors.push_back({"custom_fields", "must have at most " + std::to_string(kMaxCustomFields) + " keys"});
    return;
  }
  for (const auto& [key, value] : v.items()) {
    bool key_ok = !key.empty() && key.size() <= 40 && key[0] >= 'a' && key[0] <= 'z' &&
                  std::all_of(key.begin(), key.end(), [](char c) { return in_charset(c, "a-z0-9_"); });
    std::string path = "custom_fields." + (key_ok ? key : std::string("<key>"));
    if (!key_ok) {
      errors.push_back({"custom_fields", "keys must match [a-z][a-z0-9_]{0,39}"});
      continue;
    }
    if (value.is_null() && allow_null) continue;
    if (value.is_string()) {
      if (utf8_length(value.get_ref<const std::string&>()) > kMaxCustomStringChars)
        errors.push_back({path, "must be at most " + std::to_string(kMaxCustomStringChars) + " characters"});
    } else if (!value.is_number() && !value.is_boolean()) {
      errors.push_back({path, "must be a string, number or boolean"});
    }
  }
  if (v.dump().size() > kMaxCustomFieldBytes) errors.push_back({"custom_fields", "must be at most 16 KiB in all"});
}

void merge_patch(Json& target, const Json& patch) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object()) target = Json::object();
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null())
      target.erase(key);
    else
      target[key] = value;  // custom_fields values are scalars: no deeper merge needed
  }
}

void check_related_pair(const ResourceSpec& spec, const Json& record, std::vector<FieldError>& errors) {
  if (!spec.field("related_resource_id")) return;
  auto id = record.find("related_resource_id");
  if (id == record.end() || !id->is_string()) return;
  for (const auto& e : errors)
    if (e.field == "related_resource_id" || e.field == "related_resource_type") return;  // already said
  auto type = record.find("related_resource_type");
  if (type == record.end() || !type->is_string()) {
    errors.push_back({"related_resource_type", "is required with related_resource_id"});
    return;
  }
  const auto* target = find_resource_by_prefix(id->get_ref<const std::string&>());
  if (target && target->singular != type->get_ref<const std::string&>())
    errors.push_back({"related_resource_id", "is a " + std::string(target->singular) +
                                                 " id but related_resource_type is " +
                                                 type->get_ref<const std::string&>()});
}

Result<ValidatedInput> validate_input(const ResourceSpec& spec, const Json& body, WriteMode mode) {
  std::vector<FieldError> errors;
  auto out = validate_input(spec, body, mode, errors);
  if (!out) return out;
  if (!errors.empty()) return tl::unexpected(validation_error(std::move(errors)));
  return out;
}

Result<ValidatedInput> validate_input(const ResourceSpec& spec, const Json& body, WriteMode mode,
                                      std::vector<FieldError>& errors) {
  if (!body.is_object()) return fail("invalid_request", "The request body must be a JSON object.");
  ValidatedInput out;
  for (const auto& f : spec.fields) {
    if (f.read_only) continue;
    auto it = body.find(f.name);
    bool given = it != body.end();
    if (mode == WriteMode::Patch && given && f.create_only) {
      errors.push_back(
          {std::string(f.name), "cannot be changed after the " + std::string(spec.singular) + " is created"});
      continue;
    }
    if (given && it->is_null()) {
      if (mode == WriteMode::Patch) {
        if (f.required)
          errors.push_back({std::string(f.name), "is required and cannot be cleared"});
        else
          out.values[std::string(f.name)] = nullptr;
        continue;
      }
      given = false;  // on create, null is the same as absent
    }
    if (given) {
      auto v = validate_value(f, *it, errors, std::string(f.name));
      if (!v) continue;
      bool empty_string = v->is_string() && v->get_ref<const std::string&>().empty();
      if (empty_string) {
        if (f.required)
          errors.push_back({std::string(f.name), "is required"});
        else if (mode == WriteMode::Patch)
          out.values[std::string(f.name)] = nullptr;
        continue;
      }
      out.values[std::string(f.name)] = std::move(*v);
    } else if (mode == WriteMode::Create) {
      if (f.required)
        errors.push_back({std::string(f.name), "is required"});
      else if (!f.default_value.empty())
        out.values[std::string(f.name)] = Json::parse(f.default_value);
    }
  }
  // A PATCH that gives one half of the pair is checked against the stored other half
  // (check_related_pair on the merged record, by the domain).
  if (mode == WriteMode::Create) check_related_pair(spec, out.values, errors);
  if (auto it = body.find("custom_fields"); it != body.end() && !it->is_null()) {
    validate_custom_fields(*it, mode == WriteMode::Patch, errors);
    out.custom_fields = *it;
  } else if (mode == WriteMode::Create) {
    out.custom_fields = Json::object();
  } else if (it != body.end()) {
    out.clear_custom_fields = true;  // "custom_fields": null in a PATCH removes every key
  }
  return out;
}

Result<Json> validate_action_input(const ActionSpec& action, const Json& body) {
  if (!body.is_object()) return fail("invalid_request", "The request body must be a JSON object.");
  Json out = Json::object();
  std::vector<FieldError> errors;
  for (const auto& f : action.input) {
    auto it = body.find(f.name);
    if (it == body.end() || it->is_null()) {
      if (f.required)
        errors.push_back({std::string(f.name), "is required"});
      else if (!f.default_value.empty())
        out[std::string(f.name)] = Json::parse(f.default_value);
      continue;
    }
    if (auto v = validate_value(f, *it, errors, std::string(f.name))) out[std::string(f.name)] = std::move(*v);
  }
  if (!errors.empty()) return tl::unexpected(validation_error(std::move(errors)));
  return out;
}

}  // namespace slab5::api
