// Store outcomes a caller has no answer for (a read that failed, a write of slab5d's own
// that cannot fail unless the database is broken): thrown as StoreError, which the edge turns
// into internal_error with the request id logged. Rules that can answer return the Error.
#pragma once
#include <utility>

#include "slab5/error.hpp"
#include "store/store_error.hpp"

namespace slab5d {

[[noreturn]] inline void throw_store_error(const slab5::Error& e) {
  throw StoreError(e.effective_message(), /*busy=*/false);
}

template <class T>
T value_or_throw(slab5::Result<T> r) {
  if (!r) throw_store_error(r.error());
  return std::move(*r);
}
inline void value_or_throw(const slab5::Status& s) {
  if (!s) throw_store_error(s.error());
}

}  // namespace slab5d
