// What a rule's outcome is answered with, for Change::status (the audit row's `status`): the
// rule names its outcome, and the number comes from here or from the error table, so no
// rule writes an HTTP status by hand. And the two macros that pass a failed outcome on.
#pragma once
#include "slab5/error.hpp"

namespace slab5d {

enum class Outcome {
  Done,      // the answer carries the result (200)
  Created,   // a resource was made and is the answer (201)
  Accepted,  // the request was taken and its effect follows (a mail) (202)
  Removed,   // nothing to answer with (204)
};

constexpr int status_of(Outcome o) {
  switch (o) {
    case Outcome::Created:
      return 201;
    case Outcome::Accepted:
      return 202;
    case Outcome::Removed:
      return 204;
    default:
      return 200;
  }
}

// A refusal's status, from the error table.
inline int status_of(const slab5::Error& e) { return e.http_status(); }

// Inside a function returning a Result or Status: `var` is the value of `expr`, or the
// function returns its error.
#define OUTCOME_TRY(var, expr)                                    \
  auto var##_result = (expr);                                     \
  if (!var##_result) return tl::unexpected(var##_result.error()); \
  auto var = std::move(*var##_result)
// … the same for a Status (or a Result whose value is not needed).
#define OUTCOME_CHECK(expr)                                               \
  do {                                                                    \
    auto outcome_status_ = (expr);                                        \
    if (!outcome_status_) return tl::unexpected(outcome_status_.error()); \
  } while (0)

}  // namespace slab5d
