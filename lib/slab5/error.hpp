// The error table (code → HTTP status, default message, CLI exit code) and the Error value
// that carries an expected failure through both programs.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

namespace slab5 {

struct ErrorInfo {
  std::string_view code;
  int http_status;
  std::string_view message;
  int exit_code;  // slab5's exit code when the API answers with this code
};

// Every error code of api.md §1, in one place.
const ErrorInfo& error_info(std::string_view code);  // unknown codes map to internal_error
bool is_known_error(std::string_view code);
std::span<const ErrorInfo> error_table();

struct Error {
  std::string code;
  std::string message;                              // empty: the table's default message
  nlohmann::json extra = nlohmann::json::object();  // required_scope, field_errors, …
  // When the caller may try again (too_many_attempts): the body's `retry_after_seconds`,
  // and the web layer's Retry-After header.
  std::optional<std::int64_t> retry_after_seconds;

  Error() = default;
  Error(std::string c, std::string m = {}, nlohmann::json x = nlohmann::json::object())
      : code(std::move(c)), message(std::move(m)), extra(std::move(x)) {}

  int http_status() const { return error_info(code).http_status; }
  std::string effective_message() const;
  Error& with(const std::string& key, nlohmann::json value) {
    extra[key] = std::move(value);
    return *this;
  }
  Error& retry_after(std::int64_t seconds) {
    retry_after_seconds = seconds;
    return *this;
  }
};

template <class T>
using Result = tl::expected<T, Error>;
using Status = tl::expected<void, Error>;
inline tl::unexpected<Error> fail(std::string code, std::string message = {},
                                  nlohmann::json extra = nlohmann::json::object()) {
  return tl::unexpected<Error>(Error{std::move(code), std::move(message), std::move(extra)});
}

// Builders for the errors with structured extras.
struct FieldError {
  std::string field;
  std::string message;
};
Error validation_error(std::vector<FieldError> fields);
Error validation_error(std::string field, std::string message);

std::string docs_url(std::string_view code);
// {"error": {...}} as api.md §1 specifies it.
nlohmann::json error_envelope(const Error& e, std::string_view request_id);

}  // namespace slab5
