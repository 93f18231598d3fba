// Unit tests for lib/slab5: settings resolution.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "slab5/settings.hpp"

using namespace slab5;

TEST_CASE("settings resolve flag, then environment in order, then profile, then default") {
  std::map<std::string, std::string> vars;
  EnvLookup env = [&](const std::string& n) -> std::optional<std::string> {
    auto it = vars.find(n);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  SettingInputs in{std::nullopt, {"A", "B"}, std::string("from-profile"), "profile default", "dflt", "--x"};
  CHECK(resolve_setting(in, env).value == "from-profile");
  vars["B"] = "b";
  CHECK(resolve_setting(in, env).value == "b");
  CHECK(resolve_setting(in, env).source == "env B");
  vars["A"] = "a";
  CHECK(resolve_setting(in, env).value == "a");
  in.flag = "f";
  CHECK(resolve_setting(in, env).value == "f");
  CHECK(resolve_setting(in, env).source == "flag --x");
  SettingInputs none{std::nullopt, {}, std::nullopt, "", "dflt", "--x"};
  CHECK(resolve_setting(none, env).source == "default");
}
