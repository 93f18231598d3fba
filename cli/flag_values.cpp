#include "flag_values.hpp"

#include <cmath>
#include <cstdlib>

#include "slab5/time.hpp"

namespace slab5cli {

std::optional<long long> parse_duration_ms(const std::string& text) {
  auto d = slab5::parse_duration(text);
  if (!d) return std::nullopt;
  return static_cast<long long>(*d);
}

std::optional<long> parse_timeout_ms(const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (auto d = slab5::parse_duration(text)) {
    if (*d <= 0 || *d > 86400000LL) return std::nullopt;
    return static_cast<long>(*d);
  }
  // "1.5": seconds with a fraction.
  char* end = nullptr;
  double s = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(s) || s <= 0 || s > 86400 || text[0] == '-' ||
      text[0] == '+')
    return std::nullopt;
  return static_cast<long>(s * 1000);
}

CLI::Validator duration_value(long long min_ms) {
  return CLI::Validator(
      [min_ms](std::string& v) -> std::string {
        auto d = parse_duration_ms(v);
        if (!d) return "'" + v + "' is not a duration: use a number and a unit, e.g. 90s, 2m, 24h or 90d";
        if (*d < min_ms) return "'" + v + "' is too short";
        return "";
      },
      "DURATION");
}

CLI::Validator timeout_value() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        if (!parse_timeout_ms(v))
          return "'" + v +
                 "' is not a timeout: use seconds (30) or a duration such as 90s or 2m, more than 0 and at most 24h";
        return "";
      },
      "DURATION");
}

CLI::Validator time_or_duration_value() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        if (slab5::parse_rfc3339(v) || parse_duration_ms(v)) return "";
        return "'" + v + "' is neither an RFC 3339 time (2026-01-31T12:00:00Z) nor a duration ago (90s, 2m, 24h, 90d)";
      },
      "TIME");
}

}  // namespace slab5cli
