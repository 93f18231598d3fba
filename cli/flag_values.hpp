// The value forms every slab5 flag of one kind shares, checked while the arguments are parsed
// so that a bad value is a usage error (exit 2) naming the flag, never a silent default.
#pragma once
#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace slab5cli {

// A duration: a number and a unit, s, m, h, d or w ("90s", "2m", "24h", "90d"; ms also).
// For --timeout a bare number is seconds and may have a fraction ("30", "1.5").
std::optional<long long> parse_duration_ms(const std::string& text);
std::optional<long> parse_timeout_ms(const std::string& text);

// Validators for CLI11 options: a duration (optionally at least `min_ms`), a timeout, or a
// point in time given as RFC 3339 or as a duration ago ("24h").
CLI::Validator duration_value(long long min_ms = 0);
CLI::Validator timeout_value();
CLI::Validator time_or_duration_value();

}  // namespace slab5cli
