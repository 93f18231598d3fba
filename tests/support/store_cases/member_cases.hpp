// MemberStore cases shared by the SQLite and PostgreSQL unit tests.
#pragma once
#include <doctest/doctest.h>

#include "store_cases/workspace_cases.hpp"

namespace slab5d::store_cases {

inline void member_cases(MakeEnv make) {
  auto setup = [&] {
    auto e = make();
    seed_tenant(*e, "ten_1");
    seed_user(*e, "usr_1", "ten_1", "owner@example.com");
    seed_workspace(*e, "wrk_1", "acme", "ten_1");
    if (!e->members().insert("wrk_1", "usr_1", "owner", "2026-01-01T00:00:00.000Z")) throw std::runtime_error("m");
    return e;
  };

  SUBCASE("a membership twice, or for a user or workspace that is gone, is conflict") {
    auto e = setup();
    auto twice = e->members().insert("wrk_1", "usr_1", "admin", "2026-01-02T00:00:00.000Z");
    REQUIRE_FALSE(twice);
    CHECK(twice.error().code == "conflict");
    CHECK(twice.error().message.find("already a member") != std::string::npos);
    auto no_user = e->members().insert("wrk_1", "usr_gone", "member", "2026-01-01T00:00:00.000Z");
    REQUIRE_FALSE(no_user);
    CHECK(no_user.error().code == "conflict");
    CHECK(no_user.error().message.find("no longer exists") != std::string::npos);
    auto no_workspace = e->members().insert("wrk_gone", "usr_1", "member", "2026-01-01T00:00:00.000Z");
    REQUIRE_FALSE(no_workspace);
    CHECK(no_workspace.error().code == "conflict");
    CHECK(e->count("SELECT count(*) FROM memberships") == 1);
    CHECK(e->members().role("wrk_1", "usr_1").value() == std::optional<std::string>("owner"));
  }

  SUBCASE("get and role read the membership with the user's email and name; unknown ones are nullopt") {
    auto e = setup();
    auto m = e->members().get("wrk_1", "usr_1").value();
    REQUIRE(m);
    CHECK(m->user_id == "usr_1");
    CHECK(m->email == "owner@example.com");
    CHECK(m->name == "Name of usr_1");
    CHECK(m->role == "owner");
    CHECK(m->joined_at == "2026-01-01T00:00:00.000Z");
    CHECK_FALSE(e->members().get("wrk_1", "usr_gone").value());
    CHECK_FALSE(e->members().get("wrk_gone", "usr_1").value());
    CHECK_FALSE(e->members().role("wrk_1", "usr_gone").value());
  }

  SUBCASE("list: newest first by joined_at then user id, after a position, at most limit") {
    auto e = setup();
    seed_user(*e, "usr_2", "ten_1", "two@example.com");
    seed_user(*e, "usr_3", "ten_1", "three@example.com");
    seed_user(*e, "usr_4", "ten_1", "four@example.com");
    REQUIRE(e->members().insert("wrk_1", "usr_2", "member", "2026-01-03T00:00:00.000Z"));
    REQUIRE(e->members().insert("wrk_1", "usr_4", "member", "2026-01-02T00:00:00.000Z"));
    REQUIRE(e->members().insert("wrk_1", "usr_3", "admin", "2026-01-03T00:00:00.000Z"));
    auto ids = [](const std::vector<Member>& ms) {
      std::vector<std::string> out;
      for (auto& m : ms) out.push_back(m.user_id);
      return out;
    };
    auto all = e->members().list("wrk_1", std::nullopt, 10).value();
    CHECK(ids(all) == std::vector<std::string>{"usr_3", "usr_2", "usr_4", "usr_1"});
    auto first = e->members().list("wrk_1", std::nullopt, 2).value();
    REQUIRE(first.size() == 2);
    auto rest = e->members().list("wrk_1", std::make_pair(first[1].joined_at, first[1].user_id), 10).value();
    CHECK(ids(rest) == std::vector<std::string>{"usr_4", "usr_1"});
    // A position between two members of the same joined_at.
    auto mid = e->members()
                   .list("wrk_1", std::make_pair(std::string("2026-01-03T00:00:00.000Z"), std::string("usr_3")), 1)
                   .value();
    CHECK(ids(mid) == std::vector<std::string>{"usr_2"});
    CHECK(e->members().list("wrk_gone", std::nullopt, 10).value().empty());
  }

  SUBCASE("count_owners counts the owners of one workspace") {
    auto e = setup();
    seed_user(*e, "usr_2", "ten_1", "two@example.com");
    seed_workspace(*e, "wrk_2", "other", "ten_1");
    REQUIRE(e->members().insert("wrk_2", "usr_2", "owner", "2026-01-01T00:00:00.000Z"));
    CHECK(e->members().count_owners("wrk_1").value() == 1);
    REQUIRE(e->members().insert("wrk_1", "usr_2", "owner", "2026-01-01T00:00:00.000Z"));
    CHECK(e->members().count_owners("wrk_1").value() == 2);
    REQUIRE(e->members().set_role("wrk_1", "usr_1", "admin"));
    CHECK(e->members().count_owners("wrk_1").value() == 1);
    CHECK(e->members().count_owners("wrk_gone").value() == 0);
  }

  SUBCASE("set_role and remove change one membership; one that is gone is resource_not_found") {
    auto e = setup();
    REQUIRE(e->members().set_role("wrk_1", "usr_1", "admin"));
    CHECK(e->members().role("wrk_1", "usr_1").value() == std::optional<std::string>("admin"));
    auto role = e->members().set_role("wrk_1", "usr_gone", "admin");
    REQUIRE_FALSE(role);
    CHECK(role.error().code == "resource_not_found");
    auto removed = e->members().remove("wrk_1", "usr_gone");
    REQUIRE_FALSE(removed);
    CHECK(removed.error().code == "resource_not_found");
    REQUIRE(e->members().remove("wrk_1", "usr_1"));
    CHECK_FALSE(e->members().get("wrk_1", "usr_1").value());
    auto twice = e->members().remove("wrk_1", "usr_1");
    REQUIRE_FALSE(twice);
    CHECK(twice.error().code == "resource_not_found");
  }

  SUBCASE("a second user with a taken email, in any case, or a tenant that is gone, is conflict") {
    auto e = setup();
    auto user = [](std::string id, std::string tenant, std::string email) {
      return NewUser{.id = std::move(id),
                     .tenant_id = std::move(tenant),
                     .email = std::move(email),
                     .name = "Dup",
                     .password_hash = "x",
                     .created_at = "2026-01-01T00:00:00.000Z"};
    };
    auto dup = e->members().insert_user(user("usr_dup", "ten_1", "owner@example.com"));
    REQUIRE_FALSE(dup);
    CHECK(dup.error().code == "conflict");
    CHECK(dup.error().message == "A user with this email already exists.");
    auto upper = e->members().insert_user(user("usr_dup", "ten_1", "OWNER@Example.COM"));
    REQUIRE_FALSE(upper);
    CHECK(upper.error().code == "conflict");
    auto same_id = e->members().insert_user(user("usr_1", "ten_1", "new@example.com"));
    REQUIRE_FALSE(same_id);
    CHECK(same_id.error().code == "conflict");
    auto orphan = e->members().insert_user(user("usr_orphan", "ten_gone", "orphan@example.com"));
    REQUIRE_FALSE(orphan);
    CHECK(orphan.error().code == "conflict");
    CHECK(orphan.error().message == "The user cannot be written: its tenant no longer exists.");
    CHECK(e->count("SELECT count(*) FROM users") == 1);
  }

  SUBCASE("a new user's optional fields are stored as given") {
    auto e = setup();
    REQUIRE(e->members().insert_user(NewUser{.id = "usr_v",
                                             .tenant_id = "ten_1",
                                             .email = "v@example.com",
                                             .name = "",
                                             .password_hash = "hash",
                                             .email_verified_at = "2026-03-03T00:00:00.000Z",
                                             .created_at = "2026-03-01T00:00:00.000Z"}));
    CHECK(e->count("SELECT count(*) FROM users WHERE id = 'usr_v' AND email_verified_at = "
                   "'2026-03-03T00:00:00.000Z' AND updated_at = created_at AND name = ''") == 1);
    CHECK(e->count("SELECT count(*) FROM users WHERE id = 'usr_1' AND email_verified_at IS NULL") == 1);
  }
}

}  // namespace slab5d::store_cases
