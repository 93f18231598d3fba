// Running a statement to completion with its outcome checked: SQLITE_DONE is success, a
// constraint hit becomes the Error the caller names for it (never a silent no-op that a
// handler would answer 2xx for). Other failures throw DbError from Query::run().
#pragma once
#include <sqlite3.h>

#include "slab5/error.hpp"
#include "store/sqlite/db.hpp"

namespace slab5d::sqlite {

enum class Constraint { Unique, ForeignKey, Other };

// Which constraint the last failed statement on `db` hit.
inline Constraint last_constraint(Db& db) {
  switch (sqlite3_extended_errcode(db.handle())) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return Constraint::Unique;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return Constraint::ForeignKey;
    default:
      return Constraint::Other;
  }
}

// `error_for(Constraint)` → slab5::Error.
template <class F>
slab5::Status run_checked(Db& db, Query& q, F&& error_for) {
  if (q.run() == SQLITE_DONE) return {};
  return tl::unexpected(error_for(last_constraint(db)));
}

// For statements whose only possible constraint hit is a broken invariant.
inline slab5::Status run_checked(Db& db, Query& q, const char* what) {
  return run_checked(db, q, [what](Constraint) { return slab5::Error{"conflict", what}; });
}

}  // namespace slab5d::sqlite
