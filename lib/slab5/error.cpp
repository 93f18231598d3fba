#include "slab5/error.hpp"

#include <array>

namespace slab5 {
namespace {
// Exit codes follow cli.md §4.
constexpr std::array kErrors{
    ErrorInfo{"invalid_request", 400, "The request is malformed.", 1},
    ErrorInfo{"workspace_header_required", 400, "A session token needs the x-workspace-id header on workspace routes.",
              1},
    ErrorInfo{"unauthorized", 401, "The request is not authenticated.", 4},
    ErrorInfo{"invalid_credentials", 401, "The email or password is incorrect.", 4},
    ErrorInfo{"webhook_signature_invalid", 401, "The webhook signature does not verify.", 4},
    ErrorInfo{"email_not_verified", 403, "The email address has not been verified yet.", 5},
    ErrorInfo{"forbidden", 403, "Your role does not allow this operation.", 5},
    ErrorInfo{"missing_required_scope", 403, "The token does not include the scope required for this operation.", 5},
    ErrorInfo{"module_not_enabled", 403, "The module is not enabled in this workspace.", 5},
    ErrorInfo{"resource_not_found", 404, "The resource does not exist.", 3},
    ErrorInfo{"workspace_not_found", 404, "The workspace does not exist or is not accessible.", 3},
    ErrorInfo{"method_not_allowed", 405, "The method is not allowed on this route.", 1},
    ErrorInfo{"conflict", 409, "The request conflicts with the current state.", 1},
    ErrorInfo{"idempotency_conflict", 409, "The idempotency key was already used with a different request body.", 1},
    ErrorInfo{"token_expired", 410, "The token has expired or was already used.", 1},
    ErrorInfo{"precondition_failed", 412, "The resource changed since the version in If-Match.", 1},
    ErrorInfo{"payload_too_large", 413, "The request body is larger than 1 MiB.", 1},
    ErrorInfo{"unsupported_media_type", 415, "The request body must be application/json.", 1},
    ErrorInfo{"range_not_satisfiable", 416, "The Range asks for bytes the resource does not have.", 1},
    ErrorInfo{"validation_failed", 422, "Some fields are missing or invalid.", 1},
    ErrorInfo{"rate_limited", 429, "Too many requests; slow down.", 6},
    ErrorInfo{"too_many_attempts", 429, "Too many failed attempts; try again later.", 6},
    ErrorInfo{"internal_error", 500, "An unexpected error occurred.", 8},
    ErrorInfo{"service_unavailable", 503, "The service is unavailable.", 8},
};
}  // namespace

std::span<const ErrorInfo> error_table() { return kErrors; }

bool is_known_error(std::string_view code) {
  for (const auto& e : kErrors)
    if (e.code == code) return true;
  return false;
}

const ErrorInfo& error_info(std::string_view code) {
  for (const auto& e : kErrors)
    if (e.code == code) return e;
  for (const auto& e : kErrors)
    if (e.code == "internal_error") return e;
  return kErrors.front();
}

std::string Error::effective_message() const {
  return message.empty() ? std::string(error_info(code).message) : message;
}

Error validation_error(std::vector<FieldError> fields) {
  nlohmann::json arr = nlohmann::json::array();
  std::string msg;
  for (const auto& f : fields) {
    arr.push_back({{"field", f.field}, {"message", f.message}});
    if (msg.empty()) msg = f.field + ": " + f.message;
  }
  return Error{"validation_failed", msg, {{"field_errors", arr}}};
}

Error validation_error(std::string field, std::string message) {
  return validation_error(std::vector<FieldError>{{std::move(field), std::move(message)}});
}

std::string docs_url(std::string_view code) { return "https://docs.slab5.com/api/errors#" + std::string(code); }

nlohmann::json error_envelope(const Error& e, std::string_view request_id) {
  const auto& info = error_info(e.code);
  nlohmann::json err = nlohmann::json::object();
  err["code"] = std::string(info.code);
  err["message"] = e.effective_message();
  for (auto it = e.extra.begin(); it != e.extra.end(); ++it) err[it.key()] = it.value();
  if (e.retry_after_seconds) err["retry_after_seconds"] = *e.retry_after_seconds;
  err["request_id"] = std::string(request_id);
  err["docs_url"] = docs_url(info.code);
  return {{"error", std::move(err)}};
}

}  // namespace slab5
