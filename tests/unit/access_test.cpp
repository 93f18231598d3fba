// Unit tests for lib/slab5: roles and scopes.
#include <doctest/doctest.h>

#include <algorithm>

#include "slab5/access.hpp"

using namespace slab5;

TEST_CASE("roles grant the scopes of api.md §2") {
  auto owner = scopes_for_role("owner");
  CHECK(owner.size() == all_scopes().size());
  auto member = scopes_for_role("member");
  CHECK(std::find(member.begin(), member.end(), "crm:write") != member.end());
  CHECK(std::find(member.begin(), member.end(), "settings:admin") == member.end());
  CHECK(std::find(member.begin(), member.end(), "audit:read") == member.end());
  auto ro = scopes_for_role("readonly");
  CHECK(std::find(ro.begin(), ro.end(), "crm:read") != ro.end());
  CHECK(std::find(ro.begin(), ro.end(), "crm:write") == ro.end());
  CHECK(scopes_for_role("nobody").empty());
  CHECK(role_rank("owner") > role_rank("admin"));
  CHECK(role_rank("admin") > role_rank("member"));
  auto mods = default_enabled_modules();
  CHECK(mods.size() == 8);
  CHECK(std::find(mods.begin(), mods.end(), "bi") == mods.end());
}
