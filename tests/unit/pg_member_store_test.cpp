// server/store/postgres/member_store: the MemberStore cases shared with SQLite (store_cases/member_cases.hpp),
// run on a fresh PostgreSQL database each.
#include <doctest/doctest.h>

#include "store_cases/member_cases.hpp"
#include "store_cases/workspace_env_pg.hpp"

using namespace slab5d::store_cases;

TEST_CASE("PgMemberStore: the cases shared with SQLite") { member_cases(pg_env); }
